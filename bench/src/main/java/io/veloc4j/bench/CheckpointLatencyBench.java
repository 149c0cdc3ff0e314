package io.veloc4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./veloc4j bench latency}: blocking checkpoint latency of veloc4j next to a plain
 * FileChannel write of the same bytes to a new file by the same processes, with the default
 * config (issue #13: ratio ≤ 0.6) and with in-memory staging (≤ 0.25). Launches
 * {@link CheckpointLatencyRank} under mpirun (or as threads with {@code --local}) once per
 * config, reads its per-rep numbers, and reports medians, the ratios and throughput as a table,
 * JSON and a PNG plot.
 */
public final class CheckpointLatencyBench {

    /** The acceptance bounds on median veloc4j / median plain, per config. */
    static final double TARGET_DEFAULT = 0.6;
    static final double TARGET_STAGING = 0.25;

    record Options(int ranks, int mb, int reps, Path dir, Path json, Path png, boolean local, int chunkMb,
                   List<String> configs) {
    }

    /** What one job (one config) measured; times in ms. */
    record Run(String config, int stagingMb, double[] veloc, double[] plain, double[] repRatio, List<String> orders,
               double[] velocCpu, double[] plainCpu, double[] memcpy, double[] memcpyCpu, double[] warm, long bytesPerRank,
               Map<String, Object> raw) {
        double ratio() {
            return median(veloc) / median(plain);
        }

        /** memcpy / plain (medians): no checkpoint that copies the state can go below it on this machine. */
        double floor() {
            return median(memcpy) / median(plain);
        }

        double target() {
            return stagingMb > 0 ? TARGET_STAGING : TARGET_DEFAULT;
        }
    }

    private CheckpointLatencyBench() {
    }

    static String usage() {
        return """
                usage: ./veloc4j bench latency [--ranks 4] [--mb 256] [--reps 7] [--dir /dev/shm/veloc4j-bench]
                                               [--json FILE] [--png FILE] [--chunk-mb 4] [--configs default,staging] [--local]
                Blocking checkpoint latency: each rank writes --mb MiB of doubles with veloc.checkpoint()
                and, by hand, with a plain FileChannel to a new file (same processes, same bytes, alternating
                order per rep), and a memcpy of the same bytes into a reused off-heap buffer (the floor: what
                the copy alone costs with every rank copying at once). veloc4j runs with its default config (scratch_recycle on: a checkpoint is
                written into the file of the version pruned before it) and, in a second job, with in-memory
                staging (staging_budget = the rank's checkpoint + 1 MiB). Per rep the job's latency is the max
                over ranks; reported: median of --reps reps (after one warm-up rep), the ratio veloc4j / plain
                (targets: default <= 0.6, staging <= 0.25) and memcpy / plain.
                  --ranks N      MPI ranks (mpirun -np N; default 4)
                  --mb M         MiB per rank (default 256)
                  --reps N       counted reps (default 7; at least 5 for the acceptance figure)
                  --dir DIR      where both methods write (default /dev/shm/veloc4j-bench; its plain/ and veloc/ are removed)
                  --json FILE    results (default bench/results/latency.json)
                  --png FILE     plot (default bench/results/latency.png)
                  --chunk-mb C   the plain writer's direct-buffer size (default 4, as veloc4j's writer)
                  --configs L    which veloc4j configs, comma-separated: default, staging (default both)
                  --local        ranks as threads of one JVM instead of mpirun
                """;
    }

    /** Returns the exit code. */
    static int main(String[] argv) throws Exception {
        Options o;
        try {
            Args a = new Args("bench latency", argv);
            if (a.flag("--help") || a.flag("-h")) {
                System.out.print(usage());
                return 0;
            }
            Path results = BenchMain.resultsDir();
            o = new Options(a.intOpt("--ranks", 4), a.intOpt("--mb", 256), a.intOpt("--reps", 7),
                    a.pathOpt("--dir", Path.of("/dev/shm/veloc4j-bench")), a.pathOpt("--json", results.resolve("latency.json")),
                    a.pathOpt("--png", results.resolve("latency.png")), a.flag("--local"), a.intOpt("--chunk-mb", 4),
                    List.of(a.opt("--configs", "default,staging").split(",")));
            a.done();
            if (o.ranks < 1 || o.mb < 1 || o.reps < 1 || o.chunkMb < 1) {
                throw new IllegalArgumentException("bench latency: --ranks, --mb, --reps and --chunk-mb must be at least 1");
            }
            for (String c : o.configs) {
                if (!c.equals("default") && !c.equals("staging")) {
                    throw new IllegalArgumentException("bench latency: --configs takes default and/or staging, not '" + c + "'");
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(usage());
            return 2;
        }
        return run(o, String.join(" ", argv));
    }

    static int run(Options o, String argLine) throws Exception {
        if (!o.local && !JobLauncher.mpirunAvailable()) {
            System.err.println("bench latency: mpirun not found (run ./veloc4j setup, or pass --local)");
            return 1;
        }
        String loadBefore = loadAverage();
        List<Run> runs = new ArrayList<>();
        for (String config : o.configs) {
            int stagingMb = config.equals("staging") ? o.mb + 1 : 0;
            Run r = runJob(o, config, stagingMb);
            if (r == null) {
                return 1;
            }
            runs.add(r);
            report(o, r);
        }
        String loadAfter = loadAverage();

        // ---- JSON
        Map<String, Object> res = new LinkedHashMap<>();
        res.put("benchmark", "checkpoint-latency");
        res.put("command", "./veloc4j bench latency" + (argLine.isEmpty() ? "" : " " + argLine));
        res.put("launch", JobLauncher.describe(o.local, o.ranks));
        res.put("ranks", o.ranks);
        res.put("mb_per_rank", o.mb);
        res.put("dir", o.dir.toString());
        res.put("method", "per rep: barrier, t0, write, t1, barrier on every rank; job latency = max over ranks of t1-t0; "
                + "veloc4j = veloc.checkpoint(name, rep) (mode async, scratch on dir, chksum on, scratch_versions 1, temp + "
                + "rename; its own pruning and, by default, recycling of the pruned version's file; checkpointWait() after "
                + "the timed region, so no background work overlaps a timed write), plain = FileChannel create/truncate of a "
                + "new file (the previous one deleted, untimed) + chunked writes from one direct buffer; order alternates "
                + "AB/BA per rep; one warm-up rep not counted. Config staging: staging_budget = MiB per rank + 1, "
                + "checkpoint() returns after the copy into the staging buffer. memcpy (after both, between barriers) = "
                + "the same doubles copied into a reused native-order direct buffer, touched before the first rep");
        Map<String, Object> ratios = new LinkedHashMap<>();
        for (Run r : runs) {
            ratios.put(r.config(), Math.round(r.ratio() * 1000) / 1000.0);
        }
        res.put("ratios", ratios);
        Map<String, Object> floors = new LinkedHashMap<>();
        for (Run r : runs) {
            floors.put(r.config(), Math.round(r.floor() * 1000) / 1000.0);
        }
        res.put("floor_memcpy_over_plain", floors);
        List<Object> all = new ArrayList<>();
        for (Run r : runs) {
            all.add(json(o, r));
        }
        res.put("runs", all);
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("nproc", Runtime.getRuntime().availableProcessors());
        machine.put("cpu", cpuModel());
        machine.put("mem_total_kb", memTotalKb());
        machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        machine.put("loadavg_before", loadBefore);
        machine.put("loadavg_after", loadAfter);
        machine.put("date", OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString());
        res.put("machine", machine);
        Files.createDirectories(o.json.toAbsolutePath().getParent());
        Files.writeString(o.json, Json.write(res));
        System.out.println("latency: results in " + o.json);

        // ---- plot
        try {
            List<Plots.Series> series = new ArrayList<>();
            for (Run r : runs) {
                String tag = r.stagingMb() > 0 ? " (staging run)" : " (default run)";
                series.add(new Plots.Series("veloc4j" + (r.stagingMb() > 0 ? " staged" : "") + tag, r.veloc(), median(r.veloc())));
                series.add(new Plots.Series("plain FileChannel" + tag, r.plain(), median(r.plain())));
                series.add(new Plots.Series("memcpy" + tag, r.memcpy(), median(r.memcpy())));
            }
            Plots.perRep(o.png, String.format("Blocking checkpoint latency, %d ranks × %d MiB on %s (max over ranks)",
                    o.ranks, o.mb, o.dir.getParent() == null ? o.dir : o.dir.getParent()), "latency (ms)", series);
            System.out.println("latency: plot in " + o.png);
        } catch (IOException | RuntimeException | Error e) {
            // a missing font or AWT library must not lose the numbers
            System.err.println("latency: cannot write the plot " + o.png + ": " + e);
        }
        boolean met = runs.stream().allMatch(r -> r.ratio() <= r.target());
        System.out.println("latency: " + (met ? "every target met" : "NOT every target met"));
        return 0;
    }

    /** Runs the job of one config; null (after saying why) if it failed. */
    private static Run runJob(Options o, String config, int stagingMb) throws Exception {
        // only what this benchmark puts there is removed: --dir may be a directory with other files
        Path out = o.dir.resolve("samples.json");
        clean(o.dir, out);
        Files.createDirectories(o.dir);
        List<String> args = new ArrayList<>(List.of("--mb", Integer.toString(o.mb), "--reps", Integer.toString(o.reps),
                "--dir", o.dir.toString(), "--out", out.toString(), "--chunk-mb", Integer.toString(o.chunkMb),
                "--staging-mb", Integer.toString(stagingMb)));
        // the array, Veloc's, the plain writer's and the memcpy's direct buffers (and the staging buffer), and room so the GC never gets in the way
        int heapPerRank = o.mb * 5 + 128 + (stagingMb > 0 ? o.mb * 2 : 0);
        JobLauncher launcher = new JobLauncher();
        List<String> cmd = launcher.jobCommand(o.local, o.ranks, heapPerRank, CheckpointLatencyRank.class.getName(), args);
        String how = JobLauncher.describe(o.local, o.ranks);
        System.out.printf("latency [%s]: %s, %d MiB per rank, %d reps + 1 warm-up, in %s%n", config, how, o.mb, o.reps, o.dir);
        int code = JobLauncher.run(cmd, null, 3600);
        if (code != 0 || !Files.isRegularFile(out)) {
            System.err.println("bench latency: the benchmark job (" + config + ") failed (exit " + code + ")");
            return null;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> raw = (Map<String, Object>) Json.parse(Files.readString(out));
        clean(o.dir, out);
        try {
            Files.deleteIfExists(o.dir); // if now empty
        } catch (IOException e) {
            // not empty: it held other files
        }
        List<double[]> velocRanks = new ArrayList<>();
        List<double[]> plainRanks = new ArrayList<>();
        List<double[]> velocCpu = new ArrayList<>();
        List<double[]> plainCpu = new ArrayList<>();
        List<double[]> memcpyRanks = new ArrayList<>();
        List<double[]> memcpyCpu = new ArrayList<>();
        List<String> orders = new ArrayList<>();
        double[] warm = null;
        for (Object smp : (List<?>) raw.get("samples")) {
            Map<?, ?> m = (Map<?, ?>) smp;
            double[] v = millis((List<?>) m.get("veloc_ns"));
            double[] p = millis((List<?>) m.get("plain_ns"));
            if (Boolean.TRUE.equals(m.get("warmup"))) {
                warm = new double[] {max(v), max(p)};
                continue;
            }
            velocRanks.add(v);
            plainRanks.add(p);
            velocCpu.add(millis((List<?>) m.get("veloc_cpu_ns")));
            plainCpu.add(millis((List<?>) m.get("plain_cpu_ns")));
            memcpyRanks.add(millis((List<?>) m.get("memcpy_ns")));
            memcpyCpu.add(millis((List<?>) m.get("memcpy_cpu_ns")));
            orders.add((String) m.get("order"));
        }
        int n = velocRanks.size();
        double[] veloc = new double[n];
        double[] plain = new double[n];
        double[] repRatio = new double[n];
        double[] memcpy = new double[n];
        for (int i = 0; i < n; i++) {
            veloc[i] = max(velocRanks.get(i));
            plain[i] = max(plainRanks.get(i));
            memcpy[i] = max(memcpyRanks.get(i));
            repRatio[i] = veloc[i] / plain[i];
        }
        raw.put("veloc_rank_ms", velocRanks);
        raw.put("plain_rank_ms", plainRanks);
        raw.put("veloc_rank_cpu_ms", velocCpu);
        raw.put("plain_rank_cpu_ms", plainCpu);
        raw.put("memcpy_rank_ms", memcpyRanks);
        return new Run(config, stagingMb, veloc, plain, repRatio, orders,
                velocCpu.stream().flatMapToDouble(Arrays::stream).toArray(), plainCpu.stream().flatMapToDouble(Arrays::stream).toArray(),
                memcpy, memcpyCpu.stream().flatMapToDouble(Arrays::stream).toArray(), warm, ((Number) raw.get("bytes_per_rank")).longValue(), raw);
    }

    private static void report(Options o, Run r) {
        double mv = median(r.veloc());
        double mp = median(r.plain());
        long totalBytes = r.bytesPerRank() * o.ranks;
        System.out.println();
        System.out.printf("[%s] rep  order  veloc4j ms   plain ms   ratio   memcpy ms%n", r.config());
        for (int i = 0; i < r.veloc().length; i++) {
            System.out.printf("[%s] %3d  %-5s  %10.1f %10.1f   %5.3f  %10.1f%n", r.config(), i + 1, r.orders().get(i), r.veloc()[i],
                    r.plain()[i], r.repRatio()[i], r.memcpy()[i]);
        }
        System.out.printf("[%s] %-8s  %10s %8s %8s %8s%n", r.config(), "", "median ms", "min", "max", "GB/s");
        System.out.printf("[%s] %-8s  %10.1f %8.1f %8.1f %8.2f%n", r.config(), "veloc4j", mv, min(r.veloc()), max(r.veloc()),
                totalBytes / (mv / 1e3) / 1e9);
        System.out.printf("[%s] %-8s  %10.1f %8.1f %8.1f %8.2f%n", r.config(), "plain", mp, min(r.plain()), max(r.plain()),
                totalBytes / (mp / 1e3) / 1e9);
        double mm = median(r.memcpy());
        System.out.printf("[%s] %-8s  %10.1f %8.1f %8.1f %8.2f%n", r.config(), "memcpy", mm, min(r.memcpy()), max(r.memcpy()),
                totalBytes / (mm / 1e3) / 1e9);
        System.out.printf("[%s] ratio veloc4j / plain (medians): %.3f  (median of per-rep ratios %.3f; target <= %.2f: %s)%n",
                r.config(), r.ratio(), median(r.repRatio()), r.target(), r.ratio() <= r.target() ? "met" : "NOT met");
        System.out.printf("[%s] floor memcpy / plain (medians): %.3f (every rank copying its state at once, nothing else)%n",
                r.config(), r.floor());
        System.out.printf("[%s] CPU time of a rank's write (median over ranks and reps): veloc4j %.1f ms, plain %.1f ms, "
                + "memcpy %.1f ms%n", r.config(), median(r.velocCpu()), median(r.plainCpu()), median(r.memcpyCpu()));
        System.out.printf("[%s] memory per rank: scratch %s (its rank files and the file kept for recycling, most after a "
                        + "checkpoint), staging buffer %s%n", r.config(), mib(maxOf(r.raw().get("veloc_scratch_bytes_per_rank"))),
                mib(r.stagingMb() > 0 ? ((Number) r.raw().get("veloc_file_bytes")).longValue() : 0));
    }

    private static long maxOf(Object list) {
        long m = 0;
        if (list instanceof List<?> l) {
            for (Object x : l) {
                m = Math.max(m, ((Number) x).longValue());
            }
        }
        return m;
    }

    private static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / 1048576.0);
    }

    private static Map<String, Object> json(Options o, Run r) {
        Map<String, Object> res = new LinkedHashMap<>();
        double mv = median(r.veloc());
        double mp = median(r.plain());
        long totalBytes = r.bytesPerRank() * o.ranks;
        res.put("config", r.config());
        res.put("staging_budget_mb", r.stagingMb());
        res.put("bytes_per_rank", r.bytesPerRank());
        res.put("bytes_per_checkpoint", totalBytes);
        res.put("veloc_file_bytes_per_rank", r.raw().get("veloc_file_bytes"));
        res.put("plain_file_bytes_per_rank", r.raw().get("plain_file_bytes"));
        res.put("plain_chunk_bytes", r.raw().get("plain_chunk_bytes"));
        res.put("veloc_scratch_bytes_per_rank", r.raw().get("veloc_scratch_bytes_per_rank"));
        res.put("staging_buffer_bytes_per_rank", r.stagingMb() > 0 ? r.raw().get("veloc_file_bytes") : 0);
        res.put("reps", r.veloc().length);
        Map<String, Object> medians = new LinkedHashMap<>();
        medians.put("veloc_ms", round(mv));
        medians.put("plain_ms", round(mp));
        medians.put("ratio", Math.round(r.ratio() * 1000) / 1000.0);
        medians.put("veloc_gbps", Math.round(totalBytes / (mv / 1e3) / 1e9 * 100) / 100.0);
        medians.put("plain_gbps", Math.round(totalBytes / (mp / 1e3) / 1e9 * 100) / 100.0);
        medians.put("veloc_rank_cpu_ms", round(median(r.velocCpu())));
        medians.put("plain_rank_cpu_ms", round(median(r.plainCpu())));
        medians.put("memcpy_ms", round(median(r.memcpy())));
        medians.put("memcpy_gbps", Math.round(totalBytes / (median(r.memcpy()) / 1e3) / 1e9 * 100) / 100.0);
        medians.put("memcpy_rank_cpu_ms", round(median(r.memcpyCpu())));
        medians.put("floor_memcpy_over_plain", Math.round(r.floor() * 1000) / 1000.0);
        medians.put("median_of_rep_ratios", Math.round(median(r.repRatio()) * 1000) / 1000.0);
        res.put("median", medians);
        res.put("target_ratio", r.target());
        res.put("target_met", r.ratio() <= r.target());
        res.put("spread", Map.of("veloc_ms_min_max", List.of(round(min(r.veloc())), round(max(r.veloc()))),
                "plain_ms_min_max", List.of(round(min(r.plain())), round(max(r.plain())))));
        List<Object> reps = new ArrayList<>();
        @SuppressWarnings("unchecked")
        List<double[]> vr = (List<double[]>) r.raw().get("veloc_rank_ms");
        @SuppressWarnings("unchecked")
        List<double[]> pr = (List<double[]>) r.raw().get("plain_rank_ms");
        @SuppressWarnings("unchecked")
        List<double[]> vc = (List<double[]>) r.raw().get("veloc_rank_cpu_ms");
        @SuppressWarnings("unchecked")
        List<double[]> pc = (List<double[]>) r.raw().get("plain_rank_cpu_ms");
        for (int i = 0; i < r.veloc().length; i++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("rep", i + 1);
            m.put("order", r.orders().get(i));
            m.put("veloc_ms", round(r.veloc()[i]));
            m.put("plain_ms", round(r.plain()[i]));
            m.put("memcpy_ms", round(r.memcpy()[i]));
            m.put("veloc_rank_ms", roundAll(vr.get(i)));
            m.put("plain_rank_ms", roundAll(pr.get(i)));
            m.put("veloc_rank_cpu_ms", roundAll(vc.get(i)));
            m.put("plain_rank_cpu_ms", roundAll(pc.get(i)));
            reps.add(m);
        }
        res.put("warmup_ms", r.warm() == null ? null : Map.of("veloc", round(r.warm()[0]), "plain", round(r.warm()[1])));
        res.put("all_reps", reps);
        return res;
    }

    private static void clean(Path dir, Path samples) throws IOException {
        Demo.deleteTree(dir.resolve("plain"));
        Demo.deleteTree(dir.resolve("veloc"));
        Files.deleteIfExists(samples);
    }

    private static double[] millis(List<?> ns) {
        double[] a = new double[ns.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = ((Number) ns.get(i)).doubleValue() / 1e6;
        }
        return a;
    }

    static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    static double max(double[] a) {
        return Arrays.stream(a).max().orElse(Double.NaN);
    }

    static double min(double[] a) {
        return Arrays.stream(a).min().orElse(Double.NaN);
    }

    private static double round(double ms) {
        return Math.round(ms * 100) / 100.0;
    }

    private static List<Double> roundAll(double[] a) {
        List<Double> l = new ArrayList<>();
        for (double x : a) {
            l.add(round(x));
        }
        return l;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static Object memTotalKb() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:"))
                    .map(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElse(null);
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }
}
