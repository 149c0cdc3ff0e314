package io.veloc4j.bench;

import io.veloc4j.comm.Comm;
import io.veloc4j.comm.LocalComm;
import io.veloc4j.comm.MpiComm;
import io.veloc4j.runtime.Restored;
import io.veloc4j.runtime.Veloc;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * 2-D heat distribution with a row-wise domain decomposition and halo exchange, after VELOC's
 * heatdis test: each rank owns {@code --mb} MiB of the field, checkpoints it through the public
 * API every {@code --ckpt-every} steps, and restarts from the newest version every rank has.
 * With {@code --fail-at STEP} the job dies at that step (a simulated failure; exit code 42).
 */
public final class HeatDis {

    /** Exit code of a simulated failure. */
    public static final int FAILED = 42;

    static final String NAME = "heat";
    private static final double SOURCE = 100.0;

    /** Thrown by every rank at the failure step; the process entry point turns it into a crash. */
    public static final class SimulatedFailure extends RuntimeException {
        SimulatedFailure(int step) {
            super("simulated failure at step " + step);
        }
    }

    /** Command line of one run. */
    public record Options(int mb, int cols, int steps, int ckptEvery, int failAt, Path config, Path resultDir,
                          int localRanks, boolean quiet, Path summary) {

        public Options(int mb, int cols, int steps, int ckptEvery, int failAt, Path config, Path resultDir,
                       int localRanks, boolean quiet) {
            this(mb, cols, steps, ckptEvery, failAt, config, resultDir, localRanks, quiet, null);
        }

        static Options parse(String[] args) {
            Args a = new Args("heatdis", args);
            Options o = new Options(a.intOpt("--mb", 64), a.intOpt("--cols", 1024), a.intOpt("--steps", 100),
                    a.intOpt("--ckpt-every", 10), a.intOpt("--fail-at", -1), a.pathOpt("--config", null),
                    a.pathOpt("--result-dir", null), a.intOpt("--local", 0), a.flag("--quiet"),
                    a.pathOpt("--summary", null));
            a.done();
            if (o.config == null && o.ckptEvery > 0) {
                throw new IllegalArgumentException("heatdis: --config FILE is required when checkpointing");
            }
            return o;
        }

        int rows() {
            return (int) Math.max(1, ((long) mb << 20) / 8 / cols);
        }
    }

    /** What a rank ends with. */
    public record Result(String fieldSha256, Restored restored) {
    }

    private HeatDis() {
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println("usage: heatdis --config FILE [--mb M] [--cols C] [--steps S] [--ckpt-every K] "
                    + "[--fail-at STEP] [--result-dir DIR] [--local RANKS] [--quiet] [--summary FILE]");
            System.exit(2);
            return;
        }
        try {
            if (o.localRanks > 0) {
                LocalComm.run(o.localRanks, c -> run(c, o));
            } else {
                Comm world = MpiComm.world(args);
                run(world, o);
                MpiComm.finish();
            }
        } catch (Exception e) {
            if (causedBySimulatedFailure(e)) {
                System.out.println("heatdis: " + rootMessage(e) + ", the job dies");
                System.out.flush();
                Runtime.getRuntime().halt(FAILED);
            }
            throw e;
        }
    }

    /** Runs one rank to completion, or throws {@link SimulatedFailure} at {@code failAt}. */
    public static Result run(Comm comm, Options o) throws Exception {
        int rows = o.rows();
        int cols = o.cols;
        int rank = comm.rank();
        int size = comm.size();
        double[] h = new double[(rows + 2) * cols];
        double[] g = new double[(rows + 2) * cols];
        int[] step = {0};
        Veloc veloc = o.ckptEvery > 0 || o.failAt >= 0 ? Veloc.init(o.config, comm) : null;
        Restored restored = null;
        boolean log = rank == 0 && !o.quiet;
        if (veloc != null) {
            veloc.protect(0, "h", h, rows + 2, cols);
            veloc.protect(1, "step", step);
            int v = veloc.restartTest(NAME);
            if (v >= 0) {
                restored = veloc.restart(NAME, v);
                if (log) {
                    System.out.printf("heatdis: restarted from version %d (level %s) at step %d%n", v,
                            restored.level(), step[0]);
                }
            }
        }
        if (restored == null) {
            step[0] = 0;
            if (log) {
                System.out.printf("heatdis: %d ranks × %d MiB (%d × %d doubles each), %d steps%n", size, o.mb, rows,
                        cols, o.steps);
            }
        }
        double[] up = new double[cols];
        double[] down = new double[cols];
        long ckptNanos = 0;
        int ckpts = 0;
        long loopStart = System.nanoTime();
        long cpuStart = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        for (int i = step[0] + 1; i <= o.steps; i++) {
            if (i == o.failAt) {
                comm.barrier(); // every rank has written its last checkpoint: a clean, reproducible failure
                throw new SimulatedFailure(i);
            }
            exchangeHalos(comm, h, rows, cols, up, down);
            relax(h, g, rows, cols);
            double[] t = h;
            h = g;
            g = t;
            if (veloc != null && o.ckptEvery > 0 && i % o.ckptEvery == 0) {
                step[0] = i;
                veloc.protect(0, "h", h, rows + 2, cols); // the arrays swap every step
                long t0 = System.nanoTime();
                veloc.checkpoint(NAME, i);
                long dt = System.nanoTime() - t0;
                ckptNanos += dt;
                ckpts++;
                if (log) {
                    int persisted = veloc.lastPersisted(NAME);
                    System.out.printf("heatdis: step %d/%d, checkpoint v%d written in %.1f ms%s%n", i, o.steps, i, dt / 1e6,
                            persisted < 0 ? "" : " (persisted in the background: up to v" + persisted + ")");
                }
            }
        }
        long loopNanos = System.nanoTime() - loopStart;
        long appCpu = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpuStart;
        long engineCpu = 0;
        if (veloc != null) {
            veloc.checkpointWait();
            engineCpu = threadCpuNanos("veloc4j-"); // before close: the engine's threads end with it
            veloc.close();
        }
        long totalNanos = System.nanoTime() - loopStart;
        if (o.summary != null) {
            writeSummary(comm, o, rows, ckpts, ckptNanos, loopNanos, totalNanos, appCpu, engineCpu);
        }
        String sha = sha256(h, rows, cols);
        if (o.resultDir != null) {
            Files.createDirectories(o.resultDir);
            Files.writeString(o.resultDir.resolve("rank-" + rank + ".sha256"), sha + "\n");
            if (restored != null) {
                Files.writeString(o.resultDir.resolve("rank-" + rank + ".restart"),
                        restored.version() + " " + restored.level() + "\n");
            }
        }
        if (log) {
            System.out.printf("heatdis: done, %d checkpoints, %.1f ms blocking on average%n", ckpts,
                    ckpts == 0 ? 0.0 : ckptNanos / 1e6 / ckpts);
        }
        return new Result(sha, restored);
    }

    /**
     * {@code --summary FILE} (collective): rank 0 writes the run's timings as JSON, per rank and
     * as the max over ranks: wall time of the step loop (compute + blocking checkpoint time),
     * wall time including the final checkpointWait + close, and the blocking checkpoint time.
     */
    private static void writeSummary(Comm comm, Options o, int rows, int ckpts, long ckptNanos, long loopNanos,
                                     long totalNanos, long appCpuNanos, long engineCpuNanos) throws Exception {
        long[] appCpu = comm.allgather(appCpuNanos);
        long[] engineCpu = comm.allgather(engineCpuNanos);
        long[] loop = comm.allgather(loopNanos);
        long[] total = comm.allgather(totalNanos);
        long[] blocking = comm.allgather(ckptNanos);
        if (comm.rank() != 0) {
            return;
        }
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("ranks", comm.size());
        m.put("mb_per_rank", o.mb);
        m.put("rows_per_rank", rows);
        m.put("cols", o.cols);
        m.put("steps", o.steps);
        m.put("ckpt_every", o.ckptEvery);
        m.put("checkpoints", ckpts);
        m.put("loop_ms", java.util.Arrays.stream(loop).max().orElse(0) / 1e6);
        m.put("total_ms", java.util.Arrays.stream(total).max().orElse(0) / 1e6);
        m.put("blocking_ms_max_rank", java.util.Arrays.stream(blocking).max().orElse(0) / 1e6);
        m.put("loop_ms_per_rank", java.util.Arrays.stream(loop).mapToDouble(x -> x / 1e6).toArray());
        m.put("total_ms_per_rank", java.util.Arrays.stream(total).mapToDouble(x -> x / 1e6).toArray());
        m.put("blocking_ms_per_rank", java.util.Arrays.stream(blocking).mapToDouble(x -> x / 1e6).toArray());
        m.put("app_cpu_ms", java.util.Arrays.stream(appCpu).sum() / 1e6);
        m.put("engine_cpu_ms", java.util.Arrays.stream(engineCpu).sum() / 1e6);
        Path parent = o.summary.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(o.summary, Json.write(m));
    }

    /** CPU time of this JVM's live threads whose name starts with {@code prefix}. */
    private static long threadCpuNanos(String prefix) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (t != null && t.getThreadName().startsWith(prefix)) {
                sum += Math.max(0, mx.getThreadCpuTime(t.getThreadId()));
            }
        }
        return sum;
    }

    /** Rows 0 and rows+1 are ghosts: neighbours' edge rows, or fixed boundaries at the domain's ends. */
    private static void exchangeHalos(Comm comm, double[] h, int rows, int cols, double[] up, double[] down)
            throws Exception {
        int rank = comm.rank();
        int above = rank > 0 ? rank - 1 : Comm.NONE;
        int below = rank < comm.size() - 1 ? rank + 1 : Comm.NONE;
        System.arraycopy(h, cols, up, 0, cols);
        System.arraycopy(h, rows * cols, down, 0, cols);
        double[] fromBelow = new double[cols];
        double[] fromAbove = new double[cols];
        comm.sendRecv(up, above, fromBelow, below, 1);
        comm.sendRecv(down, below, fromAbove, above, 2);
        if (above == Comm.NONE) {
            java.util.Arrays.fill(fromAbove, SOURCE); // the heat source along the top edge
        }
        if (below == Comm.NONE) {
            java.util.Arrays.fill(fromBelow, 0.0);
        }
        System.arraycopy(fromAbove, 0, h, 0, cols);
        System.arraycopy(fromBelow, 0, h, (rows + 1) * cols, cols);
    }

    private static void relax(double[] h, double[] g, int rows, int cols) {
        for (int i = 1; i <= rows; i++) {
            int row = i * cols;
            g[row] = h[row];
            g[row + cols - 1] = h[row + cols - 1];
            for (int j = 1; j < cols - 1; j++) {
                int k = row + j;
                g[k] = 0.25 * (h[k - cols] + h[k + cols] + h[k - 1] + h[k + 1]);
            }
        }
    }

    static String sha256(double[] h, int rows, int cols) throws NoSuchAlgorithmException {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        ByteBuffer b = ByteBuffer.allocate(cols * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 1; i <= rows; i++) {
            b.clear();
            b.asDoubleBuffer().put(h, i * cols, cols);
            md.update(b.array());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static boolean causedBySimulatedFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SimulatedFailure) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SimulatedFailure) {
                return t.getMessage();
            }
        }
        return String.valueOf(e);
    }

    /** Reads the per-rank result files a run left in {@code dir}. */
    static List<String> readHashes(Path dir, int ranks) throws IOException {
        List<String> out = new java.util.ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            out.add(Files.readString(dir.resolve("rank-" + r + ".sha256")).trim());
        }
        return out;
    }
}
