package io.veloc4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./veloc4j bench flush}: background flush throughput of scheme {@code none} next to a plain
 * FileChannel.transferTo + fsync copy of the same rank files (issue acceptance: ratio ≥ 0.8), and
 * scheme {@code agnostic} (one compressed aggregate per group) next to {@code none}: files per
 * version, stored bytes, time until persisted. All three in the same job, rep by rep, in
 * alternating order (see {@link FlushRank}).
 */
public final class FlushBench {

    /** The acceptance bound on throughput none / throughput plain (medians). */
    static final double TARGET_RATIO = 0.8;

    record Options(int ranks, int mb, int reps, Path scratch, Path persistent, Path json, Path png, boolean local,
                   int groupSize, int parallelism, int level) {
    }

    private FlushBench() {
    }

    static String usage() {
        return """
                usage: ./veloc4j bench flush [--ranks 4] [--mb 256] [--reps 7] [--scratch /dev/shm/veloc4j-flush]
                                             [--persistent work/bench-persistent] [--group-size 4] [--parallelism 2]
                                             [--level 1] [--json FILE] [--png FILE] [--local]
                Background flush to persistent storage: every rep, each rank checkpoints --mb MiB of doubles
                through a client with aggregation_scheme = none and one with agnostic (group_size G), and
                copies the none client's rank file by hand (transferTo + fsync) to the same disk; order
                alternates per rep. Time until persisted = from checkpoint() return (client side) until
                checkpointWait() returns, on the node-wide monotonic clock; median of --reps reps.
                  --ranks N         MPI ranks (default 4)
                  --mb M            MiB per rank (default 256)
                  --reps N          counted reps after one warm-up (default 7; at least 5 for the acceptance figure)
                  --scratch DIR     node-local scratch (default /dev/shm/veloc4j-flush; removed afterwards)
                  --persistent DIR  persistent storage, on a real disk (default <checkout>/work/bench-persistent; removed afterwards)
                  --group-size G    agnostic group size (default 4)
                  --parallelism P   max_parallelism of the engine (default 2, the config default)
                  --level L         compression_level (default 1, the config default)
                  --json FILE       results (default bench/results/flush.json)
                  --png FILE        plot (default bench/results/flush.png)
                  --local           ranks as threads of one JVM instead of mpirun

                usage: ./veloc4j bench flush --hosts 1,2,4,8 [--ranks 8] [--mb 64] [--reps 5] [--group-size 8]
                                             [--schemes none,agnostic,aware-block] [--json FILE] [--png FILE]
                The same job on virtual clusters of each number of simulated hosts (needs root): files per version,
                time until persisted (last checkpoint() return to every rank's checkpointWait() return), bytes the
                engines sent between hosts; results in bench/results/flush-hosts.json and .png.
                """;
    }

    static int main(String[] argv) throws Exception {
        Options o;
        try {
            Args a = new Args("bench flush", argv);
            if (a.flag("--help") || a.flag("-h")) {
                System.out.print(usage());
                return 0;
            }
            if (java.util.Arrays.asList(argv).contains("--hosts")) {
                return HostsFlushBench.main(a); // the same job on virtual clusters of several sizes
            }
            Path results = BenchMain.resultsDir();
            Path checkout = BenchMain.checkoutDir(results);
            o = new Options(a.intOpt("--ranks", 4), a.intOpt("--mb", 256), a.intOpt("--reps", 7),
                    a.pathOpt("--scratch", Path.of("/dev/shm/veloc4j-flush")),
                    a.pathOpt("--persistent", checkout.resolve("work").resolve("bench-persistent")),
                    a.pathOpt("--json", results.resolve("flush.json")), a.pathOpt("--png", results.resolve("flush.png")),
                    a.flag("--local"), a.intOpt("--group-size", 4), a.intOpt("--parallelism", 2), a.intOpt("--level", 1));
            a.done();
            if (o.ranks < 1 || o.mb < 1 || o.reps < 1 || o.groupSize < 1 || o.parallelism < 1) {
                throw new IllegalArgumentException("bench flush: --ranks, --mb, --reps, --group-size and --parallelism must be at least 1");
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(usage());
            return 2;
        }
        return run(o, String.join(" ", argv));
    }

    static int run(Options o, String argLine) throws Exception {
        Demo.deleteTree(o.scratch);
        Demo.deleteTree(o.persistent);
        Files.createDirectories(o.scratch);
        Files.createDirectories(o.persistent);
        Path out = o.scratch.resolve("samples.json");
        List<String> args = new ArrayList<>(List.of("--mb", Integer.toString(o.mb), "--reps", Integer.toString(o.reps),
                "--scratch", o.scratch.toString(), "--persistent", o.persistent.toString(), "--out", out.toString(),
                "--group-size", Integer.toString(o.groupSize), "--parallelism", Integer.toString(o.parallelism),
                "--level", Integer.toString(o.level)));
        int heapPerRank = o.mb * 3 + 256;
        JobLauncher launcher = new JobLauncher();
        if (!o.local && !JobLauncher.mpirunAvailable()) {
            System.err.println("bench flush: mpirun not found (run ./veloc4j setup, or pass --local)");
            return 1;
        }
        List<String> cmd = launcher.jobCommand(o.local, o.ranks, heapPerRank, FlushRank.class.getName(), args);
        String how = JobLauncher.describe(o.local, o.ranks);
        String loadBefore = loadAverage();
        System.out.printf("flush: %s, %d MiB per rank, %d reps + 1 warm-up, scratch %s, persistent %s%n", how, o.mb,
                o.reps, o.scratch, o.persistent);
        int code = JobLauncher.run(cmd, null, 3600);
        String loadAfter = loadAverage();
        if (code != 0 || !Files.isRegularFile(out)) {
            System.err.println("bench flush: the benchmark job failed (exit " + code + ")");
            return 1;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> raw = (Map<String, Object>) Json.parse(Files.readString(out));
        Demo.deleteTree(o.scratch);
        Demo.deleteTree(o.persistent);

        // ---- per rep, per method
        List<String> orders = new ArrayList<>();
        Map<String, List<Double>> last = new LinkedHashMap<>();   // from the last checkpoint() return (plain: from the start)
        Map<String, List<Double>> first = new LinkedHashMap<>();  // from the first checkpoint() return
        Map<String, List<Double>> blocking = new LinkedHashMap<>(); // checkpoint() itself, max over ranks
        Map<String, Map<?, ?>> stored = new LinkedHashMap<>();
        for (String m : FlushRank.METHODS) {
            last.put(m, new ArrayList<>());
            first.put(m, new ArrayList<>());
            blocking.put(m, new ArrayList<>());
        }
        Map<String, Object> warm = new LinkedHashMap<>();
        for (Object s : (List<?>) raw.get("samples")) {
            Map<?, ?> sample = (Map<?, ?>) s;
            boolean warmup = Boolean.TRUE.equals(sample.get("warmup"));
            if (!warmup) {
                orders.add((String) sample.get("order"));
            }
            for (String m : FlushRank.METHODS) {
                Map<?, ?> r = (Map<?, ?>) sample.get(m);
                long[] t0 = longs(r.get("t0_ns"));
                long[] t1 = longs(r.get("t1_ns"));
                long[] t2 = longs(r.get("t2_ns"));
                double fromLast = (FlushRank.max(t2) - FlushRank.max(t1)) / 1e6;
                double fromFirst = (FlushRank.max(t2) - FlushRank.min(t1)) / 1e6;
                double block = 0;
                for (int i = 0; i < t0.length; i++) {
                    block = Math.max(block, (t1[i] - t0[i]) / 1e6);
                }
                if (m.equals("plain")) {
                    fromLast = fromFirst; // every rank starts its copy right after the same barrier
                    block = 0;
                }
                if (warmup) {
                    warm.put(m + "_ms", round(fromLast));
                    continue;
                }
                last.get(m).add(fromLast);
                first.get(m).add(fromFirst);
                blocking.get(m).add(block);
                stored.put(m, r);
            }
        }
        long fileBytes = ((Number) ((Map<?, ?>) raw.get("rank_file_bytes")).get("none")).longValue();
        long rawTotal = fileBytes * o.ranks;
        int n = orders.size();
        Map<String, Double> med = new LinkedHashMap<>();
        Map<String, Double> medFirst = new LinkedHashMap<>();
        for (String m : FlushRank.METHODS) {
            med.put(m, CheckpointLatencyBench.median(arr(last.get(m))));
            medFirst.put(m, CheckpointLatencyBench.median(arr(first.get(m))));
        }
        double ratio = med.get("plain") / med.get("none"); // throughput none / throughput plain
        double ratioFirst = medFirst.get("plain") / medFirst.get("none");
        double[] repRatio = new double[n];
        for (int i = 0; i < n; i++) {
            repRatio[i] = last.get("plain").get(i) / last.get("none").get(i);
        }

        // ---- table
        System.out.println();
        System.out.printf("time until persisted (ms, client side; none/agnostic: last checkpoint() return → last checkpointWait() return;%n"
                + "plain: barrier → last rank's copy fsync'd)%n");
        System.out.printf("rep  order                  none      plain   agnostic   plain/none%n");
        for (int i = 0; i < n; i++) {
            System.out.printf("%3d  %-20s %9.1f  %9.1f  %9.1f   %6.3f%n", i + 1, orders.get(i), last.get("none").get(i),
                    last.get("plain").get(i), last.get("agnostic").get(i), repRatio[i]);
        }
        System.out.println();
        System.out.printf("%-9s %10s %10s %9s %12s %6s %14s %14s%n", "", "median ms", "GB/s", "files", "stored bytes",
                "ratio", "from-first ms", "ckpt() ms");
        for (String m : FlushRank.METHODS) {
            Map<?, ?> s = stored.get(m);
            long sb = ((Number) s.get("stored_bytes")).longValue();
            System.out.printf("%-9s %10.1f %10.2f %9d %12d %6.3f %14.1f %14.1f%n", m, med.get(m), rawTotal / (med.get(m) / 1e3) / 1e9,
                    ((Number) s.get("files")).longValue(), sb, (double) rawTotal / sb, medFirst.get(m),
                    CheckpointLatencyBench.median(arr(blocking.get(m))));
        }
        System.out.printf("throughput none / plain (medians): %.3f  (from the first checkpoint() return: %.3f; median of per-rep "
                + "ratios %.3f; target >= %.2f: %s)%n", ratio, ratioFirst, CheckpointLatencyBench.median(repRatio), TARGET_RATIO,
                ratio >= TARGET_RATIO ? "met" : "NOT met");
        System.out.printf("agnostic / none time until persisted (medians): %.2f×%n", med.get("agnostic") / med.get("none"));

        // ---- JSON
        Map<String, Object> res = new LinkedHashMap<>();
        res.put("benchmark", "flush");
        res.put("command", "./veloc4j bench flush" + (argLine.isEmpty() ? "" : " " + argLine));
        res.put("launch", how);
        res.put("ranks", o.ranks);
        res.put("mb_per_rank", o.mb);
        res.put("rank_file_bytes", fileBytes);
        res.put("raw_bytes_per_version", rawTotal);
        res.put("scratch", o.scratch.toString());
        res.put("persistent", o.persistent.toString());
        res.put("group_size", o.groupSize);
        res.put("max_parallelism", o.parallelism);
        res.put("compression_level", o.level);
        res.put("reps", n);
        res.put("method", "client side, node-wide monotonic clock (System.nanoTime = CLOCK_MONOTONIC, shared by the "
                + "ranks' JVMs). Per rep and method: barrier; t0; none/agnostic: checkpoint(name, rep) (mode async), t1, "
                + "checkpointWait(), t2; plain: t1, copy this rank's newest rank file of the none client's scratch to "
                + "<persistent>/plain with FileChannel.transferTo + force(true) (fsync, like the engine's writer; no CRC "
                + "check, no temp + rename, no directory fsync), t2; barrier. time until persisted = max(t2) - max(t1) "
                + "(from the moment every rank file is on scratch; for plain max(t2) - min(t1)); also reported: "
                + "max(t2) - min(t1) for none/agnostic (from the first checkpoint() return, which includes other ranks' "
                + "scratch writes). GB/s = raw bytes of the version (ranks x rank file) / time. Order per rep alternates "
                + "none,plain,agnostic / agnostic,plain,none; 1 warm-up rep not counted; every rep's persistent files "
                + "are deleted untimed; the data: a smooth 2-D field + 1e-3 Gaussian noise (CheckpointLatencyRank.field)");
        Map<String, Object> medians = new LinkedHashMap<>();
        for (String m : FlushRank.METHODS) {
            Map<String, Object> x = new LinkedHashMap<>();
            Map<?, ?> s = stored.get(m);
            long sb = ((Number) s.get("stored_bytes")).longValue();
            x.put("time_until_persisted_ms", round(med.get(m)));
            x.put("gbps", Math.round(rawTotal / (med.get(m) / 1e3) / 1e7) / 100.0);
            x.put("time_from_first_return_ms", round(medFirst.get(m)));
            x.put("gbps_from_first_return", Math.round(rawTotal / (medFirst.get(m) / 1e3) / 1e7) / 100.0);
            x.put("checkpoint_call_ms", round(CheckpointLatencyBench.median(arr(blocking.get(m)))));
            x.put("files_per_version", s.get("files"));
            x.put("stored_bytes", sb);
            x.put("manifest_bytes", s.get("manifest_bytes"));
            x.put("compression_ratio", Math.round((double) rawTotal / sb * 1000) / 1000.0);
            x.put("file_names", s.get("names"));
            medians.put(m, x);
        }
        res.put("median", medians);
        res.put("throughput_ratio_none_over_plain", Math.round(ratio * 1000) / 1000.0);
        res.put("throughput_ratio_none_over_plain_from_first_return", Math.round(ratioFirst * 1000) / 1000.0);
        res.put("median_of_rep_ratios", Math.round(CheckpointLatencyBench.median(repRatio) * 1000) / 1000.0);
        res.put("target_ratio", TARGET_RATIO);
        res.put("target_met", ratio >= TARGET_RATIO);
        res.put("agnostic_over_none_time", Math.round(med.get("agnostic") / med.get("none") * 1000) / 1000.0);
        List<Object> reps = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("rep", i + 1);
            r.put("order", orders.get(i));
            for (String m : FlushRank.METHODS) {
                r.put(m + "_ms", round(last.get(m).get(i)));
            }
            r.put("none_from_first_ms", round(first.get("none").get(i)));
            r.put("agnostic_from_first_ms", round(first.get("agnostic").get(i)));
            r.put("none_checkpoint_call_ms", round(blocking.get("none").get(i)));
            r.put("agnostic_checkpoint_call_ms", round(blocking.get("agnostic").get(i)));
            reps.add(r);
        }
        res.put("warmup", warm);
        res.put("all_reps", reps);
        res.put("machine", machine(loadBefore, loadAfter));
        Files.createDirectories(o.json.toAbsolutePath().getParent());
        Files.writeString(o.json, Json.write(res));
        System.out.println("flush: results in " + o.json);

        // ---- plot
        try {
            List<Plots.Series> series = new ArrayList<>();
            String[] labels = {"none (veloc4j engine)", "plain transferTo + fsync", "agnostic G=" + o.groupSize};
            for (int i = 0; i < FlushRank.METHODS.length; i++) {
                String m = FlushRank.METHODS[i];
                series.add(new Plots.Series(labels[i], arr(last.get(m)), med.get(m)));
            }
            Plots.perRep(o.png, String.format("Time until persisted, %d ranks × %d MiB, scratch %s → %s", o.ranks, o.mb,
                    o.scratch.getParent(), o.persistent.getParent()), "time until persisted (ms)", series);
            System.out.println("flush: plot in " + o.png);
        } catch (IOException | RuntimeException | Error e) {
            System.err.println("flush: cannot write the plot " + o.png + ": " + e);
        }
        return 0;
    }

    static long[] longs(Object list) {
        List<?> l = (List<?>) list;
        long[] a = new long[l.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = ((Number) l.get(i)).longValue();
        }
        return a;
    }

    static double[] arr(List<Double> l) {
        return l.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static double round(double ms) {
        return Math.round(ms * 100) / 100.0;
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** nproc, CPU, memory, Java, OS, load average before/after, date (as the latency benchmark records). */
    static Map<String, Object> machine(String loadBefore, String loadAfter) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nproc", Runtime.getRuntime().availableProcessors());
        String cpu = "unknown";
        Object mem = null;
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
            mem = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:"))
                    .map(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElse(null);
        } catch (IOException | NumberFormatException e) {
            // keep what we have
        }
        m.put("cpu", cpu);
        m.put("mem_total_kb", mem);
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("loadavg_before", loadBefore);
        m.put("loadavg_after", loadAfter);
        m.put("date", java.time.OffsetDateTime.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        return m;
    }
}
