package io.veloc4j.levels.persistent;

import io.veloc4j.levels.CorruptCheckpointException;
import io.veloc4j.levels.Failpoint;
import io.veloc4j.levels.FileIo;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.codec.Codec;
import io.veloc4j.levels.codec.CodecCache;
import io.veloc4j.levels.codec.CodecKind;
import io.veloc4j.levels.codec.Codecs;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.zip.CRC32C;

/**
 * Turns a group's rank files into its file on persistent storage: a verbatim copy per rank
 * (scheme none) or one aggregate laid out by the scheme ({@link Layout}) whose segments are cut
 * into chunks and encoded by their codec. Chunks are encoded in parallel on the given executor and
 * written in order; every rank file's variable CRCs are checked on the way. Always to a temp name,
 * fsync'd, then renamed: a reader sees the whole file or nothing.
 */
public final class AggregateWriter {

    /** A rank file to aggregate, with the header CRC its Written record announced. */
    public record Source(int rank, Path path, int crc) {
    }

    /**
     * Segments of auto up to this size are probed exactly: every candidate encodes their real
     * chunks and the winner's encodings are written ({@link Codecs#chooseExact}). A sample of
     * them (an eighth, at least 16 KiB) misled auto by up to 2.6x on real data (a grid that the
     * rank transform codes in 2 KiB but whose 7 KiB sample pieces it cannot); probing exactly
     * makes a probed write cost 1.9x a steady one instead of 1.7x, once in {@link AutoChoices#REPROBE}.
     */
    static final int EXACT_PROBE = 256 << 10;

    private final ExecutorService codecPool;
    private final int parallelism;
    private final int defaultLevel;
    /** Reusable raw chunk buffers; a buffer is in at most one place at a time (being filled, encoded, or here). */
    private final Queue<byte[]> rawBuffers = new ConcurrentLinkedQueue<>();
    private final Queue<byte[]> encodedBuffers = new ConcurrentLinkedQueue<>();
    private final CodecCache codecCache = new CodecCache();
    private final AutoChoices autoChoices = new AutoChoices();
    private final boolean directIo;
    private final Queue<ByteBuffer> outputBuffers = new ConcurrentLinkedQueue<>();

    /** A writer that bypasses the page cache where it can (see {@link FileOutput}). */
    public AggregateWriter(ExecutorService codecPool, int parallelism, int compressionLevel) {
        this(codecPool, parallelism, compressionLevel, true);
    }

    /** @param directIo write files with O_DIRECT where the file system supports it */
    public AggregateWriter(ExecutorService codecPool, int parallelism, int compressionLevel, boolean directIo) {
        this.codecPool = codecPool;
        this.parallelism = parallelism;
        this.defaultLevel = compressionLevel;
        this.directIo = directIo;
    }

    public static String fileName(Scheme scheme, int group, int rank) {
        return scheme == Scheme.NONE ? "rank-" + rank + ".vck" : "group-" + group + ".vagg";
    }

    /** Writes with the given scheme at this writer's compression level, codec auto. */
    public AggregateInfo write(Path versionDir, Scheme scheme, int group, List<Source> sources) throws LevelException {
        return write(versionDir, Encoding.of(scheme, defaultLevel), group, sources);
    }

    public AggregateInfo write(Path versionDir, Encoding encoding, int group, List<Source> sources) throws LevelException {
        return write(versionDir, sources.isEmpty() ? "" : fileName(encoding.scheme(), group, sources.get(0).rank()), encoding,
                group, sources);
    }

    /**
     * Writes the group as {@code versionDir/name}. Refuses (AlreadyCommittedException) to write into
     * a version that has a MANIFEST: a committed version's files are never replaced or added to.
     */
    public AggregateInfo write(Path versionDir, String name, Encoding encoding, int group, List<Source> sources)
            throws LevelException {
        Scheme scheme = encoding.scheme();
        if (sources.isEmpty() || (scheme == Scheme.NONE && sources.size() != 1)) {
            throw new IllegalArgumentException("group " + group + ": scheme " + scheme.label() + " takes "
                    + (scheme == Scheme.NONE ? "exactly one rank file" : "at least one rank file") + ", got " + sources.size());
        }
        Path target = versionDir.resolve(name);
        refuseCommitted(versionDir, target);
        // unique: a rank that rewrites a version may have two writes of the same group in flight
        Path tmp = versionDir.resolve(TempName.of(name));
        List<RankFile> files = new ArrayList<>();
        ByteBuffer buffer = null;
        try {
            long raw = 0;
            for (Source s : sources) {
                RankFile f = opened(s);
                files.add(f);
                raw += f.length();
            }
            buffer = outputBuffer(raw);
            FileIo.createPrivateDirectories(versionDir);
            AggregateInfo info;
            try (FileOutput out = FileOutput.create(tmp, directIo, buffer)) {
                info = scheme == Scheme.NONE ? copy(out, group, name, sources.get(0), files.get(0))
                        : aggregate(out, encoding, group, name, sources, files);
                out.finish();
            } catch (CorruptCheckpointException e) {
                // a rank that wrote the version again renamed a new file over the one being read:
                // the bytes read were a mix of both; the newer write is flushed on its own
                for (Source s : sources) {
                    stillCurrent(s);
                }
                throw e;
            }
            for (Source s : sources) {
                stillCurrent(s);
            }
            refuseCommitted(versionDir, target);
            Failpoint.hit(Failpoint.AGGREGATE_BEFORE_RENAME, files.get(0).version());
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDir(versionDir);
            return info;
        } catch (IOException e) {
            deleteQuietly(tmp);
            if (FileIo.isOutOfSpace(e)) {
                throw new LevelException("cannot write " + target + ": the file system of " + versionDir + " is full ("
                        + e.getMessage() + "); free space on persistent storage (the scratch copies are kept)", e);
            }
            throw new LevelException("cannot write " + target + ": " + e
                    + "; check that persistent storage is writable and has room", e);
        } catch (LevelException | RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        } finally {
            for (RankFile f : files) {
                FileIo.closeQuietly(f);
            }
            if (buffer != null) {
                outputBuffers.offer(buffer);
            }
        }
    }

    static void refuseCommitted(Path versionDir, Path target) throws AlreadyCommittedException {
        if (Files.exists(versionDir.resolve(Manifest.FILE))) {
            throw new AlreadyCommittedException(versionDir + " is already committed (it has a MANIFEST): " + target.getFileName()
                    + " was not written, a committed version is never changed");
        }
    }

    /**
     * Starts a group's aggregate made of parts (some of its ranks live on other nodes): see
     * {@link AggregateAssembly}.
     *
     * @param expectedBytes about how large the file will be (sizes the write buffer)
     */
    public AggregateAssembly assemble(Path versionDir, String name, Encoding encoding, int group, int version,
                                      long expectedBytes) throws LevelException {
        if (encoding.scheme() == Scheme.NONE) {
            throw new IllegalArgumentException("scheme none copies one rank file per file: nothing to assemble");
        }
        return new AggregateAssembly(this, versionDir, name, encoding, group, version, outputBuffer(expectedBytes), directIo);
    }

    /**
     * Encodes this node's ranks of a group that spans nodes into {@code spool} (a node-local file:
     * the part's chunks from offset 0), to be shipped to the group's writer with the returned
     * index. Data-aware and chunked exactly as a whole group is, over this node's ranks.
     */
    public AggregatePart encodePart(Path spool, Encoding encoding, int group, List<Source> sources) throws LevelException {
        if (encoding.scheme() == Scheme.NONE || sources.isEmpty()) {
            throw new IllegalArgumentException("group " + group + ": a part needs an aggregating scheme and ranks");
        }
        Path tmp = spool.resolveSibling(TempName.of(spool.getFileName().toString()));
        long[] stored = {0};
        try {
            FileIo.createPrivateDirectories(spool.getParent());
            AggregateIndex index;
            try (FileChannel ch = FileIo.createPrivate(tmp)) {
                long[] at = {0};
                index = encodeLocal((b, off, len) -> {
                    FileIo.writeFully(ch, ByteBuffer.wrap(b, off, len), at[0]);
                    at[0] += len;
                }, encoding, group, sources, stored);
            }
            Files.move(tmp, spool, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return AggregatePart.of(index, stored[0]);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new LevelException("cannot spool group " + group + "'s part to " + spool + ": " + e
                    + (FileIo.isOutOfSpace(e) ? "; scratch is full: free space there" : ""), e);
        } catch (LevelException | RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
    }

    /**
     * As {@link #encodePart(Path, Encoding, int, List)}, into {@code sink} (e.g. memory): the
     * chunks' bytes in order, each handed over once ({@code b} is reused afterwards: copy it).
     */
    public AggregatePart encodePart(ChunkSink sink, Encoding encoding, int group, List<Source> sources) throws LevelException {
        if (encoding.scheme() == Scheme.NONE || sources.isEmpty()) {
            throw new IllegalArgumentException("group " + group + ": a part needs an aggregating scheme and ranks");
        }
        long[] stored = {0};
        try {
            AggregateIndex index = encodeLocal(sink, encoding, group, sources, stored);
            return AggregatePart.of(index, stored[0]);
        } catch (IOException e) {
            throw new LevelException("cannot encode group " + group + "'s part: " + e, e);
        }
    }

    /** Encodes {@code sources} (this node's rank files) into {@code out}; superseded if a rank wrote the version again. */
    AggregateIndex encodeLocal(ChunkSink out, Encoding encoding, int group, List<Source> sources, long[] stored)
            throws IOException, LevelException {
        List<RankFile> files = new ArrayList<>();
        try {
            for (Source s : sources) {
                files.add(opened(s));
            }
            AggregateIndex index;
            try {
                index = encodeChunks(out, encoding, group, sources, files, stored);
            } catch (CorruptCheckpointException e) {
                for (Source s : sources) {
                    stillCurrent(s); // a rank renamed a new file over the one being read
                }
                throw e;
            }
            for (Source s : sources) {
                stillCurrent(s);
            }
            return index;
        } finally {
            for (RankFile f : files) {
                FileIo.closeQuietly(f);
            }
        }
    }

    void returnBuffer(ByteBuffer b) {
        outputBuffers.offer(b);
    }

    /** The rank file must be the one announced: never persist a replaced copy. */
    private static RankFile opened(Source s) throws LevelException {
        RankFile f = RankFile.open(s.path());
        if (f.headerCrc() != s.crc()) {
            f.close();
            throw new SupersededException("rank file " + s.path() + " changed since it was written (header CRC "
                    + Integer.toHexString(f.headerCrc()) + ", expected " + Integer.toHexString(s.crc()) + ")");
        }
        return f;
    }

    /** A source replaced while it was being aggregated makes this write stale: the newer write persists it. */
    static void stillCurrent(Source s) throws LevelException {
        try {
            opened(s).close();
        } catch (SupersededException e) {
            throw e;
        } catch (LevelException e) {
            throw new SupersededException("rank file " + s.path() + " changed while it was aggregated: " + e.getMessage());
        }
    }

    /** A verbatim copy, its variable CRCs checked on the way (one read of the rank file). */
    private static AggregateInfo copy(FileOutput out, int group, String name, Source s, RankFile f)
            throws IOException, LevelException {
        RankFileCheck check = new RankFileCheck(f.path(), f.checksums(), f.variables());
        try (FileChannel in = FileChannel.open(s.path(), StandardOpenOption.READ)) {
            long size = in.size();
            out.transferFrom(in, s.path(), 0, size, check::feed);
            check.finish();
            return new AggregateInfo(group, name, size, size, s.crc(), List.of(new Member(s.rank(), 0, size, s.crc())), "copy");
        }
    }

    /** One encoded chunk on its way to the file. */
    private record Pending(int segment, int rawLength, Future<Encoded> result) {
    }

    private record Encoded(byte[] bytes, int length) {
    }

    /** The rank files being aggregated, open for sampling. */
    private record Inputs(int group, List<Source> sources, List<FileChannel> channels) {
    }

    /** Where encoded chunks go, in order: the aggregate file itself, or a node's spool of its part. */
    public interface ChunkSink {
        void write(byte[] b, int off, int len) throws IOException;
    }

    /** Encodes the group's chunks into {@code out} (stored offsets from 0) and returns their index. */
    private AggregateIndex encodeChunks(ChunkSink out, Encoding enc, int group, List<Source> sources,
                                        List<RankFile> files, long[] stored) throws IOException, LevelException {
        List<Layout.Source> layoutSources = new ArrayList<>();
        List<RankFileCheck> checks = new ArrayList<>();
        List<FileChannel> in = new ArrayList<>();
        List<Member> members = new ArrayList<>();
        long raw = 0;
        for (int i = 0; i < files.size(); i++) {
            RankFile f = files.get(i);
            layoutSources.add(new Layout.Source(f.rank(), f.length(), f.variables()));
            checks.add(new RankFileCheck(f.path(), f.checksums(), f.variables()));
            members.add(new Member(sources.get(i).rank(), raw, f.length(), sources.get(i).crc()));
            raw += f.length();
        }
        Layout layout = Layout.plan(enc.scheme(), enc.blockSize(), layoutSources);
        Deque<Pending> inFlight = new ArrayDeque<>();
        List<List<Chunk>> chunks = new ArrayList<>();
        List<Codec> codecs = new ArrayList<>();
        stored[0] = 0;
        byte[] chunk = null;
        Inputs inputs = new Inputs(group, sources, in);
        try {
            for (Source s : sources) {
                in.add(FileChannel.open(s.path(), StandardOpenOption.READ));
            }
            for (int seg = 0; seg < layout.segments().size(); seg++) {
                Layout.SegmentPlan plan = layout.segments().get(seg);
                chunks.add(new ArrayList<>());
                codecs.add(known(inputs, plan, enc));
                // auto without a remembered choice, on a small segment: its chunks are held and probed exactly
                Held held = codecs.get(seg) == null && plan.length() <= EXACT_PROBE ? new Held() : null;
                chunk = takeRaw(plan.length());
                int fill = 0;
                int member = -1;
                for (Layout.Piece p : plan.pieces()) {
                    // a new member's bytes start a new chunk, so restoring one rank decodes little
                    // of the others'; unless the chunk is still small (frames have a fixed cost)
                    if (p.source() != member && fill > 0 && fill >= enc.rankCut()) {
                        if (held != null) {
                            held.add(chunk, fill);
                        } else {
                            submit(inputs, seg, plan, enc, codecs, chunk, fill, inFlight);
                            drain(out, inFlight, chunks, stored, 2 * parallelism);
                        }
                        chunk = null;
                        chunk = takeRaw(plan.length());
                        fill = 0;
                    }
                    member = p.source();
                    long done = 0;
                    while (done < p.length()) {
                        int n = (int) Math.min(p.length() - done, chunk.length - fill);
                        long at = p.fileOffset() + done;
                        readFully(in.get(p.source()), chunk, fill, n, at, sources.get(p.source()).path());
                        checks.get(p.source()).feed(at, chunk, fill, n);
                        fill += n;
                        done += n;
                        if (fill == chunk.length) {
                            if (held != null) {
                                held.add(chunk, fill);
                            } else {
                                submit(inputs, seg, plan, enc, codecs, chunk, fill, inFlight);
                                drain(out, inFlight, chunks, stored, 2 * parallelism);
                            }
                            chunk = null;
                            chunk = takeRaw(plan.length());
                            fill = 0;
                        }
                    }
                }
                if (fill > 0 && held != null) {
                    held.add(chunk, fill);
                } else if (fill > 0) {
                    submit(inputs, seg, plan, enc, codecs, chunk, fill, inFlight);
                } else {
                    rawBuffers.offer(chunk);
                }
                chunk = null;
                if (held != null) {
                    probeExactly(inputs.group(), seg, plan, enc, codecs, held, inFlight);
                    drain(out, inFlight, chunks, stored, 2 * parallelism);
                }
            }
            drain(out, inFlight, chunks, stored, 0);
            for (RankFileCheck c : checks) {
                c.finish();
            }
        } finally {
            if (chunk != null) {
                rawBuffers.offer(chunk);
            }
            // after a failure, chunks still being encoded return their buffers themselves; their results are dropped
            for (Pending p : inFlight) {
                p.result().cancel(false);
            }
            for (FileChannel c : in) {
                FileIo.closeQuietly(c);
            }
        }
        List<Segment> segments = new ArrayList<>();
        for (int seg = 0; seg < layout.segments().size(); seg++) {
            Layout.SegmentPlan plan = layout.segments().get(seg);
            segments.add(new Segment(plan.key(), plan.type(), plan.rowLength(), codecs.get(seg).kind(), plan.length(),
                    chunks.get(seg)));
        }
        List<List<Extent>> extents = new ArrayList<>();
        for (int i = 0; i < sources.size(); i++) {
            extents.add(layout.extents(i));
        }
        return new AggregateIndex(enc.scheme(), segments, members, extents);
    }

    /** Encodes the group into {@code out}: chunks, then index and footer. */
    private AggregateInfo aggregate(FileOutput out, Encoding enc, int group, String name, List<Source> sources,
                                    List<RankFile> files) throws IOException, LevelException {
        long[] stored = {0};
        AggregateIndex index = encodeChunks(out::write, enc, group, sources, files, stored);
        return finishFile(out, group, name, index, stored[0]);
    }

    /** Writes index and footer after {@code chunkBytes} of chunks; the file's description. */
    static AggregateInfo finishFile(FileOutput out, int group, String name, AggregateIndex index, long chunkBytes)
            throws IOException {
        long raw = index.members().stream().mapToLong(Member::rawLength).sum();
        ByteBuffer indexBytes = index.encode();
        CRC32C crc = new CRC32C();
        crc.update(indexBytes.duplicate());
        int indexCrc = (int) crc.getValue();
        ByteBuffer footer = ByteBuffer.allocate(AggregateFormat.FOOTER).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(chunkBytes).putInt(indexBytes.remaining()).putInt(indexCrc).putLong(raw)
                .putInt(AggregateFormat.FOOTER_MAGIC).putInt(0).flip();
        int indexLength = indexBytes.remaining();
        out.write(indexBytes);
        out.write(footer);
        long total = chunkBytes + indexLength + AggregateFormat.FOOTER;
        return new AggregateInfo(group, name, raw, total, indexCrc, index.members(), index.codecSummary());
    }

    /** A small segment's chunks, held until its codec is chosen on them. */
    private static final class Held {
        final List<byte[]> chunks = new ArrayList<>();
        final List<Integer> sizes = new ArrayList<>();

        void add(byte[] chunk, int size) {
            chunks.add(chunk);
            sizes.add(size);
        }
    }

    /**
     * The segment's codec when it is known before its first chunk: untyped bytes get zstd; a
     * fixed codec resolves to one that applies; auto recalls this segment's last choice (a use of
     * it). Null: auto has to probe.
     */
    private Codec known(Inputs inputs, Layout.SegmentPlan plan, Encoding enc) {
        CodecKind kind;
        if (plan.type().width() == 1) { // untyped segments are bytes
            kind = CodecKind.ZSTD;
        } else if (!enc.auto()) {
            kind = Codecs.resolve(enc.codec(), plan.type());
        } else {
            kind = autoChoices.recall(autoKey(inputs.group(), plan, enc));
            if (kind == null) {
                return null;
            }
        }
        return codecCache.get(kind, plan.type(), plan.rowLength(), enc.level());
    }

    private static AutoChoices.Key autoKey(int group, Layout.SegmentPlan plan, Encoding enc) {
        return new AutoChoices.Key(group, plan.key(), plan.type(), plan.rowLength(), enc.level());
    }

    /** Chooses a held segment's codec on its chunks and queues the winner's encodings of them. */
    private void probeExactly(int group, int seg, Layout.SegmentPlan plan, Encoding enc, List<Codec> codecs, Held held,
                              Deque<Pending> inFlight) {
        byte[][] chunks = held.chunks.toArray(new byte[0][]);
        int[] sizes = held.sizes.stream().mapToInt(Integer::intValue).toArray();
        Codecs.Exact choice = codecCache.chooseExact(plan.type(), plan.rowLength(), enc.level(), chunks, sizes,
                this::takeEncoded, encodedBuffers::offer);
        autoChoices.remember(autoKey(group, plan, enc), choice.kind());
        codecs.set(seg, codecCache.get(choice.kind(), plan.type(), plan.rowLength(), enc.level()));
        for (int i = 0; i < chunks.length; i++) {
            inFlight.add(new Pending(seg, sizes[i], CompletableFuture.completedFuture(new Encoded(choice.encoded()[i],
                    choice.lengths()[i]))));
            rawBuffers.offer(chunks[i]);
        }
        held.chunks.clear();
    }

    /**
     * Auto's choice for a segment too large to probe exactly, at its first chunk: a sample spread
     * over the whole segment. Returns the first chunk's encoding when probing already produced it,
     * else null.
     */
    private Encoded decide(Inputs inputs, int seg, Layout.SegmentPlan plan, Encoding enc, List<Codec> codecs,
                           byte[] firstChunk, int fill) throws IOException, LevelException {
        Encoded done = null;
        int budget = Codecs.sampleBudget(plan.length());
        Codecs.Choice choice;
        if (fill == plan.length() && fill <= budget && fill % plan.type().width() == 0) {
            // the whole segment is this chunk and the sample: keep the winner's encoding
            byte[] keep = takeEncoded(Codecs.trialBound(fill));
            choice = codecCache.choose(plan.type(), plan.rowLength(), enc.level(), firstChunk, new int[][] {{0, fill}}, keep);
            if (choice.encodedLength() >= 0) {
                done = new Encoded(keep, choice.encodedLength());
            } else {
                encodedBuffers.offer(keep);
            }
        } else {
            // spread over the whole segment: the first chunk holds only the first member
            long[][] at = Codecs.pieces(plan.length() - plan.length() % plan.type().width(), plan.type().width(),
                    plan.rowLength(), budget);
            int[][] pieces = new int[at.length][];
            byte[] sample = sample(inputs, plan, at, pieces);
            choice = codecCache.choose(plan.type(), plan.rowLength(), enc.level(), sample, pieces, null);
        }
        autoChoices.remember(autoKey(inputs.group(), plan, enc), choice.kind());
        codecs.set(seg, codecCache.get(choice.kind(), plan.type(), plan.rowLength(), enc.level()));
        return done;
    }

    /**
     * Reads the ranges {@code at} ({offset, length} in the segment's raw stream) from the rank
     * files into one array; {@code pieces} receives where each range is in it.
     */
    private static byte[] sample(Inputs inputs, Layout.SegmentPlan plan, long[][] at, int[][] pieces)
            throws IOException, LevelException {
        long total = 0;
        for (long[] r : at) {
            total += r[1];
        }
        byte[] sample = new byte[(int) total];
        int fill = 0;
        for (int i = 0; i < at.length; i++) {
            long from = at[i][0];
            long to = from + at[i][1];
            pieces[i] = new int[] {fill, (int) at[i][1]};
            long pos = 0;
            for (Layout.Piece p : plan.pieces()) {
                long lo = Math.max(from, pos);
                long hi = Math.min(to, pos + p.length());
                if (lo < hi) {
                    readFully(inputs.channels().get(p.source()), sample, fill, (int) (hi - lo), p.fileOffset() + (lo - pos),
                            inputs.sources().get(p.source()).path());
                    fill += (int) (hi - lo);
                }
                pos += p.length();
                if (pos >= to) {
                    break;
                }
            }
        }
        return sample;
    }

    private void submit(Inputs inputs, int seg, Layout.SegmentPlan plan, Encoding enc, List<Codec> codecs, byte[] chunk,
                        int length, Deque<Pending> inFlight) throws IOException, LevelException {
        if (codecs.get(seg) == null) {
            Encoded done = decide(inputs, seg, plan, enc, codecs, chunk, length);
            if (done != null) {
                rawBuffers.offer(chunk);
                inFlight.add(new Pending(seg, length, CompletableFuture.completedFuture(done)));
                return;
            }
        }
        Codec codec = codecs.get(seg);
        inFlight.add(new Pending(seg, length, codecPool.submit(() -> {
            try {
                byte[] dst = takeEncoded(codec.maxEncodedLength(length));
                return new Encoded(dst, codec.encode(chunk, 0, length, dst, 0));
            } finally {
                rawBuffers.offer(chunk);
            }
        })));
    }

    /** Writes finished chunks in order until at most {@code keep} are in flight. */
    private void drain(ChunkSink out, Deque<Pending> inFlight, List<List<Chunk>> chunks, long[] stored, int keep)
            throws IOException, LevelException {
        while (inFlight.size() > keep) {
            Pending p = inFlight.removeFirst();
            Encoded z;
            try {
                z = p.result().get();
            } catch (ExecutionException e) {
                throw new LevelException("encoding failed: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LevelException("interrupted while encoding", e);
            }
            try {
                List<Chunk> list = chunks.get(p.segment());
                long rawOffset = list.isEmpty() ? 0 : list.get(list.size() - 1).rawOffset() + list.get(list.size() - 1).rawLength();
                CRC32C crc = new CRC32C();
                crc.update(z.bytes(), 0, z.length());
                list.add(new Chunk(rawOffset, p.rawLength(), stored[0], z.length(), (int) crc.getValue()));
                out.write(z.bytes(), 0, z.length());
                stored[0] += z.length();
            } finally {
                encodedBuffers.offer(z.bytes());
            }
        }
    }

    /**
     * Buffers are sized to the data (whole 64 KiB, at most a chunk): a group of small rank files
     * costs its engine kilobytes, not the 4 MiB chunk; a pooled buffer too small is dropped.
     */
    private ByteBuffer outputBuffer(long fileBytes) {
        ByteBuffer b = outputBuffers.poll();
        int want = (int) Math.min(FileOutput.BUFFER, Math.max(FileOutput.MAX_ALIGN, fileBytes));
        return b != null && b.capacity() >= want ? b : FileOutput.newBuffer(fileBytes);
    }

    private byte[] takeRaw(long segmentBytes) {
        int want = (int) Math.min(AggregateFormat.CHUNK, roundUp(Math.max(1, segmentBytes)));
        byte[] b = rawBuffers.poll();
        return b != null && b.length >= want ? b : new byte[want];
    }

    private byte[] takeEncoded(int atLeast) {
        byte[] b = encodedBuffers.poll();
        return b == null || b.length < atLeast ? new byte[(int) Math.min(Integer.MAX_VALUE - 8, roundUp(atLeast))] : b;
    }

    private static long roundUp(long n) {
        return (n + 0xFFFF) & ~0xFFFFL;
    }

    private static void readFully(FileChannel ch, byte[] into, int off, int len, long at, Path path) throws IOException,
            CorruptCheckpointException {
        ByteBuffer b = ByteBuffer.wrap(into, off, len);
        while (b.hasRemaining()) {
            if (ch.read(b, at + (b.position() - off)) < 0) {
                throw new CorruptCheckpointException("rank file " + path + " shrank while being aggregated");
            }
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
