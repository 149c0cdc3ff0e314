package io.veloc4j.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./veloc4j bench scale}: the pipeline as the job grows (issue #15). For each layout (ranks
 * × virtual nodes, LocalComm, one fresh JVM per run) it runs checkpoint → flush → restart from
 * scratch → restart from persistent, checks every MANIFEST lists every rank once and every
 * restart is bit-exact, and reports blocking time, time until persisted, threads, memory per rank
 * (heap, direct, mapped journal) and journal bytes per version. A run that hangs is killed after
 * --timeout seconds and reported as a failure.
 */
public final class ScaleBench {

    private ScaleBench() {
    }

    static String usage() {
        return """
                usage: ./veloc4j bench scale [--ranks 16,64,256] [--nodes 4,16] [--kib 256] [--versions 5] [--reps 1]
                                             [--dir /dev/shm/veloc4j-scale] [--timeout 600] [--json FILE] [--png FILE]
                  --ranks LIST     job sizes (ranks as threads of one JVM)
                  --nodes LIST     virtual nodes (each its own scratch and engine); layouts with more nodes than ranks are skipped
                  --kib K          checkpoint data per rank, KiB (default 256)
                  --versions V     checkpoints per run (default 5)
                  --reps N         runs per layout (default 1; the issue's acceptance is 10 at 256 ranks on 16 nodes)
                  --dir DIR        scratch and persistent storage (default /dev/shm/veloc4j-scale; removed afterwards)
                  --timeout S      a run still going after S seconds is a hang (default 600)
                  --json FILE      results (default bench/results/scale.json)
                  --png FILE       plot (default bench/results/scale.png)
                """;
    }

    static int main(String[] argv) throws Exception {
        Args a = new Args("bench scale", argv);
        if (a.flag("--help") || a.flag("-h")) {
            System.out.print(usage());
            return 0;
        }
        Path results = BenchMain.resultsDir();
        List<Integer> rankList;
        List<Integer> nodeList;
        int kib;
        int versions;
        int reps;
        int timeout;
        Path dir;
        Path json;
        Path png;
        try {
            rankList = a.intsOpt("--ranks", "16,64,256");
            nodeList = a.intsOpt("--nodes", "4,16");
            kib = a.intOpt("--kib", 256);
            versions = a.intOpt("--versions", 5);
            reps = a.intOpt("--reps", 1);
            timeout = a.intOpt("--timeout", 600);
            dir = a.pathOpt("--dir", Path.of("/dev/shm/veloc4j-scale"));
            json = a.pathOpt("--json", results.resolve("scale.json"));
            png = a.pathOpt("--png", results.resolve("scale.png"));
            a.done();
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(usage());
            return 2;
        }
        JobLauncher launcher = new JobLauncher();
        List<Map<String, Object>> rows = new ArrayList<>();
        int failures = 0;
        System.out.printf("%6s %5s %4s %10s %10s %11s %8s %9s %9s %10s %10s %12s%n", "ranks", "nodes", "rep", "block max",
                "block avg", "persisted", "threads", "heap/rk", "direct/rk", "mapped/rk", "VM MiB", "journal B/v");
        for (int ranks : rankList) {
            for (int nodes : nodeList) {
                if (nodes > ranks) {
                    continue;
                }
                for (int rep = 1; rep <= reps; rep++) {
                    Path run = dir.resolve(ranks + "x" + nodes + "-" + rep);
                    Demo.deleteTree(run);
                    Files.createDirectories(run);
                    Path out = run.resolve("result.json");
                    List<String> args = List.of("--ranks", Integer.toString(ranks), "--nodes", Integer.toString(nodes),
                            "--kib", Integer.toString(kib), "--versions", Integer.toString(versions), "--dir", run.toString(),
                            "--out", out.toString());
                    int heapMb = Math.max(1024, ranks * kib * 6 / 1024 + 512);
                    Map<String, Object> row = new LinkedHashMap<>();
                    int code;
                    try {
                        code = JobLauncher.run(launcher.javaCommand(heapMb, ScaleJob.class.getName(), args), run.resolve("log"),
                                timeout);
                    } catch (java.io.IOException e) {
                        code = -1;
                        row.put("error", e.getMessage());
                    }
                    if (code == 0 && Files.isRegularFile(out)) {
                        @SuppressWarnings("unchecked")
                        Map<String, Object> r = (Map<String, Object>) Json.parse(Files.readString(out));
                        row.putAll(r);
                        row.put("rep", rep);
                        System.out.printf("%6d %5d %4d %8.1fms %8.2fms %9.1fms %8s %7sKiB %7sKiB %8sKiB %10s %12s%n", ranks,
                                nodes, rep, num(r, "blocking_max_ms"), num(r, "blocking_mean_ms"), num(r, "until_persisted_ms"),
                                r.get("threads"), r.get("heap_per_rank_kib"), r.get("direct_per_rank_kib"),
                                r.get("mapped_rss_per_rank_kib"), r.get("virtual_mib"), r.get("journal_bytes_per_version"));
                    } else {
                        failures++;
                        row.put("ranks", ranks);
                        row.put("nodes", nodes);
                        row.put("rep", rep);
                        row.put("failed", true);
                        row.putIfAbsent("error", "exit " + code + "; log " + run.resolve("log") + ": " + tail(run.resolve("log")));
                        System.out.printf("%6d %5d %4d FAILED: %s%n", ranks, nodes, rep, row.get("error"));
                    }
                    rows.add(row);
                    if (code == 0) {
                        Demo.deleteTree(run);
                    }
                }
            }
        }
        Map<String, Object> res = new LinkedHashMap<>();
        res.put("command", "./veloc4j bench scale " + String.join(" ", argv));
        res.put("kib_per_rank", kib);
        res.put("versions", versions);
        res.put("failures", failures);
        res.put("runs", rows);
        Files.createDirectories(json.toAbsolutePath().getParent());
        Files.writeString(json, Json.write(res));
        plot(png, rows, kib);
        System.out.printf("%d runs, %d failed (hang or loss); %s, %s%n", rows.size(), failures, json, png);
        return failures == 0 ? 0 : 1;
    }

    private static double num(Map<String, Object> r, String k) {
        return ((Number) r.get(k)).doubleValue();
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (java.io.IOException e) {
            return "(no log)";
        }
    }

    /** Medians per layout: time until persisted and veloc4j's memory per rank. */
    private static void plot(Path png, List<Map<String, Object>> rows, int kib) throws java.io.IOException {
        Map<String, List<Map<String, Object>>> byLayout = new LinkedHashMap<>();
        for (Map<String, Object> r : rows) {
            if (!r.containsKey("failed")) {
                byLayout.computeIfAbsent(r.get("ranks") + " ranks / " + r.get("nodes") + " nodes", k -> new ArrayList<>()).add(r);
            }
        }
        if (byLayout.isEmpty()) {
            return;
        }
        List<String> cats = new ArrayList<>(byLayout.keySet());
        LinkedHashMap<String, double[]> series = new LinkedHashMap<>();
        String[] keys = {"until_persisted_ms", "heap_per_rank_kib", "direct_per_rank_kib", "mapped_rss_per_rank_kib"};
        String[] labels = {"time until persisted (ms)", "heap per rank (KiB)", "direct per rank (KiB)", "mapped journal RSS per rank (KiB)"};
        for (int k = 0; k < keys.length; k++) {
            double[] v = new double[cats.size()];
            for (int i = 0; i < cats.size(); i++) {
                String key = keys[k];
                v[i] = CheckpointLatencyBench.median(byLayout.get(cats.get(i)).stream().mapToDouble(r -> num(r, key)).toArray());
            }
            series.put(labels[k], v);
        }
        BarCharts.bars(png, "bench scale: " + kib + " KiB per rank, medians per layout", "ms / KiB", cats, series, "0");
    }
}
