package io.veloc4j.levels.persistent;

import com.github.luben.zstd.Zstd;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.scratch.RankFile;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.zip.CRC32C;

/**
 * Turns a group's rank files into its file on persistent storage: a verbatim copy per rank
 * (scheme none) or one chunked, compressed, indexed aggregate (agnostic). Chunks are compressed
 * in parallel on the given executor and written in order. Always to a temp name, fsync'd, then
 * renamed: a reader sees the whole file or nothing.
 */
public final class AggregateWriter {

    /** A rank file to aggregate, with the header CRC its Written record announced. */
    public record Source(int rank, Path path, int crc) {
    }

    private final ExecutorService codecPool;
    private final int parallelism;
    private final int level;
    /**
     * Reusable direct buffers: 4 MiB chunks read from the rank files, and compressBound(4 MiB)
     * buffers for their compressed form. Shared by the engine's concurrent writers; a buffer is in
     * at most one place at a time (being filled, compressed, written, or here).
     */
    private final Queue<ByteBuffer> sourceBuffers = new ConcurrentLinkedQueue<>();
    private final Queue<ByteBuffer> targetBuffers = new ConcurrentLinkedQueue<>();

    public AggregateWriter(ExecutorService codecPool, int parallelism, int compressionLevel) {
        this.codecPool = codecPool;
        this.parallelism = parallelism;
        this.level = compressionLevel;
    }

    public static String fileName(Scheme scheme, int group, int rank) {
        return scheme == Scheme.NONE ? "rank-" + rank + ".vck" : "group-" + group + ".vagg";
    }

    public AggregateInfo write(Path versionDir, Encoding encoding, int group, List<Source> sources) throws LevelException {
        return write(versionDir, encoding.scheme(), group, sources); // TODO: layouts
    }

    public AggregateInfo write(Path versionDir, Scheme scheme, int group, List<Source> sources) throws LevelException {
        for (Source s : sources) {
            check(s);
        }
        String name = fileName(scheme, group, sources.get(0).rank());
        Path target = versionDir.resolve(name);
        Path tmp = versionDir.resolve(name + ".tmp");
        try {
            Files.createDirectories(versionDir);
            AggregateInfo info;
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                info = scheme == Scheme.NONE ? copy(out, group, name, sources.get(0)) : aggregate(out, scheme, group, name, sources);
                out.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDir(versionDir);
            return info;
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new LevelException("cannot write " + target + ": " + e
                    + "; check that persistent storage is writable and has room", e);
        } catch (LevelException | RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
    }

    /** The rank file must be the one announced and intact: never persist a corrupt or replaced copy. */
    private static void check(Source s) throws LevelException {
        try (RankFile f = RankFile.open(s.path())) {
            if (f.headerCrc() != s.crc()) {
                throw new SupersededException("rank file " + s.path() + " changed since it was written (header CRC "
                        + Integer.toHexString(f.headerCrc()) + ", journal says " + Integer.toHexString(s.crc()) + ")");
            }
            f.verify();
        }
    }

    private static AggregateInfo copy(FileChannel out, int group, String name, Source s) throws IOException {
        try (FileChannel in = FileChannel.open(s.path(), StandardOpenOption.READ)) {
            long size = in.size();
            long done = 0;
            while (done < size) {
                done += in.transferTo(done, size - done, out);
            }
            return new AggregateInfo(group, name, size, size, s.crc(), List.of(new Member(s.rank(), 0, size, s.crc())));
        }
    }

    private AggregateInfo aggregate(FileChannel out, Scheme scheme, int group, String name, List<Source> sources)
            throws IOException, LevelException {
        List<Member> members = new ArrayList<>();
        List<Chunk> chunks = new ArrayList<>();
        Deque<Future<ByteBuffer>> inFlight = new ArrayDeque<>();
        Deque<Integer> rawLengths = new ArrayDeque<>();
        long raw = 0;
        long[] stored = {0};
        // direct buffers end to end: the rank files are read straight into a direct buffer, zstd
        // compresses direct to direct, and the compressed bytes are written from there. With heap
        // arrays the JDK copies every read and every write through a temporary direct buffer, and
        // each chunk allocated two new arrays (8 MiB of garbage per 4 MiB chunk).
        ByteBuffer chunk = takeSource();
        try {
            for (Source s : sources) {
                try (FileChannel in = FileChannel.open(s.path(), StandardOpenOption.READ)) {
                    long size = in.size();
                    members.add(new Member(s.rank(), raw, size, s.crc()));
                    long pos = 0;
                    while (pos < size) {
                        int n = in.read(chunk, pos);
                        if (n < 0) {
                            throw new IOException(s.path() + " shrank while being aggregated");
                        }
                        pos += n;
                        if (!chunk.hasRemaining()) {
                            submit(chunk, inFlight, rawLengths);
                            chunk = null;
                            drain(out, inFlight, rawLengths, chunks, stored, 2 * parallelism);
                            chunk = takeSource();
                        }
                    }
                    raw += size;
                }
            }
            if (chunk.position() > 0) {
                submit(chunk, inFlight, rawLengths);
                chunk = null;
            }
            drain(out, inFlight, rawLengths, chunks, stored, 0);
        } finally {
            if (chunk != null) {
                sourceBuffers.offer(chunk);
            }
            // after a failure, chunks still being compressed return their buffers themselves; their results are dropped
            for (Future<ByteBuffer> f : inFlight) {
                f.cancel(false);
            }
        }
        ByteBuffer index = index(scheme, chunks, members);
        CRC32C crc = new CRC32C();
        crc.update(index.duplicate());
        int indexCrc = (int) crc.getValue();
        long indexOffset = stored[0];
        ByteBuffer footer = ByteBuffer.allocate(AggregateFormat.FOOTER).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(indexOffset).putInt(index.remaining()).putInt(indexCrc).putLong(raw)
                .putInt(AggregateFormat.FOOTER_MAGIC).putInt(0).flip();
        writeFully(out, index, indexOffset);
        writeFully(out, footer, indexOffset + index.capacity());
        long total = indexOffset + index.capacity() + AggregateFormat.FOOTER;
        return new AggregateInfo(group, name, raw, total, indexCrc, members);
    }

    private ByteBuffer takeSource() {
        ByteBuffer b = sourceBuffers.poll();
        return (b == null ? ByteBuffer.allocateDirect(AggregateFormat.CHUNK) : b).clear();
    }

    private ByteBuffer takeTarget() {
        ByteBuffer b = targetBuffers.poll();
        return (b == null ? ByteBuffer.allocateDirect((int) Zstd.compressBound(AggregateFormat.CHUNK)) : b).clear();
    }

    private void submit(ByteBuffer chunk, Deque<Future<ByteBuffer>> inFlight, Deque<Integer> rawLengths) {
        int length = chunk.position();
        inFlight.add(codecPool.submit(() -> {
            try {
                return compress(chunk, length);
            } finally {
                sourceBuffers.offer(chunk);
            }
        }));
        rawLengths.add(length);
    }

    /** Compresses the first {@code length} bytes of {@code src} into a pooled direct buffer (position 0, limit = size). */
    private ByteBuffer compress(ByteBuffer src, int length) {
        ByteBuffer dst = takeTarget();
        long n = Zstd.compressDirectByteBuffer(dst, 0, dst.capacity(), src, 0, length, level);
        if (Zstd.isError(n)) {
            targetBuffers.offer(dst);
            throw new IllegalStateException("zstd: " + Zstd.getErrorName(n));
        }
        return dst.clear().limit((int) n);
    }

    /** Writes finished chunks in order until at most {@code keep} are in flight. */
    private void drain(FileChannel out, Deque<Future<ByteBuffer>> inFlight, Deque<Integer> rawLengths, List<Chunk> chunks,
                       long[] stored, int keep) throws IOException, LevelException {
        while (inFlight.size() > keep) {
            ByteBuffer z;
            try {
                z = inFlight.removeFirst().get();
            } catch (ExecutionException e) {
                throw new LevelException("compression failed: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LevelException("interrupted while compressing", e);
            }
            try {
                int rawLength = rawLengths.removeFirst();
                long rawOffset = chunks.isEmpty() ? 0 : chunks.get(chunks.size() - 1).rawOffset() + chunks.get(chunks.size() - 1).rawLength();
                int length = z.remaining();
                CRC32C crc = new CRC32C();
                crc.update(z.duplicate());
                chunks.add(new Chunk(rawOffset, rawLength, stored[0], length, (int) crc.getValue()));
                writeFully(out, z, stored[0]);
                stored[0] += length;
            } finally {
                targetBuffers.offer(z);
            }
        }
    }

    private static ByteBuffer index(Scheme scheme, List<Chunk> chunks, List<Member> members) {
        ByteBuffer b = ByteBuffer.allocate(12 + chunks.size() * 28 + 4 + members.size() * 24).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(AggregateFormat.INDEX_MAGIC).putShort(AggregateFormat.VERSION).put((byte) scheme.code())
                .put(AggregateFormat.CODEC_ZSTD).putInt(chunks.size());
        for (Chunk c : chunks) {
            b.putLong(c.rawOffset()).putInt(c.rawLength()).putLong(c.storedOffset()).putInt(c.storedLength()).putInt(c.crc());
        }
        b.putInt(members.size());
        for (Member m : members) {
            b.putInt(m.rank()).putLong(m.rawOffset()).putLong(m.rawLength()).putInt(m.rankFileCrc());
        }
        return b.flip();
    }

    static void writeFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        long p = pos;
        while (b.hasRemaining()) {
            p += ch.write(b, p);
        }
    }

    static void syncDir(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // not every file system can sync a directory; the file itself is synced
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a leftover .tmp is invisible to readers
        }
    }
}
