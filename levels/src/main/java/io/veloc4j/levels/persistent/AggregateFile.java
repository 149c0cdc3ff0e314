package io.veloc4j.levels.persistent;

import io.veloc4j.levels.CorruptCheckpointException;
import io.veloc4j.levels.FileIo;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.codec.Codec;
import io.veloc4j.levels.codec.CodecCache;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/** An aggregate file open for reading: footer → index → the chunks holding one member's bytes. */
public final class AggregateFile implements AutoCloseable {

    private final Path path;
    private final FileChannel channel;
    private final AggregateIndex index;
    private final int indexCrc;
    /** Segments' codecs, built on first use: a restart decodes only its own segments. */
    private final CodecCache codecs = new CodecCache();
    private final AtomicLong bytesRead;
    private final AtomicLong bytesDecoded = new AtomicLong();
    /** Reused chunk buffers (stored and decoded): fresh arrays per chunk cost more than decoding them. */
    private final Queue<byte[]> buffers = new ConcurrentLinkedQueue<>();
    /** Reused direct buffers that extracted rank files are assembled in before they are written. */
    private final Queue<ByteBuffer> assembly = new ConcurrentLinkedQueue<>();

    /**
     * A rank file up to this size is assembled in memory and written with one write(2); a larger
     * one in runs of contiguous bytes of at most this size. A rank's fragments are many and small
     * (every variable, block and padding run is one), and a write per fragment cost more than the
     * copy into the assembly buffer.
     */
    static final int ASSEMBLE = 8 << 20;

    private AggregateFile(Path path, FileChannel channel, AggregateIndex index, int indexCrc, long bytesRead) {
        this.path = path;
        this.channel = channel;
        this.index = index;
        this.indexCrc = indexCrc;
        this.bytesRead = new AtomicLong(bytesRead);
    }

    public static AggregateFile open(Path path) throws LevelException {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new LevelException("aggregate " + path + " does not exist");
        } catch (IOException e) {
            throw new LevelException("cannot open aggregate " + path + ": " + e, e);
        }
        try {
            long size = ch.size();
            if (size < AggregateFormat.FOOTER) {
                throw corrupt(path, "shorter than its footer");
            }
            ByteBuffer f = FileIo.readExactly(ch, size - AggregateFormat.FOOTER, AggregateFormat.FOOTER);
            long indexOffset = f.getLong();
            int indexLength = f.getInt();
            int indexCrc = f.getInt();
            long rawTotal = f.getLong();
            // indexOffset ≤ size, so the sum below cannot overflow
            if (f.getInt() != AggregateFormat.FOOTER_MAGIC || indexOffset < 0 || indexOffset > size || indexLength < 0
                    || indexLength > AggregateFormat.MAX_INDEX || indexOffset + indexLength + AggregateFormat.FOOTER != size) {
                throw corrupt(path, "bad footer");
            }
            ByteBuffer idx = FileIo.readExactly(ch, indexOffset, indexLength);
            CRC32C crc = new CRC32C();
            crc.update(idx.duplicate());
            if ((int) crc.getValue() != indexCrc) {
                throw corrupt(path, "index checksum mismatch");
            }
            AggregateIndex index = AggregateIndex.decode(idx);
            checkAgainstFile(path, index, indexOffset, rawTotal);
            return new AggregateFile(path, ch, index, indexCrc, AggregateFormat.FOOTER + indexLength);
        } catch (BufferUnderflowException | IllegalArgumentException | ArithmeticException e) {
            FileIo.closeQuietly(ch);
            throw corrupt(path, "malformed index (" + e.getMessage() + ")");
        } catch (IOException e) {
            FileIo.closeQuietly(ch);
            throw new LevelException("cannot read aggregate " + path + ": " + e, e);
        } catch (LevelException | RuntimeException e) {
            FileIo.closeQuietly(ch);
            throw e;
        }
    }

    /**
     * The invariants of {@link AggregateFormat} that the index alone cannot show: checked once per
     * chunk and extent, so that a restart never plans, allocates or reads by a field the file's
     * bytes do not back.
     */
    private static void checkAgainstFile(Path path, AggregateIndex index, long dataEnd, long rawTotal)
            throws CorruptCheckpointException {
        long storedEnd = 0;
        long segmentsRaw = 0;
        for (Segment s : index.segments()) {
            for (Chunk c : s.chunks()) {
                if (c.rawLength() < 1 || c.rawLength() > AggregateFormat.CHUNK || c.storedLength() < 1
                        || c.storedLength() > AggregateFormat.MAX_STORED_CHUNK) {
                    throw corrupt(path, "a chunk of segment '" + s.key() + "' claims " + c.rawLength() + " raw / "
                            + c.storedLength() + " stored bytes");
                }
                // compared so that a huge offset (a version 2 index stores it as is) cannot wrap around
                if (c.storedOffset() < storedEnd || c.storedOffset() > dataEnd - c.storedLength()) {
                    throw corrupt(path, "a chunk of segment '" + s.key() + "' overlaps another or lies beyond the data");
                }
                storedEnd = c.storedOffset() + c.storedLength();
            }
            segmentsRaw += s.length(); // each ≤ chunks × CHUNK: no overflow
        }
        long membersRaw = 0;
        java.util.Set<Integer> ranks = new java.util.HashSet<>();
        for (int i = 0; i < index.members().size(); i++) {
            Member m = index.members().get(i);
            if (!ranks.add(m.rank())) {
                throw corrupt(path, "rank " + m.rank() + " is listed twice");
            }
            long at = 0;
            for (Extent e : index.extents().get(i)) {
                if (e.fileOffset() != at || (e.blocks() > 1 && e.block() < AggregateFormat.MIN_BLOCK)) {
                    throw corrupt(path, "the extents of rank " + m.rank() + " do not tile its rank file");
                }
                at += e.length(); // the index checked that each extent ends inside the file
            }
            if (at != m.rawLength()) {
                throw corrupt(path, "the extents of rank " + m.rank() + " cover " + at + " of its " + m.rawLength() + " bytes");
            }
            membersRaw = Math.addExact(membersRaw, m.rawLength());
        }
        if (membersRaw != rawTotal || segmentsRaw != rawTotal) {
            throw corrupt(path, "members hold " + membersRaw + " bytes, segments " + segmentsRaw + ", the footer says "
                    + rawTotal);
        }
    }

    public Scheme scheme() {
        return index.scheme();
    }

    public List<Member> members() {
        return index.members();
    }

    public int indexCrc() {
        return indexCrc;
    }

    /** Codecs of the segments, "codec:count,…". */
    public String codecs() {
        return index.codecSummary();
    }

    /** The codec that stored each segment, by segment key (name|type|dimensions in aware schemes, ~rest, ~all). */
    public Map<String, String> codecsBySegment() {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (Segment s : index.segments()) {
            out.put(s.key(), s.codec().label());
        }
        return out;
    }

    /** Bytes read from the file so far (footer, index, chunks): what a restart costs. */
    public long bytesRead() {
        return bytesRead.get();
    }

    /** Raw bytes decoded so far (whole chunks): what a restart's decoding costs. */
    public long bytesDecoded() {
        return bytesDecoded.get();
    }

    public Optional<Member> member(int rank) {
        return index.members().stream().filter(m -> m.rank() == rank).findFirst();
    }

    /** A run of decoded bytes to copy: from {@code chunkOffset} in the decoded chunk to {@code fileOffset}. */
    private record Fragment(int chunkOffset, long fileOffset, int length) {
    }

    /** The chunks holding {@code rank}'s bytes, keyed by (segment, chunk), with the fragments to take from each. */
    private Map<Long, List<Fragment>> plan(int rank) throws LevelException {
        int m = memberIndex(rank);
        Map<Long, List<Fragment>> need = new TreeMap<>();
        for (Extent e : index.extents().get(m)) {
            Segment s = index.segments().get(e.segment());
            e.forEachBlock((fo, so, len) -> {
                long done = 0;
                while (done < len) {
                    int c = s.chunkAt(so + done);
                    Chunk ch = s.chunks().get(c);
                    int rel = (int) (so + done - ch.rawOffset());
                    int n = (int) Math.min(len - done, ch.rawLength() - rel);
                    need.computeIfAbsent(((long) e.segment() << 32) | c, k -> new ArrayList<>())
                            .add(new Fragment(rel, fo + done, n));
                    done += n;
                }
            });
        }
        return need;
    }

    /** Checks the stored CRCs of the chunks holding {@code rank}'s bytes, without decoding. */
    public void verify(int rank) throws LevelException {
        for (long key : plan(rank).keySet()) {
            buffers.offer(stored(key));
        }
    }

    /**
     * Reads and decodes every chunk in memory, checking the stored and the decoded checksums,
     * and writes nothing: proves the whole aggregate restorable without a restart, and measures
     * decoding apart from the file writes of {@link #extract}. Returns the raw bytes decoded.
     */
    public long scrub() throws LevelException {
        long raw = 0;
        List<Segment> segments = index.segments();
        for (int s = 0; s < segments.size(); s++) {
            for (int c = 0; c < segments.get(s).chunks().size(); c++) {
                buffers.offer(decoded(((long) s << 32) | c));
                raw += segments.get(s).chunks().get(c).rawLength();
            }
        }
        return raw;
    }

    /** Decodes {@code rank}'s whole rank file into {@code out}, verifying every chunk read. */
    public void extract(int rank, FileChannel out) throws LevelException {
        extract(rank, out, null, 1);
    }

    /**
     * Decodes {@code rank}'s whole rank file into {@code out}; with a pool, up to
     * {@code 2 × parallelism} chunks are read and decoded at once.
     */
    public void extract(int rank, FileChannel out, ExecutorService pool, int parallelism) throws LevelException {
        Map<Long, List<Fragment>> need = plan(rank);
        Deque<Future<byte[]>> inFlight = new ArrayDeque<>();
        Deque<List<Fragment>> fragments = new ArrayDeque<>();
        int window = pool == null ? 0 : 2 * Math.max(1, parallelism);
        Output sink = new Output(out, index.members().get(memberIndex(rank)).rawLength());
        try {
            for (Map.Entry<Long, List<Fragment>> e : need.entrySet()) {
                long key = e.getKey();
                if (pool == null) {
                    put(sink, decoded(key), e.getValue());
                    continue;
                }
                inFlight.add(pool.submit(() -> decoded(key)));
                fragments.add(e.getValue());
                while (inFlight.size() > window) {
                    put(sink, await(inFlight.removeFirst()), fragments.removeFirst());
                }
            }
            while (!inFlight.isEmpty()) {
                put(sink, await(inFlight.removeFirst()), fragments.removeFirst());
            }
            sink.finish();
        } catch (IOException e) {
            throw new LevelException("cannot extract rank " + rank + " from " + path + ": " + e, e);
        } finally {
            inFlight.forEach(f -> f.cancel(false));
            sink.release();
        }
    }

    private void put(Output out, byte[] raw, List<Fragment> fragments) throws IOException {
        try {
            for (Fragment f : fragments) {
                out.put(raw, f.chunkOffset(), f.length(), f.fileOffset());
            }
        } finally {
            buffers.offer(raw);
        }
    }

    /**
     * Where an extracted rank file's fragments go: a file of at most {@link #ASSEMBLE} bytes is
     * assembled whole in a direct buffer and written at the end; a larger one is written in runs,
     * a run growing while the fragments continue each other.
     */
    private final class Output {
        private final FileChannel ch;
        private final boolean whole;
        private ByteBuffer buf;
        /** File offset of buf[0] (runs), or 0 (whole). */
        private long base = -1;
        private long end;

        Output(FileChannel ch, long size) {
            this.ch = ch;
            this.whole = size <= ASSEMBLE;
            int want = (int) Math.min(ASSEMBLE, Math.max(size, 1));
            ByteBuffer b = assembly.poll();
            this.buf = b != null && b.capacity() >= want ? b : ByteBuffer.allocateDirect(want);
            if (whole) {
                base = 0;
            }
        }

        void put(byte[] raw, int off, int len, long at) throws IOException {
            if (whole) {
                buf.put((int) at, raw, off, len); // JDK 17 absolute bulk put
                end = Math.max(end, at + len);
                return;
            }
            if (base < 0 || at != end || end - base + len > buf.capacity()) {
                flush();
                if (len > buf.capacity()) {
                    FileIo.writeFully(ch, ByteBuffer.wrap(raw, off, len), at);
                    return;
                }
                base = at;
                end = at;
            }
            buf.put((int) (end - base), raw, off, len);
            end += len;
        }

        private void flush() throws IOException {
            if (base >= 0 && end > base) {
                FileIo.writeFully(ch, buf.duplicate().position(0).limit((int) (end - base)), base);
            }
            base = -1;
            end = 0;
        }

        void finish() throws IOException {
            flush();
        }

        void release() {
            if (buf != null) {
                assembly.offer(buf.clear());
                buf = null;
            }
        }
    }

    private static byte[] await(Future<byte[]> f) throws LevelException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof LevelException le) {
                throw le;
            }
            throw new LevelException("decoding failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LevelException("interrupted while decoding", e);
        }
    }

    private byte[] decoded(long key) throws LevelException {
        Segment s = index.segments().get((int) (key >>> 32));
        Chunk c = s.chunks().get((int) key);
        byte[] enc = stored(key);
        byte[] raw = take(c.rawLength());
        try {
            codecs.get(s.codec(), s.type(), s.rowLength(), 1).decode(enc, 0, c.storedLength(), raw, 0, c.rawLength());
            bytesDecoded.addAndGet(c.rawLength());
        } catch (RuntimeException e) {
            buffers.offer(raw);
            throw corrupt(path, "the chunk at offset " + c.storedOffset() + " does not decode (" + e.getMessage() + ")");
        } finally {
            buffers.offer(enc);
        }
        return raw;
    }

    private int memberIndex(int rank) throws LevelException {
        for (int i = 0; i < index.members().size(); i++) {
            if (index.members().get(i).rank() == rank) {
                return i;
            }
        }
        throw new LevelException("aggregate " + path + " holds no data of rank " + rank);
    }

    /**
     * A pooled buffer of at least {@code atLeast} bytes. Sized to the need (in 64 KiB steps), not
     * to the largest chunk: a rank whose chunks are small must not zero 4 MiB arrays to restore.
     */
    private byte[] take(int atLeast) {
        byte[] b = buffers.poll();
        return b == null || b.length < atLeast ? new byte[(int) Math.min(Integer.MAX_VALUE - 8, (atLeast + 0xFFFFL) & ~0xFFFFL)] : b;
    }

    /** The chunk's stored bytes, CRC-checked, at the start of a pooled buffer (give it back to {@link #buffers}). */
    private byte[] stored(long key) throws LevelException {
        Chunk c = index.segments().get((int) (key >>> 32)).chunks().get((int) key);
        byte[] b = take(c.storedLength());
        try {
            ByteBuffer into = ByteBuffer.wrap(b, 0, c.storedLength());
            while (into.hasRemaining()) {
                if (channel.read(into, c.storedOffset() + into.position()) < 0) {
                    throw corrupt(path, "truncated in the chunk at offset " + c.storedOffset());
                }
            }
            bytesRead.addAndGet(c.storedLength());
            CRC32C crc = new CRC32C();
            crc.update(b, 0, c.storedLength());
            if ((int) crc.getValue() != c.crc()) {
                throw corrupt(path, "checksum mismatch in the chunk at offset " + c.storedOffset());
            }
            return b;
        } catch (IOException e) {
            buffers.offer(b);
            throw new LevelException("cannot read " + path + ": " + e, e);
        } catch (LevelException e) {
            buffers.offer(b);
            throw e;
        }
    }

    private static CorruptCheckpointException corrupt(Path path, String what) {
        return new CorruptCheckpointException("aggregate " + path + " is corrupt: " + what);
    }

    @Override
    public void close() throws LevelException {
        try {
            channel.close();
        } catch (IOException e) {
            throw new LevelException("cannot close " + path + ": " + e, e);
        }
    }
}
