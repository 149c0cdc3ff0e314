package io.veloc4j.bench;

import io.veloc4j.levels.ElementType;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.codec.CodecKind;
import io.veloc4j.levels.grouping.BenefitEstimator;
import io.veloc4j.levels.grouping.Clustering;
import io.veloc4j.levels.persistent.Encoding;
import io.veloc4j.levels.persistent.Scheme;
import io.veloc4j.levels.scratch.RankFileInfo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * {@code ./veloc4j bench clustering}: how many bytes the persistent level stores when the ranks of
 * one node are grouped rank-wise (consecutive ranks), at random (several seeded shuffles), or by
 * the engine's clustering ({@code BenefitEstimator.defaults().estimate} over the rank files, then
 * {@code Clustering.partition}). Two data sets: a synthetic one (odd ranks write zeros, even ranks
 * an int32 array of (rank, 1234567) repeated: rank-wise groups mix the two kinds, a good clustering
 * separates them), and optionally the N-rank slabs of a real data directory (as in the compression
 * bench). Every grouping is written with agnostic (zstd) and aware-block (auto) through the
 * engine's AggregateWriter, and read back bit-exact ({@link GroupRun}).
 */
public final class ClusteringBench {

    record Options(Path data, int ranks, int syntheticRanks, List<Integer> syntheticKib, List<Integer> groupSizes, int seeds,
                   int level, Path json, Path out, Path tmp) {
    }

    /** The two encodings compared. */
    static final List<Encoding> ENCODINGS = List.of(
            new Encoding(Scheme.AGNOSTIC, CodecKind.ZSTD, Encoding.DEFAULT_BLOCK_SIZE, 1),
            new Encoding(Scheme.AWARE_BLOCK, null, Encoding.DEFAULT_BLOCK_SIZE, 1));

    private ClusteringBench() {
    }

    static String usage() {
        return """
                usage: ./veloc4j bench clustering [--data DIR] [--ranks 16] [--synthetic-ranks 32] [--synthetic-kib 1024,16384]
                                                  [--group-sizes 4,8] [--seeds 5] [--level 1] [--json FILE] [--out DIR]
                                                  [--tmp DIR]
                Stored bytes of the ranks of one node grouped three ways: rank-wise (ranks 0..G-1, G..2G-1, ...),
                random (--seeds seeded shuffles, then consecutive; median, min, max), and cluster (the engine's
                BenefitEstimator.defaults().estimate(rank files) -> Clustering.partition(benefit, G)). Each grouping
                is written with agnostic (zstd) and aware-block (auto) through the engine's AggregateWriter and read
                back bit-exact. Data sets: synthetic (odd ranks write zeros, even ranks an int32 array of
                (rank, 1234567) repeated), and the real arrays of --data split over --ranks ranks as in
                ./veloc4j bench compression (skipped without --data).
                  --data DIR           a directory written by fetch-real-data.sh DIR (optional)
                  --ranks N            ranks for the real data set (default 16)
                  --synthetic-ranks N  ranks of the synthetic set (default 32)
                  --synthetic-kib LIST KiB per synthetic rank, one synthetic set per size (default 1024,16384:
                                       the whole set compresses to a few KB, so at 1 MiB per rank the
                                       per-group index and headers are most of what is stored)
                  --group-sizes LIST   group sizes, comma-separated (default 4,8)
                  --seeds S            random groupings per group size (default 5)
                  --level L            zstd level (default 1)
                  --json FILE          rows (default <out>/clustering.json)
                  --out DIR            where the JSON, clustering.png and README-clustering.md go (default bench/results)
                  --tmp DIR            where rank files and aggregates go (default /dev/shm if present; removed afterwards)
                """;
    }

    static int main(String[] argv) throws Exception {
        Options o;
        try {
            Args a = new Args("bench clustering", argv);
            if (a.flag("--help") || a.flag("-h")) {
                System.out.print(usage());
                return 0;
            }
            Path out = a.pathOpt("--out", BenchMain.resultsDir());
            List<Integer> sizes = a.intsOpt("--group-sizes", "4,8");
            List<Integer> kibs = a.intsOpt("--synthetic-kib", "1024,16384");
            o = new Options(a.pathOpt("--data", null), a.intOpt("--ranks", 16), a.intOpt("--synthetic-ranks", 32),
                    kibs, sizes, a.intOpt("--seeds", 5), a.intOpt("--level", 1),
                    a.pathOpt("--json", out.resolve("clustering.json")), out, a.pathOpt("--tmp", null));
            a.done();
            if (o.ranks < 1 || o.syntheticRanks < 1 || kibs.stream().anyMatch(k -> k < 1 || k > (1 << 19)) || o.seeds < 1
                    || sizes.stream().anyMatch(g -> g < 1)) {
                throw new IllegalArgumentException("bench clustering: --ranks, --synthetic-ranks, --seeds and the group sizes "
                        + "must be at least 1, and --synthetic-kib sizes 1 to 524288");
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(usage());
            return 2;
        }
        return run(o, String.join(" ", argv));
    }

    /** "1 MiB" for 1024, "512 KiB" for 512. */
    static String size(int kib) {
        return kib % 1024 == 0 ? kib / 1024 + " MiB" : kib + " KiB";
    }

    /** The synthetic set: rank r holds one int32 variable "data"; zeros if r is odd, (r, 1234567) repeated if even. */
    static List<List<RealData.Slab>> synthetic(int ranks, int kib) {
        List<List<RealData.Slab>> perRank = new ArrayList<>();
        int ints = kib * 256;
        for (int r = 0; r < ranks; r++) {
            ByteBuffer b = ByteBuffer.allocate(ints * 4).order(ByteOrder.LITTLE_ENDIAN);
            if (r % 2 == 0) {
                for (int i = 0; i < ints; i++) {
                    b.putInt(i % 2 == 0 ? r : 1234567);
                }
            }
            perRank.add(List.of(new RealData.Slab("data", ElementType.INT32, new long[] {ints}, b.clear())));
        }
        return perRank;
    }

    static int run(Options o, String argLine) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        boolean failed = false;
        Path work = RankFiles.scratch(o.tmp, "veloc4j-clustering-");
        try (GroupRun runner = new GroupRun(o.level, true)) {
            for (int kib : o.syntheticKib) {
                System.out.printf("clustering: synthetic set: %d ranks x %s (odd: zeros, even: (rank, 1234567) int32)%n",
                        o.syntheticRanks, size(kib));
                failed |= dataset(o, runner, work.resolve("synthetic-" + kib), "synthetic " + size(kib),
                        synthetic(o.syntheticRanks, kib), rows, notes);
            }
            if (o.data == null) {
                String why = "no --data DIR given (write one with fetch-real-data.sh DIR)";
                System.out.println("clustering: real-data set skipped: " + why);
                rows.add(skipped("real", why));
            } else {
                List<List<RealData.Slab>> perRank = null;
                try {
                    perRank = RealData.load(o.data, o.ranks);
                } catch (IOException e) {
                    System.out.println("clustering: real-data set skipped: " + e.getMessage());
                    rows.add(skipped("real", e.getMessage()));
                }
                if (perRank != null) {
                    System.out.printf("clustering: real set: %s split over %d ranks%n", o.data, o.ranks);
                    failed |= dataset(o, runner, work.resolve("real"), "real", perRank, rows, notes);
                }
            }
        } finally {
            Demo.deleteTree(work);
        }

        System.out.println();
        System.out.print(table(rows, false));
        notes.forEach(n -> System.out.println("clustering: " + n));
        Files.createDirectories(o.json.toAbsolutePath().getParent());
        Files.writeString(o.json, Json.write(rows));
        System.out.println("clustering: rows in " + o.json);
        Path png = o.out.resolve("clustering.png");
        plot(rows, png);
        Path readme = o.out.resolve("README-clustering.md");
        Files.createDirectories(o.out);
        Files.writeString(readme, readme(o, argLine, rows, notes));
        System.out.println("clustering: README in " + readme);
        return failed ? 1 : 0;
    }

    private static Map<String, Object> skipped(String dataset, String why) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dataset", dataset);
        m.put("status", "skipped");
        m.put("skipped", why);
        return m;
    }

    /** Writes one data set's rank files, groups them every way, adds rows; returns whether anything failed. */
    private static boolean dataset(Options o, GroupRun runner, Path dir, String name, List<List<RealData.Slab>> perRank,
                                   List<Map<String, Object>> rows, List<String> notes) throws IOException, LevelException {
        List<RankFileInfo> files = RankFiles.write(dir.resolve("ranks"), "clustering", perRank);
        int n = files.size();
        long raw = files.stream().mapToLong(RankFileInfo::bytes).sum();
        long t0 = System.nanoTime();
        double[][] benefit;
        try {
            benefit = BenefitEstimator.defaults().estimate(files.stream().map(RankFileInfo::path).toList());
        } catch (LevelException | RuntimeException e) {
            System.out.println("clustering: " + name + ": BenefitEstimator failed: " + e);
            Map<String, Object> m = skipped(name, "BenefitEstimator failed: " + e);
            m.put("status", "failed");
            rows.add(m);
            return true;
        }
        double estimateMs = (System.nanoTime() - t0) / 1e6;
        System.out.printf("clustering: %s: %d rank files, %,d B; benefit matrix estimated in %.1f ms%n", name, n, raw, estimateMs);
        boolean failed = false;
        for (int g : o.groupSizes) {
            Map<String, List<int[]>> groupings = new LinkedHashMap<>();
            groupings.put("rank-wise", CompressionBench.consecutive(n, g));
            List<List<int[]>> randoms = new ArrayList<>();
            for (int s = 1; s <= o.seeds; s++) {
                randoms.add(random(n, g, s));
            }
            List<int[]> cluster = null;
            String clusterError = null;
            try {
                long c0 = System.nanoTime();
                cluster = Clustering.partition(benefit, g);
                double ms = (System.nanoTime() - c0) / 1e6;
                clusterError = checkPartition(cluster, n, g);
                System.out.printf("clustering: %s G=%d: cluster partition in %.1f ms: %s%n", name, g, ms, describe(cluster));
                if (clusterError == null && same(cluster, groupings.get("rank-wise"))) {
                    notes.add(name + " G=" + g + ": the cluster partition is the rank-wise one (no grouping with more benefit found)");
                }
            } catch (RuntimeException e) {
                clusterError = "Clustering.partition failed: " + e;
            }
            if (clusterError != null) {
                System.out.println("clustering: " + name + " G=" + g + ": " + clusterError);
                failed = true;
            }
            for (Encoding base : ENCODINGS) {
                Encoding e = new Encoding(base.scheme(), base.codec(), base.blockSize(), o.level);
                Map<String, Object> common = new LinkedHashMap<>();
                common.put("dataset", name);
                common.put("ranks", n);
                common.put("group_size", g);
                common.put("scheme", e.scheme().label());
                common.put("codec", e.codecLabel());
                common.put("raw_bytes", raw);
                try {
                    long rankWise = runner.run(dir, e, groupings.get("rank-wise"), files).storedBytes();
                    rows.add(row(common, "rank-wise", rankWise, raw, rankWise));

                    long[] rnd = new long[randoms.size()];
                    for (int s = 0; s < rnd.length; s++) {
                        rnd[s] = runner.run(dir, e, randoms.get(s), files).storedBytes();
                    }
                    double[] rd = Arrays.stream(rnd).asDoubleStream().toArray();
                    long med = Math.round(CheckpointLatencyBench.median(rd));
                    Map<String, Object> r = row(common, "random", med, raw, rankWise);
                    r.put("stored_bytes_min", Arrays.stream(rnd).min().orElse(0));
                    r.put("stored_bytes_max", Arrays.stream(rnd).max().orElse(0));
                    r.put("stored_bytes_all", rnd);
                    r.put("seeds", o.seeds);
                    rows.add(r);

                    if (clusterError == null) {
                        long cl = runner.run(dir, e, cluster, files).storedBytes();
                        Map<String, Object> c = row(common, "cluster", cl, raw, rankWise);
                        c.put("estimate_ms", CompressionBench.round(estimateMs, 2));
                        c.put("groups", cluster.stream().map(x -> Arrays.stream(x).boxed().toList()).toList());
                        rows.add(c);
                    } else {
                        Map<String, Object> c = new LinkedHashMap<>(common);
                        c.put("grouping", "cluster");
                        c.put("status", "failed");
                        c.put("note", clusterError);
                        rows.add(c);
                    }
                } catch (LevelException | IOException | RuntimeException x) {
                    Map<String, Object> c = new LinkedHashMap<>(common);
                    c.put("status", "failed");
                    c.put("note", String.valueOf(x));
                    rows.add(c);
                    System.out.println("clustering: " + name + " G=" + g + " " + e.scheme().label() + ": FAILED: " + x);
                    failed = true;
                }
            }
        }
        return failed;
    }

    private static Map<String, Object> row(Map<String, Object> common, String grouping, long stored, long raw, long rankWise) {
        Map<String, Object> m = new LinkedHashMap<>(common);
        m.put("grouping", grouping);
        m.put("status", "ok");
        m.put("stored_bytes", stored);
        m.put("ratio", CompressionBench.round((double) raw / stored, 4));
        m.put("saving_vs_rank_wise_pct", CompressionBench.round(100.0 * (rankWise - stored) / rankWise, 2));
        return m;
    }

    /** A seeded shuffle of 0..n-1 cut into consecutive groups of G. */
    static List<int[]> random(int n, int g, long seed) {
        List<Integer> perm = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            perm.add(i);
        }
        Collections.shuffle(perm, new Random(seed));
        List<int[]> groups = new ArrayList<>();
        for (int[] idx : CompressionBench.consecutive(n, g)) {
            groups.add(Arrays.stream(idx).map(perm::get).toArray());
        }
        return groups;
    }

    /** Null if {@code p} is ceil(n/G) groups of at most G covering 0..n-1 once each; else what is wrong. */
    static String checkPartition(List<int[]> p, int n, int g) {
        int want = (n + g - 1) / g;
        if (p == null || p.size() != want) {
            return "Clustering.partition returned " + (p == null ? "null" : p.size() + " groups") + ", expected " + want;
        }
        boolean[] seen = new boolean[n];
        for (int[] grp : p) {
            if (grp.length == 0 || grp.length > g) {
                return "Clustering.partition returned a group of " + grp.length + " (G=" + g + "): " + Arrays.toString(grp);
            }
            for (int i : grp) {
                if (i < 0 || i >= n || seen[i]) {
                    return "Clustering.partition: index " + i + (i < 0 || i >= n ? " out of range" : " in two groups");
                }
                seen[i] = true;
            }
        }
        return null;
    }

    private static boolean same(List<int[]> a, List<int[]> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            int[] x = a.get(i).clone();
            int[] y = b.get(i).clone();
            Arrays.sort(x);
            Arrays.sort(y);
            if (!Arrays.equals(x, y)) {
                return false;
            }
        }
        return true;
    }

    private static String describe(List<int[]> groups) {
        StringBuilder b = new StringBuilder();
        for (int[] g : groups) {
            b.append(b.length() == 0 ? "" : " ").append(Arrays.toString(g).replace(" ", ""));
        }
        return b.toString();
    }

    // ----------------------------------------------------------------------------- output

    /** One line per data set × G × encoding: rank-wise, random median [min..max], cluster, cluster vs rank-wise. */
    static String table(List<Map<String, Object>> rows, boolean markdown) {
        StringBuilder b = new StringBuilder();
        if (markdown) {
            b.append("| data set | ranks | G | scheme / codec | rank-wise B | random B: median [min … max] | cluster B "
                    + "| cluster saves vs rank-wise |\n|---|---:|---:|---|---:|---:|---:|---:|\n");
        } else {
            b.append(String.format("%-16s %5s %3s %-19s %14s %36s %14s %21s%n", "data set", "ranks", "G", "scheme / codec",
                    "rank-wise B", "random B: median [min .. max]", "cluster B", "cluster saves"));
        }
        Map<String, Map<String, Map<String, Object>>> lines = new LinkedHashMap<>();
        for (Map<String, Object> r : rows) {
            if (!r.containsKey("group_size")) {
                String s = String.format("%-16s %s: %s%n", r.get("dataset"), r.get("status"), r.get("skipped") != null
                        ? r.get("skipped") : r.get("note"));
                b.append(markdown ? "| " + r.get("dataset") + " | | | " + r.get("status") + ": "
                        + (r.get("skipped") != null ? r.get("skipped") : r.get("note")) + " | | | | |\n" : s);
                continue;
            }
            String key = r.get("dataset") + "|" + r.get("ranks") + "|" + r.get("group_size") + "|" + r.get("scheme") + " / "
                    + r.get("codec");
            lines.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(String.valueOf(r.get("grouping")), r);
        }
        for (Map.Entry<String, Map<String, Map<String, Object>>> e : lines.entrySet()) {
            String[] k = e.getKey().split("\\|");
            Map<String, Object> rw = e.getValue().get("rank-wise");
            Map<String, Object> rd = e.getValue().get("random");
            Map<String, Object> cl = e.getValue().get("cluster");
            String rws = bytes(rw, "stored_bytes");
            String rds = ok(rd) ? String.format(Locale.ROOT, "%,d [%,d .. %,d]", num(rd, "stored_bytes"),
                    num(rd, "stored_bytes_min"), num(rd, "stored_bytes_max")) : status(rd, e.getValue());
            String cls = ok(cl) ? bytes(cl, "stored_bytes") : status(cl, e.getValue());
            String saving = ok(cl) ? String.format(Locale.ROOT, "%+.2f%%", ((Number) cl.get("saving_vs_rank_wise_pct"))
                    .doubleValue()) : "-";
            if (markdown) {
                b.append("| ").append(String.join(" | ", k[0], k[1], k[2], k[3], rws, rds.replace("..", "…"), cls, saving))
                        .append(" |\n");
            } else {
                b.append(String.format("%-16s %5s %3s %-19s %14s %36s %14s %21s%n", k[0], k[1], k[2], k[3], rws, rds, cls, saving));
            }
        }
        return b.toString();
    }

    private static boolean ok(Map<String, Object> r) {
        return r != null && "ok".equals(r.get("status"));
    }

    private static String status(Map<String, Object> r, Map<String, Map<String, Object>> line) {
        if (r != null) {
            return String.valueOf(r.get("status"));
        }
        return line.values().stream().anyMatch(x -> !ok(x)) ? "failed" : "-";
    }

    private static long num(Map<String, Object> r, String key) {
        return ((Number) r.get(key)).longValue();
    }

    private static String bytes(Map<String, Object> r, String key) {
        return ok(r) ? String.format(Locale.ROOT, "%,d", num(r, key)) : r == null ? "failed" : String.valueOf(r.get("status"));
    }

    /** Stored bytes of each grouping as % of rank-wise (the data sets' ratios differ by orders of magnitude). */
    private static void plot(List<Map<String, Object>> rows, Path png) {
        List<String> cats = new ArrayList<>();
        Map<String, Map<String, Double>> byCat = new LinkedHashMap<>();
        for (Map<String, Object> r : rows) {
            if (!r.containsKey("group_size") || !ok(r)) {
                continue;
            }
            String cat = r.get("dataset") + " G=" + r.get("group_size") + " " + r.get("scheme") + "/" + r.get("codec");
            if (!byCat.containsKey(cat)) {
                cats.add(cat);
            }
            double saving = ((Number) r.get("saving_vs_rank_wise_pct")).doubleValue();
            byCat.computeIfAbsent(cat, k -> new LinkedHashMap<>()).put((String) r.get("grouping"), 100 - saving);
        }
        LinkedHashMap<String, double[]> series = new LinkedHashMap<>();
        for (String grouping : List.of("rank-wise", "random", "cluster")) {
            double[] v = new double[cats.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = byCat.get(cats.get(i)).getOrDefault(grouping, Double.NaN);
            }
            series.put(grouping.equals("random") ? "random (median)" : grouping, v);
        }
        try {
            BarCharts.bars(png, "Stored bytes by grouping, % of rank-wise (lower = fewer bytes)", "stored bytes, % of rank-wise",
                    cats, series, "0.0");
            System.out.println("clustering: plot in " + png);
        } catch (IOException | RuntimeException | Error e) {
            System.err.println("clustering: cannot write the plot " + png + ": " + e);
        }
    }

    private static String readme(Options o, String argLine, List<Map<String, Object>> rows, List<String> notes) {
        Map<String, Object> machine = FlushBench.machine(FlushBench.loadAverage(), FlushBench.loadAverage());
        StringBuilder b = new StringBuilder();
        b.append("### Clustering: rank-wise vs. random vs. clustered groups\n\n");
        b.append("Generated by the benchmark on every run; do not edit by hand.\n\n");
        b.append("    ./veloc4j bench clustering").append(argLine.isEmpty() ? "" : " " + argLine).append("\n\n");
        b.append(table(rows, true)).append('\n');
        b.append("How it is measured:\n");
        b.append("- All ranks are on one node. Groupings: **rank-wise** = ranks 0..G-1, G..2G-1, …; **random** = ").append(o.seeds)
                .append(" seeded shuffles (seeds 1..").append(o.seeds).append(") cut into consecutive groups, reported as median "
                        + "[min … max]; **cluster** = `BenefitEstimator.defaults().estimate(rank files)` → "
                        + "`Clustering.partition(benefit, G)`.\n");
        b.append("- Every grouping is written with `AggregateWriter` (agnostic with zstd, aware-block with auto; zstd level ")
                .append(o.level).append("; a new writer per grouping, so no codec choice is remembered from another grouping) and every "
                        + "rank is read back and compared byte for byte. Stored bytes = the sum of the "
                        + "group files. \"Cluster saves\" = (rank-wise − cluster) / rank-wise; positive means clustering "
                        + "stored less.\n");
        b.append("- Synthetic sets: ").append(o.syntheticRanks).append(" ranks × ")
                .append(String.join(" or ", o.syntheticKib.stream().map(ClusteringBench::size).toList()))
                .append(", one int32 variable; odd ranks write zeros, even ranks (rank, 1234567) repeated. The whole set "
                        + "compresses by three orders of magnitude, so what a grouping saves competes with what every group "
                        + "file costs anyway (its index, the rank files' headers, the footer): at small sizes that fixed part "
                        + "dominates.\n");
        b.append("- Real set: ").append(o.data == null ? "not run (no `--data`)" : "`" + o.data + "` split over " + o.ranks
                + " ranks as in `bench compression` (see README-compression.md)").append(".\n");
        for (String n : notes) {
            b.append("- Note: ").append(n).append(".\n");
        }
        for (Map<String, Object> r : rows) {
            if ("cluster".equals(r.get("grouping")) && ok(r) && "agnostic".equals(r.get("scheme"))) {
                b.append("- Cluster groups, ").append(r.get("dataset")).append(" G=").append(r.get("group_size")).append(": `")
                        .append(r.get("groups")).append("`\n");
            }
        }
        b.append("\nMachine: ").append(machine.get("nproc")).append(" cores, ").append(machine.get("cpu")).append(", ")
                .append(machine.get("java")).append("; ").append(machine.get("date")).append(".\n");
        b.append("\nFiles: `").append(o.json.getFileName()).append("` (rows), `clustering.png`.\n");
        return b.toString();
    }
}
