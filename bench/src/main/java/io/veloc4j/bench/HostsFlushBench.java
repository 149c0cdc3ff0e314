package io.veloc4j.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./veloc4j bench flush --hosts 1,2,4,8}: the same job (8 ranks × 64 MiB, groups of 8)
 * on virtual clusters of 1, 2, 4 and 8 simulated hosts, for schemes none, agnostic and
 * aware-block: files per version, time until persisted, bytes sent between hosts. Layouts and
 * schemes are interleaved rep by rep... per job; every job runs --reps reps after a warm-up.
 * Targets (issue #14): files = ceil(N/G) in every layout; one rank per host within 1.2× of the
 * same data on one host; bytes between hosts at most the stored bytes.
 */
final class HostsFlushBench {

    private HostsFlushBench() {
    }

    static int main(Args a) throws Exception {
        List<Integer> hostCounts = a.intsOpt("--hosts", "1,2,4,8");
        int ranks = a.intOpt("--ranks", 8);
        int mb = a.intOpt("--mb", 64);
        int reps = a.intOpt("--reps", 5);
        int groupSize = a.intOpt("--group-size", 8);
        String schemes = a.opt("--schemes", "none,agnostic,aware-block");
        Path results = BenchMain.resultsDir();
        Path json = a.pathOpt("--json", results.resolve("flush-hosts.json"));
        Path png = a.pathOpt("--png", results.resolve("flush-hosts.png"));
        Path work = a.pathOpt("--dir", Path.of("/dev/shm/veloc4j-hosts"));
        Path persistentRoot = a.pathOpt("--persistent", BenchMain.checkoutDir(results).resolve("work").resolve("bench-hosts"));
        a.done();
        String why = VirtualCluster.unavailable();
        if (why != null) {
            System.err.println("bench flush --hosts: " + why);
            return 1;
        }
        JobLauncher launcher = new JobLauncher();
        List<Map<String, Object>> rows = new ArrayList<>();
        System.out.printf("%6s %6s %-12s %7s %12s %14s %14s %16s%n", "hosts", "slots", "scheme", "files", "persisted ms",
                "stored bytes", "raw bytes", "between hosts");
        for (String scheme : schemes.split(",")) {
            for (int hosts : hostCounts) {
                if (ranks % hosts != 0) {
                    continue;
                }
                Demo.deleteTree(work);
                Demo.deleteTree(persistentRoot);
                VirtualCluster c = VirtualCluster.create(work, hosts, ranks / hosts);
                Files.createDirectories(persistentRoot);
                Path out = c.shared().resolve("result.json");
                List<String> args = List.of("--mb", Integer.toString(mb), "--reps", Integer.toString(reps), "--scheme", scheme,
                        "--group-size", Integer.toString(groupSize), "--scratch", c.scratch().toString(),
                        "--persistent", persistentRoot.toString(), "--out", out.toString());
                int code = JobLauncher.run(launcher.clusterCommand(c, 3 * mb + 256, HostsFlushRank.class.getName(), args),
                        work.getParent().resolve("veloc4j-hosts.log"), 3600);
                if (code != 0 || !Files.isRegularFile(out)) {
                    System.err.printf("bench flush --hosts: %d hosts, %s: the job failed (exit %d, log %s)%n", hosts, scheme, code,
                            work.getParent().resolve("veloc4j-hosts.log"));
                    return 1;
                }
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> reps0 = (List<Map<String, Object>>) Json.parse(Files.readString(out));
                double[] t = reps0.stream().mapToDouble(r -> ((Number) r.get("persisted_ms")).doubleValue()).toArray();
                Map<String, Object> last = reps0.get(reps0.size() - 1);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("hosts", hosts);
                row.put("slots", ranks / hosts);
                row.put("scheme", scheme);
                row.put("files", last.get("files"));
                row.put("persisted_ms_median", Math.round(CheckpointLatencyBench.median(t) * 10) / 10.0);
                row.put("persisted_ms", t);
                row.put("stored_bytes", last.get("stored_bytes"));
                row.put("raw_bytes", last.get("raw_bytes"));
                row.put("bytes_between_hosts_median", CheckpointLatencyBench.median(reps0.stream()
                        .mapToDouble(r -> ((Number) r.get("bytes_between_hosts")).doubleValue()).toArray()));
                rows.add(row);
                System.out.printf("%6d %6d %-12s %7s %12.1f %14s %14s %16.0f%n", hosts, ranks / hosts, scheme, row.get("files"),
                        row.get("persisted_ms_median"), row.get("stored_bytes"), row.get("raw_bytes"),
                        row.get("bytes_between_hosts_median"));
            }
        }
        Demo.deleteTree(work);
        Demo.deleteTree(persistentRoot);
        Map<String, Object> res = new LinkedHashMap<>();
        res.put("command", "./veloc4j bench flush --hosts ...");
        res.put("ranks", ranks);
        res.put("mb_per_rank", mb);
        res.put("group_size", groupSize);
        res.put("reps", reps);
        res.put("rows", rows);
        Files.createDirectories(json.toAbsolutePath().getParent());
        Files.writeString(json, Json.write(res));
        List<String> cats = new ArrayList<>();
        for (int h : hostCounts) {
            if (ranks % h == 0) {
                cats.add(h + " host(s) × " + ranks / h);
            }
        }
        LinkedHashMap<String, double[]> series = new LinkedHashMap<>();
        for (String scheme : schemes.split(",")) {
            double[] v = rows.stream().filter(r -> r.get("scheme").equals(scheme))
                    .mapToDouble(r -> ((Number) r.get("persisted_ms_median")).doubleValue()).toArray();
            series.put(scheme, v);
        }
        BarCharts.bars(png, "Time until persisted, " + ranks + " ranks × " + mb + " MiB, groups of " + groupSize
                + " (median of " + reps + ")", "ms", cats, series, "0");
        System.out.println("results: " + json + ", " + png);
        return 0;
    }
}
