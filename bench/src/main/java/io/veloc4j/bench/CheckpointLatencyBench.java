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
 * FileChannel write of the same bytes by the same processes (issue acceptance: ratio ≤ 1.25).
 * Launches {@link CheckpointLatencyRank} under mpirun (or as threads with {@code --local}),
 * reads its per-rep numbers, and reports medians, the ratio and throughput as a table, JSON and
 * a PNG plot.
 */
public final class CheckpointLatencyBench {

    /** The acceptance bound on median veloc4j / median plain. */
    static final double TARGET_RATIO = 1.25;

    record Options(int ranks, int mb, int reps, Path dir, Path json, Path png, boolean local, int chunkMb) {
    }

    private CheckpointLatencyBench() {
    }

    static String usage() {
        return """
                usage: ./veloc4j bench latency [--ranks 4] [--mb 256] [--reps 7] [--dir /dev/shm/veloc4j-bench]
                                               [--json FILE] [--png FILE] [--chunk-mb 4] [--local]
                Blocking checkpoint latency: each rank writes --mb MiB of doubles with veloc.checkpoint()
                and, by hand, with a plain FileChannel (same processes, same bytes, alternating order per
                rep, every write a new file). Per rep the job's latency is the max over ranks; reported:
                median of --reps reps (after one warm-up rep), the ratio veloc4j / plain (target <= 1.25).
                  --ranks N      MPI ranks (mpirun -np N; default 4)
                  --mb M         MiB per rank (default 256)
                  --reps N       counted reps (default 7; at least 5 for the acceptance figure)
                  --dir DIR      where both methods write (default /dev/shm/veloc4j-bench; its plain/ and veloc/ are removed)
                  --json FILE    results (default bench/results/latency.json)
                  --png FILE     plot (default bench/results/latency.png)
                  --chunk-mb C   the plain writer's direct-buffer size (default 4, as veloc4j's writer)
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
                    a.pathOpt("--png", results.resolve("latency.png")), a.flag("--local"), a.intOpt("--chunk-mb", 4));
            a.done();
            if (o.ranks < 1 || o.mb < 1 || o.reps < 1 || o.chunkMb < 1) {
                throw new IllegalArgumentException("bench latency: --ranks, --mb, --reps and --chunk-mb must be at least 1");
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(usage());
            return 2;
        }
        return run(o, String.join(" ", argv));
    }

    static int run(Options o, String argLine) throws Exception {
        // only what this benchmark puts there is removed: --dir may be a directory with other files
        Path out = o.dir.resolve("samples.json");
        clean(o.dir, out);
        Files.createDirectories(o.dir);
        List<String> args = new ArrayList<>(List.of("--mb", Integer.toString(o.mb), "--reps", Integer.toString(o.reps),
                "--dir", o.dir.toString(), "--out", out.toString(), "--chunk-mb", Integer.toString(o.chunkMb)));
        // the array, Veloc's and the plain writer's direct buffers, and room so the GC never gets in the way
        int heapPerRank = o.mb * 4 + 128;
        JobLauncher launcher = new JobLauncher();
        if (!o.local && !JobLauncher.mpirunAvailable()) {
            System.err.println("bench latency: mpirun not found (run ./veloc4j setup, or pass --local)");
            return 1;
        }
        List<String> cmd = launcher.jobCommand(o.local, o.ranks, heapPerRank, CheckpointLatencyRank.class.getName(), args);
        String how = JobLauncher.describe(o.local, o.ranks);
        String loadBefore = loadAverage();
        System.out.printf("latency: %s, %d MiB per rank, %d reps + 1 warm-up, in %s%n", how, o.mb, o.reps, o.dir);
        int code = JobLauncher.run(cmd, null, 3600);
        String loadAfter = loadAverage();
        if (code != 0 || !Files.isRegularFile(out)) {
            System.err.println("bench latency: the benchmark job failed (exit " + code + ")");
            return 1;
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
        List<String> orders = new ArrayList<>();
        double[] warm = null;
        for (Object s : (List<?>) raw.get("samples")) {
            Map<?, ?> m = (Map<?, ?>) s;
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
            orders.add((String) m.get("order"));
        }
        int n = velocRanks.size();
        double[] veloc = new double[n];
        double[] plain = new double[n];
        double[] repRatio = new double[n];
        for (int i = 0; i < n; i++) {
            veloc[i] = max(velocRanks.get(i));
            plain[i] = max(plainRanks.get(i));
            repRatio[i] = veloc[i] / plain[i];
        }
        double[] velocCpuAll = velocCpu.stream().flatMapToDouble(Arrays::stream).toArray();
        double[] plainCpuAll = plainCpu.stream().flatMapToDouble(Arrays::stream).toArray();
        double mv = median(veloc);
        double mp = median(plain);
        double ratio = mv / mp;
        long bytesPerRank = ((Number) raw.get("bytes_per_rank")).longValue();
        long totalBytes = bytesPerRank * o.ranks;
        double gbV = totalBytes / (mv / 1e3) / 1e9;
        double gbP = totalBytes / (mp / 1e3) / 1e9;

        // ---- table
        System.out.println();
        System.out.printf("rep  order  veloc4j ms   plain ms   ratio%n");
        for (int i = 0; i < n; i++) {
            System.out.printf("%3d  %-5s  %10.1f %10.1f   %5.3f%n", i + 1, orders.get(i), veloc[i], plain[i], repRatio[i]);
        }
        System.out.println();
        System.out.printf("%-8s  %10s %8s %8s %8s%n", "", "median ms", "min", "max", "GB/s");
        System.out.printf("%-8s  %10.1f %8.1f %8.1f %8.2f%n", "veloc4j", mv, min(veloc), max(veloc), gbV);
        System.out.printf("%-8s  %10.1f %8.1f %8.1f %8.2f%n", "plain", mp, min(plain), max(plain), gbP);
        System.out.printf("ratio veloc4j / plain (medians): %.3f  (median of per-rep ratios %.3f; target <= %.2f: %s)%n",
                ratio, median(repRatio), TARGET_RATIO, ratio <= TARGET_RATIO ? "met" : "NOT met");
        System.out.printf("CPU time of a rank's write (median over ranks and reps): veloc4j %.1f ms, plain %.1f ms%n",
                median(velocCpuAll), median(plainCpuAll));
        System.out.printf("%d ranks × %d MiB = %.2f GB per checkpoint; GB/s = that / median latency (1 GB = 10^9 B)%n",
                o.ranks, o.mb, totalBytes / 1e9);

        // ---- JSON
        Map<String, Object> res = new LinkedHashMap<>();
        res.put("benchmark", "checkpoint-latency");
        res.put("command", "./veloc4j bench latency" + (argLine.isEmpty() ? "" : " " + argLine));
        res.put("launch", how);
        res.put("ranks", o.ranks);
        res.put("mb_per_rank", o.mb);
        res.put("bytes_per_rank", bytesPerRank);
        res.put("bytes_per_checkpoint", totalBytes);
        res.put("veloc_file_bytes_per_rank", raw.get("veloc_file_bytes"));
        res.put("plain_file_bytes_per_rank", raw.get("plain_file_bytes"));
        res.put("plain_chunk_bytes", raw.get("plain_chunk_bytes"));
        res.put("dir", o.dir.toString());
        res.put("reps", n);
        res.put("method", "per rep: barrier, t0, write, t1, barrier on every rank; job latency = max over ranks of t1-t0; "
                + "veloc4j = veloc.checkpoint(name, rep) (mode async, scratch on dir, chksum on, temp + rename; "
                + "checkpointWait() after the timed region, so no background work overlaps a timed write), plain = FileChannel "
                + "create/truncate + chunked writes from one direct buffer; order alternates AB/BA per rep; one warm-up rep "
                + "not counted; each write is a new file (the previous one deleted, untimed, for both methods)");
        Map<String, Object> medians = new LinkedHashMap<>();
        medians.put("veloc_ms", round(mv));
        medians.put("plain_ms", round(mp));
        medians.put("ratio", Math.round(ratio * 1000) / 1000.0);
        medians.put("veloc_gbps", Math.round(gbV * 100) / 100.0);
        medians.put("plain_gbps", Math.round(gbP * 100) / 100.0);
        medians.put("veloc_rank_cpu_ms", round(median(velocCpuAll)));
        medians.put("plain_rank_cpu_ms", round(median(plainCpuAll)));
        medians.put("median_of_rep_ratios", Math.round(median(repRatio) * 1000) / 1000.0);
        res.put("median", medians);
        res.put("target_ratio", TARGET_RATIO);
        res.put("target_met", ratio <= TARGET_RATIO);
        res.put("spread", Map.of("veloc_ms_min_max", List.of(round(min(veloc)), round(max(veloc))),
                "plain_ms_min_max", List.of(round(min(plain)), round(max(plain)))));
        List<Object> reps = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("rep", i + 1);
            r.put("order", orders.get(i));
            r.put("veloc_ms", round(veloc[i]));
            r.put("plain_ms", round(plain[i]));
            r.put("veloc_rank_ms", roundAll(velocRanks.get(i)));
            r.put("plain_rank_ms", roundAll(plainRanks.get(i)));
            r.put("veloc_rank_cpu_ms", roundAll(velocCpu.get(i)));
            r.put("plain_rank_cpu_ms", roundAll(plainCpu.get(i)));
            reps.add(r);
        }
        res.put("warmup_ms", warm == null ? null : Map.of("veloc", round(warm[0]), "plain", round(warm[1])));
        res.put("all_reps", reps);
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
            Plots.perRep(o.png, String.format("Blocking checkpoint latency, %d ranks × %d MiB on %s (max over ranks)",
                    o.ranks, o.mb, o.dir.getParent() == null ? o.dir : o.dir.getParent()), "latency (ms)",
                    List.of(new Plots.Series("veloc4j", veloc, mv), new Plots.Series("plain FileChannel", plain, mp)));
            System.out.println("latency: plot in " + o.png);
        } catch (IOException | RuntimeException | Error e) {
            // a missing font or AWT library must not lose the numbers
            System.err.println("latency: cannot write the plot " + o.png + ": " + e);
        }
        return 0;
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
