package io.veloc4j.bench;

import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.persistent.AggregateFile;
import io.veloc4j.levels.persistent.AggregateInfo;
import io.veloc4j.levels.persistent.AggregateWriter;
import io.veloc4j.levels.persistent.Encoding;
import io.veloc4j.levels.persistent.Member;
import io.veloc4j.levels.persistent.Scheme;
import io.veloc4j.levels.scratch.RankFileInfo;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One pass of the engine's persistent path over a set of rank files: every group through
 * {@link AggregateWriter} (one codec thread, parallelism 1), then every rank back out of the
 * group files ({@link AggregateFile#extract}; for scheme none a copy of the stored rank file), each
 * extracted rank file compared byte for byte with the original. Times are CPU time of the
 * threads doing the work (the calling thread plus the codec thread), so a busy machine does not
 * change them much, and wall time.
 */
final class GroupRun implements AutoCloseable {

    /** An extracted rank file differs from the original: the codec path is broken. */
    static final class NotBitExact extends IllegalStateException {
        NotBitExact(String message) {
            super(message);
        }
    }

    /**
     * @param decodeInMemoryCpuNs CPU time of decoding every chunk in memory ({@code AggregateFile.scrub}); -1 for scheme none
     * @param codecs what each group's AggregateInfo reports as its codecs (its {@code codecs()}
     *               accessor, if the engine has one; else empty)
     */
    record Result(long rawBytes, long storedBytes, long compressCpuNs, long compressWallNs, long decompressCpuNs,
                  long decompressWallNs, long decodeInMemoryCpuNs, List<AggregateInfo> infos, List<Object> codecs) {
    }

    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
    private static final Method CODECS = codecsAccessor();

    private final ExecutorService pool;
    private final Thread poolThread;
    private final int level;
    private final boolean freshWriters;
    private AggregateWriter writer;

    GroupRun(int level) {
        this(level, false);
    }

    /**
     * @param freshWriters a new writer for every {@link #run}: no codec choices remembered from an
     *                     earlier run (whose group g held other ranks) carry over
     */
    GroupRun(int level, boolean freshWriters) {
        this.level = level;
        this.freshWriters = freshWriters;
        AtomicReference<Thread> t = new AtomicReference<>();
        pool = Executors.newSingleThreadExecutor(r -> {
            Thread th = new Thread(r, "bench-codec");
            th.setDaemon(true);
            t.set(th);
            return th;
        });
        try {
            pool.submit(() -> { }).get(); // start the thread now, so its id is known
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the codec thread", e);
        }
        poolThread = t.get();
        writer = new AggregateWriter(pool, 1, level);
        if (MX.isThreadCpuTimeSupported() && !MX.isThreadCpuTimeEnabled()) {
            MX.setThreadCpuTimeEnabled(true);
        }
    }

    /** Whether times are CPU times (else wall times stand in). */
    static boolean cpuTimes() {
        return MX.isThreadCpuTimeSupported();
    }

    /** Whether the engine's AggregateInfo has a {@code codecs()} accessor. */
    static boolean reportsCodecs() {
        return CODECS != null;
    }

    /** CPU time of the calling thread and the codec thread, ns (wall time if unsupported). */
    private long cpu() {
        if (!MX.isThreadCpuTimeSupported()) {
            return System.nanoTime();
        }
        long pt = MX.getThreadCpuTime(poolThread.getId());
        return MX.getCurrentThreadCpuTime() + Math.max(0, pt);
    }

    /**
     * Writes {@code groups} (indices into {@code files}, which are by rank) into {@code work/agg},
     * extracts every rank into {@code work/ext}, verifies, and deletes both.
     */
    Result run(Path work, Encoding encoding, List<int[]> groups, List<RankFileInfo> files)
            throws LevelException, IOException {
        Path agg = work.resolve("agg");
        Path ext = work.resolve("ext");
        Demo.deleteTree(agg);
        Demo.deleteTree(ext);
        Files.createDirectories(agg);
        Files.createDirectories(ext);
        long raw = 0;
        for (RankFileInfo f : files) {
            raw += f.bytes();
        }
        List<AggregateInfo> infos = new ArrayList<>();
        if (freshWriters) {
            writer = new AggregateWriter(pool, 1, level);
        }
        try {
            // ---- compress
            long w0 = System.nanoTime();
            long c0 = cpu();
            for (int g = 0; g < groups.size(); g++) {
                if (encoding.scheme() == Scheme.NONE) {
                    for (int r : groups.get(g)) {
                        infos.add(writer.write(agg, encoding, g, List.of(source(files, r))));
                    }
                } else {
                    List<AggregateWriter.Source> sources = new ArrayList<>();
                    for (int r : groups.get(g)) {
                        sources.add(source(files, r));
                    }
                    infos.add(writer.write(agg, encoding, g, sources));
                }
            }
            long c1 = cpu();
            long w1 = System.nanoTime();

            // ---- decompress
            long w2 = System.nanoTime();
            long c2 = cpu();
            for (AggregateInfo info : infos) {
                Path p = agg.resolve(info.file());
                if (encoding.scheme() == Scheme.NONE) {
                    int rank = info.members().get(0).rank();
                    try (FileChannel in = FileChannel.open(p, StandardOpenOption.READ);
                         FileChannel out = create(ext.resolve("rank-" + rank + ".vck"))) {
                        long size = in.size();
                        for (long done = 0; done < size; ) {
                            done += in.transferTo(done, size - done, out);
                        }
                    }
                    continue;
                }
                try (AggregateFile a = AggregateFile.open(p)) {
                    for (Member m : a.members()) {
                        try (FileChannel out = create(ext.resolve("rank-" + m.rank() + ".vck"))) {
                            a.extract(m.rank(), out);
                        }
                    }
                }
            }
            long c3 = cpu();
            long w3 = System.nanoTime();

            // ---- decode in memory (AggregateFile.scrub: every chunk decoded, nothing written)
            long decodeInMemory = -1;
            if (encoding.scheme() != Scheme.NONE) {
                long c4 = cpu();
                for (AggregateInfo info : infos) {
                    try (AggregateFile a = AggregateFile.open(agg.resolve(info.file()))) {
                        long decoded = a.scrub();
                        if (decoded != info.rawBytes()) {
                            throw new NotBitExact(info.file() + " decodes to " + decoded + " bytes in memory, AggregateInfo says "
                                    + info.rawBytes());
                        }
                    }
                }
                decodeInMemory = cpu() - c4;
            }

            // ---- verify (untimed)
            long stored = verify(encoding, groups, files, agg, ext, infos);
            List<Object> codecs = new ArrayList<>();
            if (CODECS != null) {
                for (AggregateInfo i : infos) {
                    codecs.add(codecsOf(i));
                }
            }
            return new Result(raw, stored, c1 - c0, w1 - w0, c3 - c2, w3 - w2, decodeInMemory, infos, codecs);
        } finally {
            Demo.deleteTree(agg);
            Demo.deleteTree(ext);
        }
    }

    private static long verify(Encoding encoding, List<int[]> groups, List<RankFileInfo> files, Path agg, Path ext,
                               List<AggregateInfo> infos) throws IOException {
        String what = encoding.scheme().label() + "/" + encoding.codecLabel();
        BitSet seen = new BitSet();
        long stored = 0;
        for (AggregateInfo info : infos) {
            long size = Files.size(agg.resolve(info.file()));
            if (size != info.storedBytes()) {
                throw new NotBitExact(what + ": " + info.file() + " has " + size + " bytes, AggregateInfo says " + info.storedBytes());
            }
            stored += size;
            for (Member m : info.members()) {
                if (seen.get(m.rank())) {
                    throw new NotBitExact(what + ": rank " + m.rank() + " is in more than one group file");
                }
                seen.set(m.rank());
            }
        }
        int expected = 0;
        for (int[] g : groups) {
            expected += g.length;
            for (int r : g) {
                if (!seen.get(r)) {
                    throw new NotBitExact(what + ": rank " + r + " (group " + Arrays.toString(g) + ") is in no group file");
                }
            }
        }
        if (seen.cardinality() != expected) {
            throw new NotBitExact(what + ": the group files hold " + seen.cardinality() + " ranks, expected " + expected);
        }
        for (int[] g : groups) {
            for (int r : g) {
                Path orig = files.get(r).path();
                Path back = ext.resolve("rank-" + r + ".vck");
                if (!Files.isRegularFile(back)) {
                    throw new NotBitExact(what + ": rank " + r + " was not extracted");
                }
                long at = Files.mismatch(orig, back);
                if (at >= 0) {
                    throw new NotBitExact(what + ": rank " + r + " extracted is not bit-exact: differs from " + orig
                            + " at byte " + at + " (sizes " + Files.size(orig) + " / " + Files.size(back) + ")");
                }
            }
        }
        return stored;
    }

    private static AggregateWriter.Source source(List<RankFileInfo> files, int rank) {
        RankFileInfo f = files.get(rank);
        return new AggregateWriter.Source(rank, f.path(), f.crc());
    }

    private static FileChannel create(Path p) throws IOException {
        return FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    }

    private static Method codecsAccessor() {
        try {
            return AggregateInfo.class.getMethod("codecs");
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    /** The group's codecs() as JSON-friendly values (maps, lists, strings). */
    private static Object codecsOf(AggregateInfo info) {
        try {
            return jsonable(CODECS.invoke(info));
        } catch (ReflectiveOperationException e) {
            return "unavailable: " + e;
        }
    }

    private static Object jsonable(Object v) {
        if (v == null || v instanceof Number || v instanceof Boolean || v instanceof String) {
            return v;
        }
        if (v instanceof java.util.Map<?, ?> m) {
            java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
            m.forEach((k, x) -> out.put(String.valueOf(k instanceof Enum<?> e ? label(e) : k), jsonable(x)));
            return out;
        }
        if (v instanceof Iterable<?> it) {
            List<Object> out = new ArrayList<>();
            it.forEach(x -> out.add(jsonable(x)));
            return out;
        }
        if (v instanceof Enum<?> e) {
            return label(e);
        }
        return v.toString();
    }

    private static String label(Enum<?> e) {
        try {
            return String.valueOf(e.getClass().getMethod("label").invoke(e));
        } catch (ReflectiveOperationException x) {
            return e.name();
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
