package io.veloc4j.bench;

import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.Region;
import io.veloc4j.levels.erasure.DataStream;
import io.veloc4j.levels.erasure.ErasureSet;
import io.veloc4j.levels.erasure.GF256;
import io.veloc4j.levels.erasure.LocalEncoding;
import io.veloc4j.levels.erasure.LocalSymbolSource;
import io.veloc4j.levels.erasure.Member;
import io.veloc4j.levels.erasure.Rebuild;
import io.veloc4j.levels.erasure.ReedSolomon;
import io.veloc4j.levels.scratch.RankFileWriter;
import io.veloc4j.levels.scratch.ScratchLevel;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * {@code ./veloc4j bench erasure}: encode and decode throughput per core of the erasure level's
 * Reed-Solomon code for (set size, parity) = (4, 1), (4, 2), (8, 2), (16, 4), next to a memcpy of
 * the same bytes in the same run; then the same sets through the files: protecting a version
 * (every member's contributions and every parity file, {@link LocalEncoding}) and rebuilding m
 * lost members ({@link Rebuild}), next to a plain copy of the same rank files. One thread does
 * all the work; MB/s per core = data MB (10^6 B) / CPU seconds of that thread, median of the
 * reps, rows interleaved within each rep.
 */
public final class ErasureBench {

    /** RS(4+2) encode, per core of data. */
    static final double TARGET_ENCODE_MBPS = 1000;

    private static final int[][] CODES = {{4, 1}, {4, 2}, {8, 2}, {16, 4}};

    record Options(int mb, int fileMb, int reps, int stripe, Path out, Path json, Path tmp, boolean files) {
    }

    /** One measured row: its CPU and wall seconds per rep, and the bytes one rep processes. */
    static final class Row {
        final String code;
        final String op;
        final long bytes;
        final List<Double> cpu = new ArrayList<>();
        final List<Double> wall = new ArrayList<>();

        Row(String code, String op, long bytes) {
            this.code = code;
            this.op = op;
            this.bytes = bytes;
        }

        double mbps() {
            double s = CheckpointLatencyBench.median(cpu.stream().mapToDouble(Double::doubleValue).toArray());
            return bytes / 1e6 / s;
        }
    }

    /** What one row does once; returns nothing, is timed from outside. */
    @FunctionalInterface
    interface Work {
        void run() throws Exception;
    }

    private ErasureBench() {
    }

    static String usage() {
        return """
                usage: ./veloc4j bench erasure [--mb 64] [--file-mb 16] [--reps 5] [--stripe 262144] [--no-files]
                                               [--out DIR] [--json FILE] [--tmp DIR]
                Throughput per core of the erasure level for (set size, parity) = (4,1) (4,2) (8,2) (16,4), one thread:
                  memcpy         System.arraycopy of the codeword's data (k data pieces, --mb MiB in all): the reference
                  encode         the m parity pieces from the k data pieces (ReedSolomon.encode, stripes of --stripe B,
                                 the bit-sliced long kernel)
                  encode-table   the same with the 256-entry product table kernel (GF256.mulAdd on bytes)
                  decode         m lost data pieces from the k - m others and the m parity pieces (worst case)
                  protect-files  a set of n nodes, one rank file of --file-mb MiB each on --tmp: every contribution and
                                 every parity file of the version (LocalEncoding: read, CRC, code, write, fsync)
                  rebuild-files  m of those nodes lost: their rank files rebuilt (Rebuild, every stripe's CRC checked)
                  copy-files     Files.copy of the same rank files: the file reference
                MB/s per core = data bytes (10^6 B) / CPU seconds of the thread (median of --reps reps after a warm-up
                rep; rows interleaved in each rep). rebuild-files counts the rebuilt bytes. JSON, erasure.png (memory),
                erasure-files.png and README-erasure.md go to --out (default bench/results); --tmp defaults to /dev/shm.

                usage: ./veloc4j bench erasure --hosts 8 [--mb 64] [--reps 3] [--set-size 4] [--parity 2] [--heat-mb 16] [--no-heat]
                The engine's erasure level on a virtual cluster of one rank per simulated host (needs root), per rep:
                time to protect a version of N ranks x --mb MiB (checkpoint return until every host holds its parity),
                restart after losing 2 hosts of a set rebuilt from the set vs. the same loss restored from persistent
                storage, and heatdis' step loop with ec_interval -1 vs 0. bench/results/erasure-hosts.json and .png.
                """;
    }

    static int main(String[] argv) throws Exception {
        Options o;
        try {
            Args a = new Args("bench erasure", argv);
            if (a.flag("--help") || a.flag("-h")) {
                System.out.print(usage());
                return 0;
            }
            if (java.util.Arrays.asList(argv).contains("--hosts")) {
                return ErasureClusterBench.main(a); // the engine's erasure level on a virtual cluster
            }
            Path out = a.pathOpt("--out", BenchMain.resultsDir());
            boolean noFiles = a.flag("--no-files");
            o = new Options(a.intOpt("--mb", 64), a.intOpt("--file-mb", 16), a.intOpt("--reps", 5),
                    a.intOpt("--stripe", ErasureSet.DEFAULT_STRIPE), out, a.pathOpt("--json", out.resolve("erasure.json")),
                    a.pathOpt("--tmp", null), !noFiles);
            a.done();
            if (o.mb < 1 || o.fileMb < 1 || o.reps < 1 || o.stripe < 8 || o.stripe % 8 != 0) {
                throw new IllegalArgumentException("bench erasure: --mb, --file-mb, --reps ≥ 1, --stripe a multiple of 8");
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(usage());
            return 2;
        }
        return run(o, String.join(" ", argv));
    }

    static int run(Options o, String argLine) throws Exception {
        Path work = RankFiles.scratch(o.tmp, "veloc4j-erasure-");
        try {
            List<Row> rows = new ArrayList<>();
            List<Work> works = new ArrayList<>();
            for (int[] nm : CODES) {
                InMemory mem = new InMemory(nm[0], nm[1], (long) o.mb << 20, o.stripe);
                String code = "(" + nm[0] + "," + nm[1] + ")";
                add(rows, works, new Row(code, "memcpy", mem.dataBytes()), mem::memcpy);
                add(rows, works, new Row(code, "encode", mem.dataBytes()), mem::encode);
                add(rows, works, new Row(code, "encode-table", mem.dataBytes()), mem::encodeWithTables);
                add(rows, works, new Row(code, "decode", mem.dataBytes()), mem::decode);
                if (o.files) {
                    OnFiles f = new OnFiles(work.resolve("set-" + nm[0] + "-" + nm[1]), nm[0], nm[1], (long) o.fileMb << 20,
                            o.stripe);
                    add(rows, works, new Row(code, "copy-files", f.dataBytes()), f::copy);
                    add(rows, works, new Row(code, "protect-files", f.dataBytes()), f::protect);
                    add(rows, works, new Row(code, "rebuild-files", f.rebuiltBytes()), f::rebuild);
                }
            }
            System.out.printf("erasure: %d MiB of data per code in memory, %d MiB per node on %s, stripes of %d B, %d reps%n",
                    o.mb, o.fileMb, work, o.stripe, o.reps);
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            for (int rep = -1; rep < o.reps; rep++) { // rep -1 warms up the JIT and the page cache
                for (int i = 0; i < rows.size(); i++) {
                    long c0 = threads.getCurrentThreadCpuTime();
                    long w0 = System.nanoTime();
                    works.get(i).run();
                    double cpu = (threads.getCurrentThreadCpuTime() - c0) / 1e9;
                    double wall = (System.nanoTime() - w0) / 1e9;
                    if (rep >= 0) {
                        rows.get(i).cpu.add(cpu);
                        rows.get(i).wall.add(wall);
                    }
                }
                System.out.printf("erasure: rep %d done%n", rep + 1);
            }
            report(o, argLine, rows);
            return 0;
        } finally {
            Demo.deleteTree(work);
        }
    }

    private static void add(List<Row> rows, List<Work> works, Row row, Work work) {
        rows.add(row);
        works.add(work);
    }

    /** One codeword's symbols in memory, stripe by stripe: data[t][s], parity[t][j]. */
    static final class InMemory {
        final int k;
        final int m;
        final ReedSolomon code;
        final int words;
        final long[][][] data;
        final long[][][] parity;
        final long[][][] copy;
        final byte[][][] dataBytes;
        final byte[][][] parityBytes;
        final long[][] decoded;
        final int[] present;
        final int[] wanted;

        InMemory(int n, int m, long bytes, int stripe) {
            this.k = n - m;
            this.m = m;
            this.code = new ReedSolomon(k, m);
            this.words = stripe / 8;
            int stripes = (int) Math.max(1, bytes / ((long) k * stripe));
            Random r = new Random(n * 31L + m);
            data = new long[stripes][k][words];
            parity = new long[stripes][m][words];
            copy = new long[stripes][k][words];
            dataBytes = new byte[stripes][k][stripe];
            parityBytes = new byte[stripes][m][stripe];
            for (int t = 0; t < stripes; t++) {
                for (int s = 0; s < k; s++) {
                    for (int i = 0; i < words; i++) {
                        data[t][s][i] = r.nextLong();
                    }
                    r.nextBytes(dataBytes[t][s]);
                }
            }
            decoded = new long[m][words];
            present = new int[k]; // data symbols m..k-1, then every parity symbol
            for (int i = 0; i < k; i++) {
                present[i] = i < k - m ? m + i : k + (i - (k - m));
            }
            wanted = new int[m];
            for (int i = 0; i < m; i++) {
                wanted[i] = i;
            }
            encode(); // decode needs parity
        }

        long dataBytes() {
            return (long) data.length * k * words * 8;
        }

        void memcpy() {
            for (int t = 0; t < data.length; t++) {
                for (int s = 0; s < k; s++) {
                    System.arraycopy(data[t][s], 0, copy[t][s], 0, words);
                }
            }
        }

        void encode() {
            for (int t = 0; t < data.length; t++) {
                code.encode(data[t], parity[t], words);
            }
        }

        /** The same products, one table lookup per byte. */
        void encodeWithTables() {
            int length = words * 8;
            for (int t = 0; t < dataBytes.length; t++) {
                for (int j = 0; j < m; j++) {
                    byte[] p = parityBytes[t][j];
                    java.util.Arrays.fill(p, (byte) 0);
                    for (int s = 0; s < k; s++) {
                        GF256.mulAdd(code.coefficient(j, s), dataBytes[t][s], 0, p, 0, length);
                    }
                }
            }
        }

        void decode() {
            long[][] in = new long[k][];
            for (int t = 0; t < data.length; t++) {
                for (int i = 0; i < k; i++) {
                    in[i] = present[i] < k ? data[t][present[i]] : parity[t][present[i] - k];
                }
                code.decode(present, in, wanted, decoded, words);
            }
            for (int i = 0; i < m; i++) { // the last stripe, checked: a benchmark of a wrong decoder is worthless
                if (!java.util.Arrays.equals(decoded[i], data[data.length - 1][i])) {
                    throw new IllegalStateException("decoded data piece " + i + " differs");
                }
            }
        }
    }

    /** n nodes as directories with one rank file each, encoded as one set on --tmp. */
    static final class OnFiles {
        final Path root;
        final int m;
        final ErasureSet set;
        final Map<Integer, Path> dirs = new HashMap<>();
        int round;

        OnFiles(Path root, int n, int m, long bytesPerNode, int stripe) throws LevelException, IOException {
            this.root = root;
            this.m = m;
            List<Member> members = new ArrayList<>();
            Random r = new Random(n * 7L + m);
            for (int node = 0; node < n; node++) {
                long[] a = new long[(int) (bytesPerNode / 8)];
                for (int i = 0; i < a.length; i++) {
                    a[i] = r.nextLong();
                }
                ScratchLevel level = new ScratchLevel(root.resolve("node-" + node), node, n, true, false, 1);
                level.write("bench", 1, List.of(new RankFileWriter.Entry(0, "a", new long[] {a.length}, Region.of(a))));
                Path dir = level.versionDir("bench", 1);
                dirs.put(node, dir);
                try (DataStream s = DataStream.open(dir, "bench", 1, new int[] {node})) {
                    members.add(new Member(node, "node-" + node, s.ranks()));
                }
            }
            set = new ErasureSet("bench", 1, 1, 0, m, stripe, members);
            protect();
        }

        long dataBytes() {
            return set.members().stream().mapToLong(Member::dataLength).sum();
        }

        long rebuiltBytes() {
            long b = 0;
            for (int i = 0; i < m; i++) {
                b += set.member(i).dataLength();
            }
            return b;
        }

        void copy() throws IOException {
            for (int i = 0; i < set.size(); i++) {
                Path from = dirs.get(i).resolve(ScratchLevel.fileName(i));
                Files.copy(from, root.resolve("copy-" + i), StandardCopyOption.REPLACE_EXISTING);
            }
        }

        void protect() throws LevelException {
            LocalEncoding.encode(set, dirs);
        }

        /** Members 0..m-1 lost: each rebuilt from the others into a fresh directory. */
        void rebuild() throws Exception {
            Set<Integer> lost = new java.util.HashSet<>();
            Map<Integer, Path> alive = new HashMap<>(dirs);
            for (int i = 0; i < m; i++) {
                lost.add(i);
                alive.remove(i);
            }
            Path target = root.resolve("rebuilt-" + (round++ % 2));
            try (LocalSymbolSource source = new LocalSymbolSource(set, alive)) {
                for (int i : lost) {
                    Rebuild.rebuild(set, i, lost, source, target.resolve("node-" + i), false);
                }
            }
        }
    }

    private static void report(Options o, String argLine, List<Row> rows) throws IOException {
        Map<String, Double> memcpy = new HashMap<>();
        Map<String, Double> copyFiles = new HashMap<>();
        for (Row r : rows) {
            if (r.op.equals("memcpy")) {
                memcpy.put(r.code, r.mbps());
            } else if (r.op.equals("copy-files")) {
                copyFiles.put(r.code, r.mbps());
            }
        }
        System.out.printf("%-8s %-14s %12s %10s %12s%n", "code", "op", "MB/s/core", "vs memcpy", "vs copy-files");
        List<Map<String, Object>> json = new ArrayList<>();
        for (Row r : rows) {
            double v = r.mbps();
            double vsMem = v / memcpy.get(r.code);
            Double files = copyFiles.get(r.code);
            double vsFiles = r.op.endsWith("-files") && files != null ? v / files : Double.NaN;
            System.out.printf(Locale.ROOT, "%-8s %-14s %12.0f %10.3f %12s%n", r.code, r.op, v, vsMem,
                    Double.isNaN(vsFiles) ? "-" : String.format(Locale.ROOT, "%.3f", vsFiles));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("code", r.code);
            m.put("op", r.op);
            m.put("MBps_per_core", round(v, 1));
            m.put("vs_memcpy", round(vsMem, 4));
            m.put("vs_copy_files", Double.isNaN(vsFiles) ? null : round(vsFiles, 4));
            m.put("bytes", r.bytes);
            m.put("cpu_s", r.cpu.stream().map(x -> round(x, 5)).toList());
            m.put("wall_s", r.wall.stream().map(x -> round(x, 5)).toList());
            json.add(m);
        }
        double target = rows.stream().filter(r -> r.code.equals("(4,2)") && r.op.equals("encode")).findFirst()
                .map(Row::mbps).orElse(Double.NaN);
        System.out.printf(Locale.ROOT, "RS(4+2) encode: %.0f MB/s per core of data (target >= %.0f: %s)%n", target,
                TARGET_ENCODE_MBPS, target >= TARGET_ENCODE_MBPS ? "met" : "NOT met");
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("command", "./veloc4j bench erasure " + argLine);
        doc.put("mb", o.mb);
        doc.put("file_mb", o.fileMb);
        doc.put("reps", o.reps);
        doc.put("stripe", o.stripe);
        doc.put("rows", json);
        Files.createDirectories(o.out);
        Files.writeString(o.json, Json.write(doc));
        plot(o.out, rows);
        Files.writeString(o.out.resolve("README-erasure.md"), readme(o, argLine, rows, memcpy, copyFiles));
        System.out.println("erasure: wrote " + o.json + ", erasure.png, erasure-files.png and README-erasure.md in " + o.out);
    }

    /** Two charts (BarCharts has five colours): the code in memory, and through the files. */
    private static void plot(Path out, List<Row> rows) throws IOException {
        plot(out.resolve("erasure.png"), "Erasure code in memory, per core (one thread)",
                rows.stream().filter(r -> !r.op.endsWith("-files")).toList());
        plot(out.resolve("erasure-files.png"), "Erasure level on /dev/shm files, per core (one thread)",
                rows.stream().filter(r -> r.op.endsWith("-files")).toList());
    }

    private static void plot(Path png, String title, List<Row> rows) throws IOException {
        if (rows.isEmpty()) {
            return;
        }
        List<String> codes = new ArrayList<>();
        LinkedHashMap<String, double[]> series = new LinkedHashMap<>();
        for (Row r : rows) {
            if (!codes.contains(r.code)) {
                codes.add(r.code);
            }
        }
        for (Row r : rows) {
            series.computeIfAbsent(r.op, op -> {
                double[] v = new double[codes.size()];
                java.util.Arrays.fill(v, Double.NaN);
                return v;
            })[codes.indexOf(r.code)] = r.mbps() / 1000;
        }
        BarCharts.bars(png, title, "GB/s per core of data (rebuild: of rebuilt data)", codes, series, "0.0");
    }

    private static String readme(Options o, String argLine, List<Row> rows, Map<String, Double> memcpy,
                                 Map<String, Double> copyFiles) {
        StringBuilder b = new StringBuilder("### Erasure code: encode and decode per core\n\n");
        b.append("Generated by the benchmark on every run; do not edit by hand.\n\n");
        b.append("    ./veloc4j bench erasure").append(argLine.isEmpty() ? "" : " " + argLine).append("\n\n");
        b.append("| code (n, m) | op | MB/s per core | × memcpy | × copy-files | CPU s per rep (median) |\n");
        b.append("|---|---|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            double v = r.mbps();
            Double files = copyFiles.get(r.code);
            String vsFiles = r.op.endsWith("-files") && files != null ? String.format(Locale.ROOT, "%.3f", v / files) : "-";
            b.append(String.format(Locale.ROOT, "| %s | %s | %,.0f | %.3f | %s | %.4f |%n", r.code, r.op, v,
                    v / memcpy.get(r.code), vsFiles,
                    CheckpointLatencyBench.median(r.cpu.stream().mapToDouble(Double::doubleValue).toArray())));
        }
        b.append("\nHow it is measured:\n");
        b.append(String.format(Locale.ROOT, "- One thread; MB/s per core = data bytes (10^6 B) / CPU seconds of the thread,"
                + " median of %d reps after a warm-up rep, every row once per rep in the order above.%n", o.reps));
        b.append(String.format(Locale.ROOT, "- In memory: %d MiB of data per code in stripes of %d B (k data pieces per"
                + " stripe); decode = m data pieces lost, rebuilt from the other k - m and the m parity pieces, checked.%n",
                o.mb, o.stripe));
        b.append(String.format(Locale.ROOT, "- Files: n nodes with one rank file of %d MiB each on /dev/shm (or --tmp);"
                + " protect-files = LocalEncoding.encode (contributions, accumulators, parity files with fsync);"
                + " rebuild-files = Rebuild of members 0..m-1 (MB/s of rebuilt data); copy-files = Files.copy of the n"
                + " rank files.%n", o.fileMb));
        b.append("- Rows of one run are comparable; runs on this shared 2-core VM drift (see the JSON for every rep).\n");
        return b.toString();
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
