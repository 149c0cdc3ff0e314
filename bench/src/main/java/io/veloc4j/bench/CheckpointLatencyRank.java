package io.veloc4j.bench;

import io.veloc4j.comm.Comm;
import io.veloc4j.comm.LocalComm;
import io.veloc4j.comm.MpiComm;
import io.veloc4j.config.VelocConfig;
import io.veloc4j.runtime.Veloc;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One rank of the blocking-checkpoint latency benchmark (started by {@link CheckpointLatencyBench}
 * under mpirun, or as threads with {@code --local N}). Each rank holds {@code --mb} MiB of doubles
 * and, every rep, writes them twice, in alternating order: (A) {@code veloc.checkpoint("bench", rep)}
 * and (B) by hand to {@code <dir>/plain/rank-r.bin} with a plain FileChannel through a direct
 * buffer. Then (C) a memcpy of the same bytes into a reused off-heap buffer, the floor of any
 * checkpoint that copies the state (staging's copy without its CRC and layout). Every write is
 * timed between barriers; rank 0 writes every rank's nanoseconds to {@code --out} as JSON.
 */
public final class CheckpointLatencyRank {

    static final String NAME = "bench";

    record Options(int mb, int reps, Path dir, Path out, int localRanks, int chunkMb, int stagingMb) {

        static Options parse(String[] args) {
            Args a = new Args("latency-rank", args);
            Options o = new Options(a.intOpt("--mb", 256), a.intOpt("--reps", 7), a.pathOpt("--dir", null),
                    a.pathOpt("--out", null), a.intOpt("--local", 0), a.intOpt("--chunk-mb", 4), a.intOpt("--staging-mb", 0));
            a.done();
            if (o.dir == null || o.out == null) {
                throw new IllegalArgumentException("latency-rank: --dir DIR and --out FILE are required");
            }
            if (o.mb < 1 || o.reps < 1 || o.chunkMb < 1 || o.stagingMb < 0) {
                throw new IllegalArgumentException("latency-rank: --mb, --reps and --chunk-mb must be at least 1");
            }
            return o;
        }
    }

    /** One timed write of every rank: nanoseconds indexed by rank. */
    record Sample(int rep, boolean warmup, String order, long[] velocNs, long[] plainNs, long[] velocCpuNs,
                  long[] plainCpuNs, long[] memcpyNs, long[] memcpyCpuNs) {
    }

    private CheckpointLatencyRank() {
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println("usage: latency-rank --dir DIR --out FILE [--mb M] [--reps N] [--chunk-mb C] [--staging-mb S] [--local RANKS]");
            System.exit(2);
            return;
        }
        if (o.localRanks > 0) {
            LocalComm.run(o.localRanks, c -> {
                run(c, o);
                return null;
            });
        } else {
            Comm world = MpiComm.world(args);
            run(world, o);
            MpiComm.finish();
        }
    }

    static void run(Comm comm, Options o) throws Exception {
        int rank = comm.rank();
        int size = comm.size();
        Path plainDir = o.dir.resolve("plain");
        Path scratch = o.dir.resolve("veloc").resolve("scratch");
        Path persistent = o.dir.resolve("veloc").resolve("persistent");
        if (rank == 0) {
            Files.createDirectories(plainDir);
            Files.createDirectories(scratch);
            Files.createDirectories(persistent);
        }
        double[] field = field(rank, (int) (((long) o.mb << 20) / Double.BYTES));
        comm.barrier();

        Map<String, String> cfg = new LinkedHashMap<>();
        cfg.put("scratch", scratch.toString());
        cfg.put("persistent", persistent.toString());
        // async: checkpoint() blocks for the scratch write only (what this benchmark measures); the
        // background flush, if any, is waited for outside the timed region, before the next write
        cfg.put("mode", "async");
        cfg.put("scratch_versions", "1");
        cfg.put("max_versions", "1");
        cfg.put("chksum", "true");
        if (o.stagingMb > 0) {
            cfg.put("staging_budget", o.stagingMb + "m");
        }
        List<Sample> samples = new ArrayList<>();
        // the writing thread's CPU time (user + system), next to the wall time: tells waiting from working
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        long velocFileBytes = -1;
        long plainFileBytes = -1;
        long scratchBytes = 0; // the most this rank held on scratch after a checkpoint: its rank files and kept files
        try (Veloc veloc = Veloc.init(VelocConfig.of(cfg), comm)) {
            veloc.protect(0, "field", field);
            // the plain writer's buffer is allocated once, as Veloc's writer allocates its own at init
            ByteBuffer buffer = ByteBuffer.allocateDirect(o.chunkMb << 20).order(ByteOrder.LITTLE_ENDIAN);
            Path plainFile = plainDir.resolve("rank-" + rank + ".bin");
            // the memcpy reference's target, touched once here so that no rep pays its page faults
            ByteBuffer copy = ByteBuffer.allocateDirect(field.length * Double.BYTES).order(ByteOrder.nativeOrder());
            copy.asDoubleBuffer().put(field);
            Path velocRoot = veloc.scratchDir().resolve(NAME);
            for (int rep = 0; rep <= o.reps; rep++) {
                boolean warmup = rep == 0;
                // counted reps alternate AB, BA, AB ... (A = veloc4j, B = plain); the warm-up is AB
                boolean velocFirst = warmup || (rep - 1) % 2 == 0;
                long[] v = null;
                long[] p = null;
                long[] vc = null;
                long[] pc = null;
                for (int k = 0; k < 2; k++) {
                    boolean doVeloc = (k == 0) == velocFirst;
                    // the plain write creates a new file: remove the previous one (untimed). veloc4j's
                    // files are its own: it prunes them (scratch_versions = 1) and, with scratch_recycle
                    // (the default), writes the next checkpoint into the pruned version's file
                    Files.deleteIfExists(plainFile);
                    comm.barrier();
                    long c0 = cpu.getCurrentThreadCpuTime();
                    long t0 = System.nanoTime();
                    if (doVeloc) {
                        veloc.checkpoint(NAME, rep);
                    } else {
                        writePlain(plainFile, field, buffer);
                    }
                    long dt = System.nanoTime() - t0;
                    long dc = cpu.getCurrentThreadCpuTime() - c0;
                    comm.barrier();
                    long[] all = comm.allgather(dt);
                    long[] allCpu = comm.allgather(dc);
                    if (doVeloc) {
                        veloc.checkpointWait(); // untimed: no background work may overlap the next write
                        comm.barrier();
                        velocFileBytes = Files.size(veloc.scratchDir().resolve(NAME).resolve(Integer.toString(rep))
                                .resolve("rank-" + rank + ".vck"));
                        scratchBytes = Math.max(scratchBytes, rankBytesOnScratch(veloc.scratchDir(), rank));
                    } else {
                        plainFileBytes = Files.size(plainFile);
                    }
                    if (doVeloc) {
                        v = all;
                        vc = allCpu;
                    } else {
                        p = all;
                        pc = allCpu;
                    }
                }
                comm.barrier();
                long c0 = cpu.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                copy.clear().asDoubleBuffer().put(field);
                long dt = System.nanoTime() - t0;
                long dc = cpu.getCurrentThreadCpuTime() - c0;
                comm.barrier();
                long[] m = comm.allgather(dt);
                long[] mc = comm.allgather(dc);
                samples.add(new Sample(rep, warmup, velocFirst ? "AB" : "BA", v, p, vc, pc, m, mc));
                if (rank == 0) {
                    System.out.printf("latency: %s %s veloc4j %.1f ms, plain %.1f ms, memcpy %.1f ms%n",
                            warmup ? "warm-up" : "rep " + rep, velocFirst ? "AB" : "BA", max(v) / 1e6, max(p) / 1e6, max(m) / 1e6);
                }
            }
            deleteRankFiles(velocRoot, rank);
            Files.deleteIfExists(plainFile);
        }
        long[] scratchAll = comm.allgather(scratchBytes);
        comm.barrier();
        if (rank == 0) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("ranks", size);
            out.put("mb_per_rank", o.mb);
            out.put("bytes_per_rank", (long) field.length * Double.BYTES);
            out.put("veloc_file_bytes", velocFileBytes);
            out.put("plain_file_bytes", plainFileBytes);
            out.put("plain_chunk_bytes", (long) o.chunkMb << 20);
            out.put("staging_budget_bytes", (long) o.stagingMb << 20);
            out.put("veloc_scratch_bytes_per_rank", scratchAll);
            out.put("reps", o.reps);
            List<Object> list = new ArrayList<>();
            for (Sample s : samples) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("rep", s.rep());
                m.put("warmup", s.warmup());
                m.put("order", s.order());
                m.put("veloc_ns", s.velocNs());
                m.put("plain_ns", s.plainNs());
                m.put("veloc_cpu_ns", s.velocCpuNs());
                m.put("plain_cpu_ns", s.plainCpuNs());
                m.put("memcpy_ns", s.memcpyNs());
                m.put("memcpy_cpu_ns", s.memcpyCpuNs());
                list.add(m);
            }
            out.put("samples", list);
            Files.createDirectories(o.out.toAbsolutePath().getParent());
            Files.writeString(o.out, Json.write(out));
        }
    }

    /**
     * What a user writes by hand: open (create or truncate), copy the array through one direct
     * buffer in chunks, write, close. No checksum, no header, no temp file and rename.
     */
    static void writePlain(Path file, double[] a, ByteBuffer buffer) throws IOException {
        DoubleBuffer doubles = buffer.clear().asDoubleBuffer();
        int chunk = buffer.capacity() / Double.BYTES;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (int off = 0; off < a.length; off += chunk) {
                int n = Math.min(chunk, a.length - off);
                doubles.clear();
                doubles.put(a, off, n);
                buffer.clear().limit(n * Double.BYTES);
                while (buffer.hasRemaining()) {
                    ch.write(buffer);
                }
            }
        }
    }

    /** Bytes of the files of rank {@code rank} anywhere under scratch: its rank files and the files kept for recycling. */
    static long rankBytesOnScratch(Path scratch, int rank) throws IOException {
        String prefix = "rank-" + rank + ".";
        try (java.util.stream.Stream<Path> all = Files.walk(scratch)) {
            return all.filter(p -> p.getFileName().toString().startsWith(prefix) && Files.isRegularFile(p)).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0; // pruned meanwhile
                }
            }).sum();
        }
    }

    /** Removes this rank's files of every version of the benchmark's checkpoint, and emptied version directories. */
    private static void deleteRankFiles(Path root, int rank) throws IOException {
        if (!Files.isDirectory(root)) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path version : ds) {
                Files.deleteIfExists(version.resolve("rank-" + rank + ".vck"));
                Files.deleteIfExists(version.resolve("rank-" + rank + ".vck.tmp"));
                try {
                    Files.deleteIfExists(version);
                } catch (DirectoryNotEmptyException e) {
                    // another rank's file is still there; that rank removes the directory
                }
            }
        }
    }

    /** A smooth 2-D field (as a row-major slab of a larger domain) with a little noise, like a simulation's state. */
    static double[] field(int rank, int n) {
        double[] a = new double[n];
        int cols = 4096;
        SplittableRandom rnd = new SplittableRandom(42 + rank);
        for (int i = 0; i < n; i++) {
            int row = i / cols + rank * (n / cols);
            int col = i % cols;
            double x = col * (2 * Math.PI / cols);
            double y = row * (2 * Math.PI / 65536.0);
            a[i] = 50.0 + 40.0 * Math.sin(x) * Math.cos(3 * y) + 5.0 * Math.cos(7 * x + y) + 1e-3 * rnd.nextGaussian();
        }
        return a;
    }

    static long max(long[] a) {
        long m = Long.MIN_VALUE;
        for (long x : a) {
            m = Math.max(m, x);
        }
        return m;
    }
}
