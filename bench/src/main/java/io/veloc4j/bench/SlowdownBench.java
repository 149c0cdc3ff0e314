package io.veloc4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./veloc4j bench slowdown}: what asynchronous checkpointing costs the application.
 * heatdis runs without checkpoints and with {@code mode = async} checkpoints every K steps (one
 * run per scheme), rep by rep in alternating order; each run writes a summary (HeatDis
 * {@code --summary}). Slowdown = (wall time with checkpoints − blocking checkpoint time − wall
 * time without) / wall time without: the time the background flush took from the application
 * (CPU and memory bandwidth it competes for), not the scratch copy the application waits for.
 */
public final class SlowdownBench {

    /** The target: at most this slowdown, in %. */
    static final double TARGET_PCT = 10.0;

    record Options(int ranks, int mb, int cols, int steps, int every, int reps, List<String> schemes, Path scratch,
                   Path persistent, Path json, Path png, boolean local) {
    }

    private SlowdownBench() {
    }

    static String usage() {
        return """
                usage: ./veloc4j bench slowdown [--ranks 4] [--mb 256] [--cols 1024] [--steps 200] [--ckpt-every 40]
                                                [--reps 5] [--schemes none,agnostic] [--scratch /dev/shm/veloc4j-slowdown]
                                                [--persistent work/bench-persistent-slowdown] [--json FILE] [--png FILE] [--local]
                heatdis (--mb MiB per rank, --cols columns) for --steps steps, without checkpoints and with an async
                checkpoint every --ckpt-every steps for each scheme of --schemes; per rep one run of each, order
                alternating. Reported: wall time of the step loop (max over ranks), blocking checkpoint time (max over
                ranks of the sum), slowdown % = (with - blocking - without) / without, median over reps.
                  --scratch DIR     scratch (default /dev/shm/veloc4j-slowdown; removed before every run)
                  --persistent DIR  persistent storage on a real disk (default <checkout>/work/bench-persistent-slowdown)
                """;
    }

    static int main(String[] argv) throws Exception {
        Options o;
        try {
            Args a = new Args("bench slowdown", argv);
            if (a.flag("--help") || a.flag("-h")) {
                System.out.print(usage());
                return 0;
            }
            Path results = BenchMain.resultsDir();
            Path checkout = BenchMain.checkoutDir(results);
            o = new Options(a.intOpt("--ranks", 4), a.intOpt("--mb", 256), a.intOpt("--cols", 1024),
                    a.intOpt("--steps", 200), a.intOpt("--ckpt-every", 40), a.intOpt("--reps", 5),
                    List.of(a.opt("--schemes", "none,agnostic").split(",")),
                    a.pathOpt("--scratch", Path.of("/dev/shm/veloc4j-slowdown")),
                    a.pathOpt("--persistent", checkout.resolve("work").resolve("bench-persistent-slowdown")),
                    a.pathOpt("--json", results.resolve("slowdown.json")), a.pathOpt("--png", results.resolve("slowdown.png")),
                    a.flag("--local"));
            a.done();
            if (o.ranks < 1 || o.mb < 1 || o.steps < 1 || o.every < 1 || o.reps < 1 || o.schemes.isEmpty()) {
                throw new IllegalArgumentException("bench slowdown: --ranks, --mb, --steps, --ckpt-every and --reps must be at least 1");
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
            System.err.println("bench slowdown: mpirun not found (run ./veloc4j setup, or pass --local)");
            return 1;
        }
        List<String> methods = new ArrayList<>();
        methods.add("without");
        methods.addAll(o.schemes);
        Path work = Files.createTempDirectory("veloc4j-slowdown");
        String loadBefore = FlushBench.loadAverage();
        System.out.printf("slowdown: %d ranks × %d MiB, %d steps, checkpoint every %d steps, %s; %d reps%n", o.ranks, o.mb,
                o.steps, o.every, String.join(" / ", methods), o.reps);
        Map<String, List<Map<?, ?>>> runs = new LinkedHashMap<>();
        methods.forEach(m -> runs.put(m, new ArrayList<>()));
        List<String> orders = new ArrayList<>();
        JobLauncher launcher = new JobLauncher();
        int heapPerRank = o.mb * 2 + 384;
        for (int rep = 1; rep <= o.reps; rep++) {
            List<String> order = new ArrayList<>(methods);
            if (rep % 2 == 0) {
                java.util.Collections.reverse(order);
            }
            orders.add(String.join(",", order));
            for (String m : order) {
                Demo.deleteTree(o.scratch);
                Demo.deleteTree(o.persistent);
                Path summary = work.resolve("summary-" + m + "-" + rep + ".json");
                List<String> args = new ArrayList<>(List.of("--mb", Integer.toString(o.mb), "--cols", Integer.toString(o.cols),
                        "--steps", Integer.toString(o.steps), "--quiet", "--summary", summary.toString()));
                if (m.equals("without")) {
                    args.addAll(List.of("--ckpt-every", "0"));
                } else {
                    Path cfg = work.resolve("veloc-" + m + ".cfg");
                    Files.writeString(cfg, String.join("\n",
                            "scratch = " + o.scratch,
                            "persistent = " + o.persistent,
                            "mode = async",
                            "aggregation_scheme = " + m,
                            "group_size = 4",
                            "scratch_versions = 2",
                            "max_versions = 2",
                            "") );
                    args.addAll(List.of("--ckpt-every", Integer.toString(o.every), "--config", cfg.toString()));
                }
                List<String> cmd = launcher.jobCommand(o.local, o.ranks, heapPerRank, HeatDis.class.getName(), args);
                int code = JobLauncher.run(cmd, null, 3600);
                if (code != 0 || !Files.isRegularFile(summary)) {
                    System.err.println("bench slowdown: heatdis (" + m + ", rep " + rep + ") failed (exit " + code + ")");
                    return 1;
                }
                Map<?, ?> s = (Map<?, ?>) Json.parse(Files.readString(summary));
                runs.get(m).add(s);
                System.out.printf("slowdown: rep %d %-9s loop %8.1f ms, blocking %7.1f ms, with final drain %8.1f ms%n", rep, m,
                        num(s, "loop_ms"), num(s, "blocking_ms_max_rank"), num(s, "total_ms"));
            }
        }
        Demo.deleteTree(o.scratch);
        Demo.deleteTree(o.persistent);
        Demo.deleteTree(work);
        String loadAfter = FlushBench.loadAverage();

        // ---- per rep numbers
        int n = o.reps;
        double[] base = new double[n];
        for (int i = 0; i < n; i++) {
            base[i] = num(runs.get("without").get(i), "loop_ms");
        }
        double baseMed = CheckpointLatencyBench.median(base);
        Map<String, Object> medians = new LinkedHashMap<>();
        Map<String, Object> perRep = new LinkedHashMap<>();
        List<Plots.Series> series = new ArrayList<>();
        series.add(new Plots.Series("without checkpoints", base, baseMed));
        System.out.println();
        System.out.printf("%-9s %10s %12s %10s %12s %10s %10s %8s %14s %10s%n", "", "loop ms", "blocking ms", "ckpts",
                "loop-block", "slowdown%", "raw %", "drain ms", "engine cpu ms", "engine %");
        System.out.printf("%-9s %10.1f %12s %10s %12s %10s %10s %8s %14s %10s%n", "without", baseMed, "-", "0", "-", "-", "-",
                "-", "-", "-");
        for (String m : o.schemes) {
            double[] loop = new double[n];
            double[] block = new double[n];
            double[] drain = new double[n];
            double[] pct = new double[n];
            double[] rawPct = new double[n];
            double[] net = new double[n];
            double[] engineCpu = new double[n];
            double[] enginePct = new double[n];
            int ckpts = 0;
            for (int i = 0; i < n; i++) {
                Map<?, ?> s = runs.get(m).get(i);
                loop[i] = num(s, "loop_ms");
                block[i] = num(s, "blocking_ms_max_rank");
                drain[i] = num(s, "total_ms") - loop[i];
                net[i] = loop[i] - block[i];
                pct[i] = (net[i] - base[i]) / base[i] * 100;
                rawPct[i] = (loop[i] - base[i]) / base[i] * 100;
                engineCpu[i] = num(s, "engine_cpu_ms");
                enginePct[i] = engineCpu[i] / num(s, "app_cpu_ms") * 100;
                ckpts = ((Number) s.get("checkpoints")).intValue();
            }
            double loopMed = CheckpointLatencyBench.median(loop);
            double blockMed = CheckpointLatencyBench.median(block);
            double netMed = CheckpointLatencyBench.median(net);
            double pctOfMedians = (netMed - baseMed) / baseMed * 100;
            System.out.printf("%-9s %10.1f %12.1f %10d %12.1f %10.1f %10.1f %8.1f %14.1f %10.1f%n", m, loopMed, blockMed, ckpts,
                    netMed, CheckpointLatencyBench.median(pct), CheckpointLatencyBench.median(rawPct),
                    CheckpointLatencyBench.median(drain), CheckpointLatencyBench.median(engineCpu),
                    CheckpointLatencyBench.median(enginePct));
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("loop_ms", round(loopMed));
            x.put("blocking_ms", round(blockMed));
            x.put("blocking_ms_per_checkpoint", round(blockMed / Math.max(1, ckpts)));
            x.put("checkpoints", ckpts);
            x.put("loop_minus_blocking_ms", round(netMed));
            x.put("slowdown_pct", round(CheckpointLatencyBench.median(pct)));
            x.put("slowdown_pct_of_medians", round(pctOfMedians));
            x.put("raw_overhead_pct", round(CheckpointLatencyBench.median(rawPct)));
            x.put("final_drain_ms", round(CheckpointLatencyBench.median(drain)));
            x.put("engine_cpu_ms", round(CheckpointLatencyBench.median(engineCpu)));
            x.put("engine_cpu_ms_per_checkpoint", round(CheckpointLatencyBench.median(engineCpu) / Math.max(1, ckpts)));
            x.put("engine_cpu_pct_of_app_cpu", round(CheckpointLatencyBench.median(enginePct)));
            x.put("target_pct", TARGET_PCT);
            x.put("target_met", CheckpointLatencyBench.median(pct) <= TARGET_PCT);
            medians.put(m, x);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("loop_ms", roundAll(loop));
            r.put("blocking_ms", roundAll(block));
            r.put("loop_minus_blocking_ms", roundAll(net));
            r.put("slowdown_pct", roundAll(pct));
            r.put("raw_overhead_pct", roundAll(rawPct));
            r.put("final_drain_ms", roundAll(drain));
            r.put("engine_cpu_ms", roundAll(engineCpu));
            r.put("blocking_ms_per_rank", runs.get(m).stream().map(s -> s.get("blocking_ms_per_rank")).toList());
            perRep.put(m, r);
            series.add(new Plots.Series(m + ", async every " + o.every + " (minus blocking)", net, netMed));
        }
        System.out.printf("slowdown %% = (loop with checkpoints - blocking - loop without) / loop without, median of per-rep values;"
                + " target <= %.0f%%%n", TARGET_PCT);
        System.out.println("engine cpu = CPU time of the engines' threads (all nodes); engine % = that / the ranks' main-thread"
                + " CPU time in the loop: what the flush costs in cores, independent of scheduling noise");

        // ---- JSON
        Map<String, Object> res = new LinkedHashMap<>();
        res.put("benchmark", "slowdown");
        res.put("command", "./veloc4j bench slowdown" + (argLine.isEmpty() ? "" : " " + argLine));
        res.put("launch", o.local ? o.ranks + " ranks as threads of one JVM" : "mpirun -np " + o.ranks);
        res.put("ranks", o.ranks);
        res.put("mb_per_rank", o.mb);
        res.put("cols", o.cols);
        res.put("steps", o.steps);
        res.put("ckpt_every", o.every);
        res.put("scratch", o.scratch.toString());
        res.put("persistent", o.persistent.toString());
        res.put("reps", n);
        res.put("method", "per rep one heatdis run without checkpoints and one per scheme (mode async, scratch_versions 2, "
                + "max_versions 2, other keys default: max_parallelism 2, compression_level 1, group_size 4), order alternating "
                + "per rep; scratch and persistent emptied before every run. loop = wall time of the step loop, max over "
                + "ranks (HeatDis --summary); blocking = sum of checkpoint() call times, max over ranks; drain = final "
                + "checkpointWait + close after the loop (not in the slowdown). slowdown % = (loop - blocking - loop "
                + "without) / loop without, median of the per-rep values (each rep's pair ran back to back). engine_cpu_ms = CPU "
                + "time of the veloc4j-* threads (flush engine, codec pool, journal tailer) summed over ranks, read after "
                + "the final checkpointWait; engine_cpu_pct_of_app_cpu = that / the ranks' main-thread CPU time in the loop");
        res.put("without_loop_ms", roundAll(base));
        res.put("without_loop_ms_median", round(baseMed));
        res.put("median", medians);
        res.put("all_reps", perRep);
        res.put("orders", orders);
        res.put("target_pct", TARGET_PCT);
        res.put("machine", FlushBench.machine(loadBefore, loadAfter));
        Files.createDirectories(o.json.toAbsolutePath().getParent());
        Files.writeString(o.json, Json.write(res));
        System.out.println("slowdown: results in " + o.json);
        try {
            Plots.perRep(o.png, String.format("heatdis, %d ranks × %d MiB, %d steps: loop wall time (max over ranks)", o.ranks,
                    o.mb, o.steps), "wall time (ms)", series);
            System.out.println("slowdown: plot in " + o.png);
        } catch (IOException | RuntimeException | Error e) {
            System.err.println("slowdown: cannot write the plot " + o.png + ": " + e);
        }
        return 0;
    }

    private static double num(Map<?, ?> m, String key) {
        return ((Number) m.get(key)).doubleValue();
    }

    private static double round(double x) {
        return Math.round(x * 100) / 100.0;
    }

    private static List<Double> roundAll(double[] a) {
        List<Double> l = new ArrayList<>();
        for (double x : a) {
            l.add(round(x));
        }
        return l;
    }
}
