package io.veloc4j.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code ./veloc4j bench erasure --hosts 8}: the erasure level in the engine, on a virtual
 * cluster of one rank per host (issue #12). Per rep, side by side: the time to protect a version
 * of N ranks × {@code --mb} MiB (checkpoint return → every host holds its parity); the restart
 * after losing 2 hosts of one set, rebuilt from the set, next to the same loss restored from
 * persistent storage (the parity deleted); and heatdis with ec_interval -1 vs 0 (the
 * application's slowdown). Results: bench/results/erasure-hosts.json and .png.
 */
final class ErasureClusterBench {

    private ErasureClusterBench() {
    }

    static int main(Args a) throws Exception {
        int hosts = a.intOpt("--hosts", 8);
        int mb = a.intOpt("--mb", 64);
        int reps = a.intOpt("--reps", 3);
        int setSize = a.intOpt("--set-size", 4);
        int parity = a.intOpt("--parity", 2);
        int heatMb = a.intOpt("--heat-mb", 16);
        boolean withHeat = !a.flag("--no-heat");
        Path results = BenchMain.resultsDir();
        Path json = a.pathOpt("--json", results.resolve("erasure-hosts.json"));
        Path png = a.pathOpt("--png", results.resolve("erasure-hosts.png"));
        Path work = a.pathOpt("--dir", Path.of("/dev/shm/veloc4j-erasure-hosts"));
        Path persistentRoot = a.pathOpt("--persistent", BenchMain.checkoutDir(results).resolve("work").resolve("bench-erasure"));
        a.done();
        String why = VirtualCluster.unavailable();
        if (why != null) {
            System.err.println("bench erasure --hosts: " + why);
            return 1;
        }
        JobLauncher launcher = new JobLauncher();
        Path log = work.getParent().resolve("veloc4j-erasure-hosts.log");
        List<Map<String, Object>> rows = new ArrayList<>();
        System.out.printf("%4s %11s %11s %13s %16s %12s %12s %9s%n", "rep", "protect ms", "persist ms", "rebuild ms",
                "persistent ms", "heat ec=-1", "heat ec=0", "slowdown");
        for (int rep = 1; rep <= reps; rep++) {
            Demo.deleteTree(work);
            Demo.deleteTree(persistentRoot);
            VirtualCluster c = VirtualCluster.create(work, hosts, 1);
            Files.createDirectories(persistentRoot);
            Path out = c.shared().resolve("result.json");
            List<String> common = List.of("--mb", Integer.toString(mb), "--set-size", Integer.toString(setSize), "--parity",
                    Integer.toString(parity), "--scratch", c.scratch().toString(), "--persistent", persistentRoot.toString(),
                    "--out", out.toString());
            Map<String, Object> prot = job(launcher, c, mb, "protect", common, out, log);
            if (prot == null) {
                return 1;
            }
            // two hosts of the first set lost (a set's members: the hosts holding parity of that set)
            List<String> lost = firstSet(c).subList(0, Math.min(parity, 2));
            lost.forEach(h -> emptyScratch(c, h));
            Map<String, Object> rebuilt = job(launcher, c, mb, "restart", common, out, log);
            lost.forEach(h -> emptyScratch(c, h));
            for (String h : c.hosts()) {
                deleteParity(c.hostScratch(h).resolve("ec").resolve("1"));
            }
            Map<String, Object> fromPersistent = job(launcher, c, mb, "restart", common, out, log);
            if (rebuilt == null || fromPersistent == null) {
                return 1;
            }
            // --no-heat: the transport's figures only (a rep in a third of the time)
            double off = withHeat ? heat(launcher, c, heatMb, -1, setSize, parity, persistentRoot, log) : Double.NaN;
            double on = withHeat ? heat(launcher, c, heatMb, 0, setSize, parity, persistentRoot, log) : Double.NaN;
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("rep", rep);
            row.put("protect_ms", prot.get("protect_ms"));
            row.put("persist_ms", prot.get("persist_ms"));
            row.put("restart_rebuilt_ms", rebuilt.get("restart_ms"));
            row.put("restart_rebuilt_test_ms", rebuilt.get("restart_test_ms"));
            row.put("restart_persistent_test_ms", fromPersistent.get("restart_test_ms"));
            row.put("restart_rebuilt_ranks_from_erasure", rebuilt.get("ranks_from_erasure"));
            row.put("restart_rebuilt_bit_exact_ranks", rebuilt.get("ranks_bit_exact"));
            row.put("restart_persistent_ms", fromPersistent.get("restart_ms"));
            row.put("restart_persistent_ranks_from_persistent", fromPersistent.get("ranks_from_persistent"));
            row.put("restart_persistent_bit_exact_ranks", fromPersistent.get("ranks_bit_exact"));
            row.put("heat_loop_ms_ec_off", off);
            row.put("heat_loop_ms_ec_0", on);
            rows.add(row);
            System.out.printf("%4d %11.0f %11.0f %13.0f %16.0f %12.0f %12.0f %8.1f%%%n", rep, num(row, "protect_ms"),
                    num(row, "persist_ms"), num(row, "restart_rebuilt_ms"), num(row, "restart_persistent_ms"), off, on,
                    100 * (on / off - 1));
        }
        Demo.deleteTree(work);
        Demo.deleteTree(persistentRoot);
        Map<String, Object> res = new LinkedHashMap<>();
        res.put("command", "./veloc4j bench erasure --hosts " + hosts + " --mb " + mb + " --reps " + reps + (withHeat ? "" : " --no-heat"));
        res.put("hosts", hosts);
        res.put("mb_per_rank", mb);
        res.put("ec_set_size", setSize);
        res.put("ec_parity", parity);
        res.put("heat_mb_per_rank", heatMb);
        Map<String, Object> med = new LinkedHashMap<>();
        for (String k : List.of("protect_ms", "persist_ms", "restart_rebuilt_ms", "restart_persistent_ms", "heat_loop_ms_ec_off",
                "heat_loop_ms_ec_0")) {
            med.put(k, CheckpointLatencyBench.median(rows.stream().mapToDouble(r -> num(r, k)).toArray()));
        }
        med.put("rebuilt_over_persistent", (double) med.get("restart_rebuilt_ms") / (double) med.get("restart_persistent_ms"));
        med.put("slowdown_ec_0", (double) med.get("heat_loop_ms_ec_0") / (double) med.get("heat_loop_ms_ec_off") - 1);
        res.put("medians", med);
        res.put("reps", rows);
        Files.createDirectories(json.toAbsolutePath().getParent());
        Files.writeString(json, Json.write(res));
        LinkedHashMap<String, double[]> series = new LinkedHashMap<>();
        series.put("median ms", new double[] {(double) med.get("protect_ms"), (double) med.get("persist_ms"),
                (double) med.get("restart_rebuilt_ms"), (double) med.get("restart_persistent_ms")});
        BarCharts.bars(png, hosts + " hosts × " + mb + " MiB, sets of " + setSize + ", parity " + parity + " (median of " + reps + ")",
                "ms", List.of("protect", "persist", "restart: rebuild 2 hosts", "restart: 2 hosts from persistent"), series, "0");
        System.out.printf("medians: %s%nresults: %s, %s%n", med, json, png);
        return 0;
    }

    private static double num(Map<String, Object> m, String k) {
        return ((Number) m.get(k)).doubleValue();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> job(JobLauncher launcher, VirtualCluster c, int mb, String phase, List<String> common,
                                           Path out, Path log) throws Exception {
        Files.deleteIfExists(out);
        List<String> args = new ArrayList<>(List.of("--phase", phase));
        args.addAll(common);
        int code = JobLauncher.run(launcher.clusterCommand(c, 3 * mb + 256, ErasureClusterRank.class.getName(), args), log, 3600);
        if (code != 0 || !Files.isRegularFile(out)) {
            System.err.printf("bench erasure --hosts: the %s job failed (exit %d, log %s)%n", phase, code, log);
            return null;
        }
        return (Map<String, Object>) Json.parse(Files.readString(out));
    }

    /** heatdis on the cluster with ec_interval {@code ec} (scratch only): the step loop's wall time, ms. */
    @SuppressWarnings("unchecked")
    private static double heat(JobLauncher launcher, VirtualCluster c, int mb, int ec, int setSize, int parity, Path persistent,
                               Path log) throws Exception {
        for (String h : c.hosts()) {
            emptyScratch(c, h);
        }
        Path cfg = c.shared().resolve("heat.cfg");
        Files.writeString(cfg, """
                scratch = %s
                persistent = %s
                persistent_interval = -1
                scratch_versions = 2
                ec_interval = %d
                ec_set_size = %d
                ec_parity = %d
                """.formatted(c.scratch(), persistent.resolve("heat-" + ec), ec, setSize, parity));
        Path summary = c.shared().resolve("heat-summary.json");
        List<String> args = List.of("--mb", Integer.toString(mb), "--cols", "65536", "--steps", "100", "--ckpt-every", "20",
                "--quiet", "--config", cfg.toString(), "--summary", summary.toString());
        int code = JobLauncher.run(launcher.clusterCommand(c, 3 * mb + 256, HeatDis.class.getName(), args), log, 3600);
        if (code != 0) {
            throw new IOException("heatdis with ec_interval " + ec + " failed (exit " + code + ", log " + log + ")");
        }
        return ((Number) ((Map<String, Object>) Json.parse(Files.readString(summary))).get("loop_ms")).doubleValue();
    }

    private static List<String> firstSet(VirtualCluster c) throws IOException {
        Map<String, List<String>> bySet = new TreeMap<>();
        for (String h : c.hosts()) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(c.hostScratch(h).resolve("ec").resolve("1"), "parity-*.vpar")) {
                for (Path p : ds) {
                    String n = p.getFileName().toString();
                    bySet.computeIfAbsent(n.substring(0, n.indexOf('-', "parity-".length())), k -> new ArrayList<>()).add(h);
                    break;
                }
            }
        }
        if (bySet.isEmpty()) {
            throw new IOException("no host holds parity of ec v1: the version was not protected");
        }
        return bySet.values().iterator().next();
    }

    private static void emptyScratch(VirtualCluster c, String host) {
        try {
            Demo.deleteTree(c.hostScratch(host));
            Files.createDirectories(c.hostScratch(host));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void deleteParity(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "parity-*")) {
            for (Path p : ds) {
                Files.delete(p);
            }
        }
    }
}
