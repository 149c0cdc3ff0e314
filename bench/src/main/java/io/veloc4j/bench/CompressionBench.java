package io.veloc4j.bench;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import io.veloc4j.levels.ElementType;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.codec.CodecKind;
import io.veloc4j.levels.persistent.Encoding;
import io.veloc4j.levels.persistent.Scheme;
import io.veloc4j.levels.scratch.RankFileInfo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code ./veloc4j bench compression}: compression ratio and per-core speed of every aggregation
 * scheme × codec of the persistent level on real arrays, next to the zstd and fpzip command-line
 * tools. The arrays of a data directory ({@link RealData}) are split into N per-rank slabs (the
 * rule is in RealData's comment), each rank's slabs written as one rank file, and the rank files
 * grouped G at a time (ranks 0..G-1, G..2G-1, ...). Every scheme × codec writes every group
 * through the engine's {@code AggregateWriter} with one codec thread, then every rank is extracted
 * again and compared byte for byte with its rank file ({@link GroupRun}).
 */
public final class CompressionBench {

    record Options(Path data, int ranks, int groupSize, int level, int reps, Path json, Path out, Path tmp, Path zstd,
                   Path fpzip) {
    }

    /** What one scheme × codec (or reference) did; times in seconds, one per rep. */
    static final class Row {
        final String scheme;
        final String codec;
        String status = "ok";
        String note;
        long rawBytes;
        long storedBytes;
        final List<Double> compressCpu = new ArrayList<>();
        final List<Double> compressWall = new ArrayList<>();
        final List<Double> decompressCpu = new ArrayList<>();
        final List<Double> decompressWall = new ArrayList<>();
        /** Decoding every chunk in memory (no file written); engine rows of aware/agnostic schemes only. */
        final List<Double> decodeInMemoryCpu = new ArrayList<>();
        Object autoCodecs;
        Double cliStartMs;

        Row(String scheme, String codec) {
            this.scheme = scheme;
            this.codec = codec;
        }

        boolean ok() {
            return status.equals("ok");
        }

        double ratio() {
            return ok() && storedBytes > 0 ? (double) rawBytes / storedBytes : Double.NaN;
        }

        double mbps(List<Double> seconds) {
            if (!ok() || seconds.isEmpty()) {
                return Double.NaN;
            }
            double s = CheckpointLatencyBench.median(seconds.stream().mapToDouble(Double::doubleValue).toArray());
            return s > 0 ? rawBytes / 1e6 / s : Double.NaN;
        }

        Map<String, Object> json(Options o, int groups) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("scheme", scheme);
            m.put("codec", codec);
            m.put("ratio", round(ratio(), 4));
            m.put("compress_MBps_per_core", round(mbps(compressCpu), 2));
            m.put("decompress_MBps_per_core", round(mbps(decompressCpu), 2));
            m.put("decode_in_memory_MBps_per_core", round(mbps(decodeInMemoryCpu), 2));
            m.put("status", status);
            if (note != null) {
                m.put(status.equals("skipped") ? "skipped" : "note", note);
            }
            m.put("raw_bytes", rawBytes);
            m.put("stored_bytes", ok() ? storedBytes : null);
            m.put("compress_MBps_wall", round(mbps(compressWall), 2));
            m.put("decompress_MBps_wall", round(mbps(decompressWall), 2));
            m.put("compress_cpu_s", roundAll(compressCpu));
            m.put("compress_wall_s", roundAll(compressWall));
            m.put("decompress_cpu_s", roundAll(decompressCpu));
            m.put("decompress_wall_s", roundAll(decompressWall));
            m.put("decode_in_memory_cpu_s", roundAll(decodeInMemoryCpu));
            if (autoCodecs != null) {
                m.put("auto_codecs", autoCodecs);
            }
            if (cliStartMs != null) {
                m.put("cli_start_ms", round(cliStartMs, 2));
            }
            m.put("ranks", o.ranks);
            m.put("group_size", o.groupSize);
            m.put("groups", groups);
            m.put("level", o.level);
            return m;
        }
    }

    private CompressionBench() {
    }

    static String usage() {
        return """
                usage: ./veloc4j bench compression --data DIR --ranks N [--group-size 8] [--level 1] [--reps 3]
                                                   [--json FILE] [--out DIR] [--tmp DIR] [--zstd PATH] [--fpzip PATH]
                Compression ratio and per-core speed of each aggregation scheme x codec on real arrays.
                The arrays of DIR (manifest.json + raw little-endian files, as written by fetch-real-data.sh DIR)
                are split along their first axis into N per-rank slabs: leading axes are merged until the first
                extent is >= N (a leading 1 is squeezed), then rows are split as evenly as possible (the first
                rows % N ranks get one more). Each rank writes one rank file with all its slabs (RankFileWriter);
                ranks 0..G-1, G..2G-1, ... form the groups. Per scheme x codec every group goes through the
                engine's AggregateWriter (one codec thread), every rank is extracted again (AggregateFile) and
                compared byte for byte. Rows: none (baseline: copies); agnostic, agnostic-block with zstd (the
                group is an untyped byte stream: no other codec applies); aware, aware-block with every codec
                that applies to some variable of the data, and auto; each also decoded in memory (no files
                written). References: zstd at the engine's level in memory (zstd-jni), zstd -3 and -19 (CLI, one
                thread) on each group's concatenated rank files; fpzip (CLI, lossless) on each whole array.
                ratio = raw bytes / stored bytes; MB/s per core = raw MB (10^6 B) / CPU seconds of the threads
                doing the work (median over reps); wall-clock MB/s are in the JSON.
                  --data DIR       the data directory (required)
                  --ranks N        ranks to split the data over (required)
                  --group-size G   ranks per group (default 8)
                  --level L        zstd level of the engine's codecs (default 1, the config default)
                  --reps R         timed reps per row, interleaved across rows, after one untimed warm-up pass (default 3)
                  --json FILE      rows (default <out>/compression.json)
                  --out DIR        where the JSON, compression-ratio.png, compression-speed.png and
                                   README-compression.md go (default bench/results)
                  --tmp DIR        where the rank files and aggregates are written (default /dev/shm if present,
                                   else java.io.tmpdir; a fresh subdirectory, removed afterwards)
                  --zstd PATH      zstd CLI (default: zstd on PATH); missing = its rows say skipped
                  --fpzip PATH     fpzip CLI (default: fpzip on PATH; Debian package fpzip-utils)
                """;
    }

    static int main(String[] argv) throws Exception {
        Options o;
        try {
            Args a = new Args("bench compression", argv);
            if (a.flag("--help") || a.flag("-h")) {
                System.out.print(usage());
                return 0;
            }
            Path data = a.pathOpt("--data", null);
            int ranks = a.intOpt("--ranks", 0);
            Path out = a.pathOpt("--out", BenchMain.resultsDir());
            o = new Options(data, ranks, a.intOpt("--group-size", 8), a.intOpt("--level", 1), a.intOpt("--reps", 3),
                    a.pathOpt("--json", out.resolve("compression.json")), out, a.pathOpt("--tmp", null),
                    a.pathOpt("--zstd", null), a.pathOpt("--fpzip", null));
            a.done();
            if (data == null) {
                throw new IllegalArgumentException("bench compression: --data DIR is required");
            }
            if (o.ranks < 1 || o.groupSize < 1 || o.reps < 1) {
                throw new IllegalArgumentException("bench compression: --ranks (required), --group-size and --reps must be at least 1");
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(usage());
            return 2;
        }
        return run(o, String.join(" ", argv));
    }

    static int run(Options o, String argLine) throws Exception {
        List<RealData.Array> arrays;
        List<List<RealData.Slab>> perRank;
        try {
            arrays = RealData.load(o.data);
            perRank = RealData.slabs(o.data, arrays, o.ranks);
        } catch (IOException e) {
            System.err.println("bench compression: " + e.getMessage());
            return 1;
        }
        Path work = RankFiles.scratch(o.tmp, "veloc4j-compression-");
        try {
            return run(o, argLine, arrays, perRank, work);
        } finally {
            Demo.deleteTree(work);
        }
    }

    private static int run(Options o, String argLine, List<RealData.Array> arrays, List<List<RealData.Slab>> perRank,
                           Path work) throws Exception {
        List<RankFileInfo> files = RankFiles.write(work.resolve("ranks"), "compression", perRank);
        long raw = files.stream().mapToLong(RankFileInfo::bytes).sum();
        long arrayBytes = arrays.stream().mapToLong(RealData.Array::bytes).sum();
        List<int[]> groups = consecutive(o.ranks, o.groupSize);
        Set<ElementType> types = EnumSet.noneOf(ElementType.class);
        arrays.forEach(a -> types.add(a.type()));
        System.out.printf("compression: %s: %d arrays (%s), %,d B; %d ranks, %d rank files %,d B; %d groups of <= %d; "
                        + "level %d; %d reps; work dir %s%n", o.data, arrays.size(), labels(types), arrayBytes, o.ranks,
                files.size(), raw, groups.size(), o.groupSize, o.level, o.reps, work);
        if (o.ranks % o.groupSize != 0) {
            System.out.printf("compression: note: %d ranks are not a multiple of G=%d; the last group has %d ranks%n", o.ranks,
                    o.groupSize, groups.get(groups.size() - 1).length);
        }

        // ---- what to run
        List<Encoding> encodings = new ArrayList<>();
        encodings.add(Encoding.of(Scheme.NONE, o.level));
        for (Scheme s : List.of(Scheme.AGNOSTIC, Scheme.AGNOSTIC_BLOCK)) {
            encodings.add(new Encoding(s, CodecKind.ZSTD, Encoding.DEFAULT_BLOCK_SIZE, o.level));
        }
        List<String> notes = new ArrayList<>();
        notes.add("agnostic, agnostic-block: the group is one untyped byte stream, so only zstd applies.");
        List<CodecKind> codecs = new ArrayList<>();
        for (CodecKind k : CodecKind.values()) {
            if (types.stream().anyMatch(k::appliesTo)) {
                codecs.add(k);
            } else {
                notes.add("codec " + k.label() + " skipped: it applies to no variable of the data (" + labels(types) + ").");
            }
        }
        for (Scheme s : List.of(Scheme.AWARE, Scheme.AWARE_BLOCK)) {
            for (CodecKind k : codecs) {
                encodings.add(new Encoding(s, k, Encoding.DEFAULT_BLOCK_SIZE, o.level));
            }
            encodings.add(new Encoding(s, null, Encoding.DEFAULT_BLOCK_SIZE, o.level));
        }
        notes.forEach(n -> System.out.println("compression: " + n));

        // ---- engine rows, and zstd in memory as their reference. The reps are interleaved (rep 1 of
        // every row, then rep 2 …): this machine's speed drifts by a quarter over minutes, and rows
        // timed minutes apart would compare the drift, not the codecs.
        List<Row> rows = new ArrayList<>();
        List<Rep> runs = new ArrayList<>();
        for (Encoding e : encodings) {
            Row row = new Row(e.scheme().label(), e.scheme() == Scheme.NONE ? "-" : e.codecLabel());
            row.rawBytes = raw;
            rows.add(row);
            runs.add(null);
        }
        Row zstdMem = new Row("ref:zstd-" + o.level + "-mem", "zstd-jni");
        zstdMem.rawBytes = raw;
        zstdMem.note = "zstd level " + o.level + " (zstd-jni, one frame per group's concatenated rank files) in memory: "
                + "the entropy coder alone, no I/O";
        rows.add(zstdMem);
        Row writeFiles = new Row(WRITE_FILES, "FileChannel");
        writeFiles.rawBytes = raw;
        writeFiles.note = "the rank files, held in memory, written to new files in the work dir (decompress column): what "
                + "a restore pays on top of decoding; the bound of restore / decode in memory";
        rows.add(writeFiles);
        boolean failed = false;
        try (GroupRun runner = new GroupRun(o.level)) {
            try {
                runner.run(work, new Encoding(Scheme.AGNOSTIC, CodecKind.ZSTD, Encoding.DEFAULT_BLOCK_SIZE, o.level), groups, files);
            } catch (LevelException | RuntimeException e) {
                // the row itself reports it
            }
            for (int i = 0; i < encodings.size(); i++) {
                Encoding e = encodings.get(i);
                Row row = rows.get(i);
                runs.set(i, () -> {
                    GroupRun.Result r = runner.run(work, e, groups, files);
                    row.storedBytes = r.storedBytes();
                    row.compressCpu.add(r.compressCpuNs() / 1e9);
                    row.compressWall.add(r.compressWallNs() / 1e9);
                    row.decompressCpu.add(r.decompressCpuNs() / 1e9);
                    row.decompressWall.add(r.decompressWallNs() / 1e9);
                    if (r.decodeInMemoryCpuNs() >= 0) {
                        row.decodeInMemoryCpu.add(r.decodeInMemoryCpuNs() / 1e9);
                    }
                    if (e.auto() && GroupRun.reportsCodecs()) {
                        row.autoCodecs = r.codecs();
                    }
                });
            }
            ZstdInMemory zm = new ZstdInMemory(groups, files, o.level);
            runs.add(() -> zm.run(zstdMem));
            FileWrites fw = new FileWrites(files, work.resolve("write-files"));
            runs.add(() -> fw.run(writeFiles));
            for (int rep = 0; rep < o.reps; rep++) {
                System.out.printf("compression: rep %d of %d%n", rep + 1, o.reps);
                for (int i = 0; i < rows.size(); i++) {
                    Row row = rows.get(i);
                    if (!row.ok()) {
                        continue;
                    }
                    System.out.printf("compression: %-15s %-8s", row.scheme, row.codec);
                    try {
                        runs.get(i).run();
                        System.out.printf(" ratio %7.3f  %s%n", row.ratio(), "verified bit-exact");
                    } catch (LevelException | IOException | RuntimeException x) {
                        row.status = "failed";
                        row.note = x instanceof GroupRun.NotBitExact ? "NOT BIT-EXACT: " + x.getMessage() : String.valueOf(x);
                        failed = true;
                        System.out.printf(" FAILED: %s%n", row.note);
                    }
                }
            }
        }

        // ---- references
        rows.addAll(references(o, work, groups, files, arrays));

        // ---- report
        String cpuNote = GroupRun.cpuTimes() ? "" : " (no thread CPU time on this JVM: wall time)";
        System.out.println();
        System.out.print(table(rows, false));
        System.out.printf("MB = 10^6 B; MB/s per core = raw MB / CPU seconds%s, median of %d reps; ratio = raw / stored%n",
                cpuNote, o.reps);
        List<String> autoLines = autoChoices(rows);
        autoLines.forEach(System.out::println);
        List<String> restoreLines = restoreLines(rows);
        restoreLines.forEach(System.out::println);
        String stub = stubWarning(rows);
        if (stub != null) {
            System.out.println("compression: WARNING: " + stub);
        }

        List<Object> json = new ArrayList<>();
        rows.forEach(r -> json.add(r.json(o, groups.size())));
        Files.createDirectories(o.json.toAbsolutePath().getParent());
        Files.writeString(o.json, Json.write(json));
        System.out.println("compression: rows in " + o.json);
        Path ratioPng = o.out.resolve("compression-ratio.png");
        Path speedPng = o.out.resolve("compression-speed.png");
        plots(rows, o, ratioPng, speedPng);
        Path readme = o.out.resolve("README-compression.md");
        Files.createDirectories(o.out);
        Files.writeString(readme, readme(o, argLine, arrays, arrayBytes, raw, groups, rows, notes, autoLines, restoreLines, stub));
        System.out.println("compression: README in " + readme);
        return failed ? 1 : 0;
    }

    /** Ranks 0..G-1, G..2G-1, ...; the last group is smaller if G does not divide N. */
    static List<int[]> consecutive(int ranks, int groupSize) {
        List<int[]> groups = new ArrayList<>();
        for (int start = 0; start < ranks; start += groupSize) {
            int[] g = new int[Math.min(groupSize, ranks - start)];
            for (int i = 0; i < g.length; i++) {
                g[i] = start + i;
            }
            groups.add(g);
        }
        return groups;
    }

    /** The reference row of plain file writes (a restore's writing cost alone). */
    static final String WRITE_FILES = "ref:write-files";

    /**
     * Every rank file, held in a direct buffer, written to a new file with one FileChannel per file
     * (CPU time of the thread; the files are removed afterwards, untimed): the part of a restore
     * to files that no codec can save, measured next to the decoders in the same reps.
     */
    private static final class FileWrites {
        private final List<java.nio.ByteBuffer> images = new ArrayList<>();
        private final Path dir;

        FileWrites(List<RankFileInfo> files, Path dir) throws IOException {
            this.dir = dir;
            for (RankFileInfo f : files) {
                byte[] b = Files.readAllBytes(f.path());
                images.add(java.nio.ByteBuffer.allocateDirect(b.length).put(b).flip());
            }
        }

        void run(Row row) throws IOException {
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            boolean cpu = mx.isCurrentThreadCpuTimeSupported();
            Demo.deleteTree(dir);
            Files.createDirectories(dir);
            try {
                long w = System.nanoTime();
                long u = cpu ? mx.getCurrentThreadCpuTime() : -1;
                for (int i = 0; i < images.size(); i++) {
                    java.nio.ByteBuffer b = images.get(i).duplicate();
                    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(dir.resolve("rank-" + i + ".vck"),
                            java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
                        while (b.hasRemaining()) {
                            ch.write(b);
                        }
                    }
                }
                long c = cpu ? mx.getCurrentThreadCpuTime() - u : -1;
                long wall = System.nanoTime() - w;
                for (int i = 0; i < images.size(); i++) {
                    long size = Files.size(dir.resolve("rank-" + i + ".vck"));
                    if (size != images.get(i).remaining()) {
                        throw new IOException(dir.resolve("rank-" + i + ".vck") + " has " + size + " bytes, "
                                + images.get(i).remaining() + " written");
                    }
                }
                row.storedBytes = row.rawBytes;
                row.decompressCpu.add((c >= 0 ? c : wall) / 1e9);
                row.decompressWall.add(wall / 1e9);
            } finally {
                Demo.deleteTree(dir);
            }
        }
    }

    /**
     * What the file writes alone allow a restore of {@code row} to reach, as a fraction of its
     * decode in memory: decoding at D and writing at W MB/s/core restore at most at 1 / (1/D + 1/W).
     * NaN when either is missing.
     */
    static double restoreBound(Row row, Row writes) {
        double d = row.mbps(row.decodeInMemoryCpu);
        double w = writes.mbps(writes.decompressCpu);
        return 1 / (1 / d + 1 / w) / d;
    }

    /** One timed rep of a row. */
    private interface Rep {
        void run() throws LevelException, IOException;
    }

    /**
     * zstd at the engine's level through zstd-jni on each group's concatenated rank files, held in
     * memory (one frame per group, one thread): what the entropy coder alone costs on this machine.
     */
    private static final class ZstdInMemory {
        private final List<byte[]> cats = new ArrayList<>();
        private final int level;

        ZstdInMemory(List<int[]> groups, List<RankFileInfo> files, int level) throws IOException {
            this.level = level;
            for (int[] g : groups) {
                ByteArrayOutputStream cat = new ByteArrayOutputStream();
                for (int r : g) {
                    cat.write(Files.readAllBytes(files.get(r).path()));
                }
                cats.add(cat.toByteArray());
            }
        }

        void run(Row row) throws IOException {
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            boolean cpu = mx.isCurrentThreadCpuTimeSupported();
            List<byte[]> packed = new ArrayList<>();
            long[] t = new long[4];
            long stored = 0;
            try (ZstdCompressCtx c = new ZstdCompressCtx(); ZstdDecompressCtx d = new ZstdDecompressCtx()) {
                c.setLevel(level);
                long w = System.nanoTime();
                long u = cpu ? mx.getCurrentThreadCpuTime() : -1;
                for (byte[] cat : cats) {
                    packed.add(c.compress(cat));
                }
                t[0] = cpu ? mx.getCurrentThreadCpuTime() - u : -1;
                t[1] = System.nanoTime() - w;
                List<byte[]> back = new ArrayList<>();
                w = System.nanoTime();
                u = cpu ? mx.getCurrentThreadCpuTime() : -1;
                for (int i = 0; i < packed.size(); i++) {
                    back.add(d.decompress(packed.get(i), cats.get(i).length));
                }
                t[2] = cpu ? mx.getCurrentThreadCpuTime() - u : -1;
                t[3] = System.nanoTime() - w;
                for (int i = 0; i < cats.size(); i++) {
                    if (!Arrays.equals(cats.get(i), back.get(i))) {
                        throw new IOException(row.scheme + ": group " + i + " does not round-trip bit-exact");
                    }
                    stored += packed.get(i).length;
                }
            }
            row.storedBytes = stored;
            addTimes(row, t);
        }
    }

    // ----------------------------------------------------------------------------- references

    private static List<Row> references(Options o, Path work, List<int[]> groups, List<RankFileInfo> files,
                                        List<RealData.Array> arrays) throws IOException {
        List<Row> rows = new ArrayList<>();
        Path ref = work.resolve("ref");
        Files.createDirectories(ref);
        Path zstd = CliCodecs.find("zstd", o.zstd);
        long raw = files.stream().mapToLong(RankFileInfo::bytes).sum();
        // each group's rank files concatenated, untimed
        List<Path> cats = new ArrayList<>();
        if (zstd != null) {
            for (int g = 0; g < groups.size(); g++) {
                Path cat = ref.resolve("group-" + g + ".cat");
                try (OutputStream out = Files.newOutputStream(cat)) {
                    for (int r : groups.get(g)) {
                        Files.copy(files.get(r).path(), out);
                    }
                }
                cats.add(cat);
            }
        }
        for (int level : new int[] {3, 19}) {
            Row row = new Row("ref:zstd-" + level, "zstd -" + level + " CLI");
            row.rawBytes = raw;
            System.out.printf("compression: %-15s %-8s", row.scheme, "");
            if (zstd == null) {
                skip(row, (o.zstd != null ? o.zstd + " is not executable" : "zstd not found on PATH") + " (apt-get install zstd)");
                rows.add(row);
                continue;
            }
            try {
                Path empty = ref.resolve("empty");
                Files.write(empty, new byte[0]);
                row.cliStartMs = startMs(() -> CliCodecs.zstd(zstd, level, empty, ref.resolve("empty.zst")));
                for (int rep = 0; rep < o.reps; rep++) {
                    long stored = 0;
                    long[] t = new long[4]; // compress cpu, wall, decompress cpu, wall
                    for (Path cat : cats) {
                        long w = System.nanoTime();
                        t[0] = add(t[0], CliCodecs.zstd(zstd, level, cat, sibling(cat, ".zst")));
                        t[1] += System.nanoTime() - w;
                        stored += Files.size(sibling(cat, ".zst"));
                    }
                    for (Path cat : cats) {
                        long w = System.nanoTime();
                        t[2] = add(t[2], CliCodecs.unzstd(zstd, sibling(cat, ".zst"), sibling(cat, ".out")));
                        t[3] += System.nanoTime() - w;
                    }
                    for (Path cat : cats) {
                        same(cat, sibling(cat, ".out"), row.scheme);
                        Files.delete(sibling(cat, ".out"));
                        Files.delete(sibling(cat, ".zst"));
                    }
                    row.storedBytes = stored;
                    addTimes(row, t);
                }
                System.out.printf(" ratio %7.3f  verified bit-exact%n", row.ratio());
            } catch (CliCodecs.Missing e) {
                skip(row, e.getMessage());
            } catch (IOException | RuntimeException e) {
                fail(row, e);
            }
            rows.add(row);
        }
        for (Path cat : cats) {
            Files.deleteIfExists(cat);
        }

        Row row = new Row("ref:fpzip", "fpzip CLI");
        row.rawBytes = arrays.stream().mapToLong(RealData.Array::bytes).sum();
        row.note = "per whole original array (no rank files, no split); ratio against the arrays' raw bytes";
        System.out.printf("compression: %-15s %-8s", row.scheme, "");
        Path fpzip = CliCodecs.find("fpzip", o.fpzip);
        if (fpzip == null) {
            skip(row, (o.fpzip != null ? o.fpzip + " is not executable" : "fpzip not found on PATH")
                    + " (apt-get install fpzip-utils)");
            rows.add(row);
            return rows;
        }
        try {
            Path one = ref.resolve("one.f4");
            Files.write(one, new byte[4]);
            row.cliStartMs = startMs(() -> CliCodecs.fpzip(fpzip, ElementType.FLOAT32, new long[] {1}, one, ref.resolve("one.fpz")));
            for (int rep = 0; rep < o.reps; rep++) {
                long stored = 0;
                long[] t = new long[4];
                for (int i = 0; i < arrays.size(); i++) {
                    RealData.Array a = arrays.get(i);
                    long w = System.nanoTime();
                    t[0] = add(t[0], CliCodecs.fpzip(fpzip, a.type(), a.shape(), o.data.resolve(a.file()), ref.resolve(i + ".fpz")));
                    t[1] += System.nanoTime() - w;
                    stored += Files.size(ref.resolve(i + ".fpz"));
                }
                for (int i = 0; i < arrays.size(); i++) {
                    long w = System.nanoTime();
                    t[2] = add(t[2], CliCodecs.unfpzip(fpzip, ref.resolve(i + ".fpz"), ref.resolve(i + ".out")));
                    t[3] += System.nanoTime() - w;
                }
                for (int i = 0; i < arrays.size(); i++) {
                    same(o.data.resolve(arrays.get(i).file()), ref.resolve(i + ".out"), row.scheme + " (" + arrays.get(i).name() + ")");
                    Files.delete(ref.resolve(i + ".out"));
                    Files.delete(ref.resolve(i + ".fpz"));
                }
                row.storedBytes = stored;
                addTimes(row, t);
            }
            System.out.printf(" ratio %7.3f  verified bit-exact%n", row.ratio());
        } catch (CliCodecs.Missing e) {
            skip(row, e.getMessage());
        } catch (IOException | RuntimeException e) {
            fail(row, e);
        }
        rows.add(row);
        return rows;
    }

    private interface CliCall {
        void run() throws IOException, CliCodecs.Missing;
    }

    /** Median wall time of 5 runs of a CLI on (almost) no input: what starting the program costs. */
    private static double startMs(CliCall call) throws IOException, CliCodecs.Missing {
        double[] t = new double[5];
        for (int i = 0; i < t.length; i++) {
            long s = System.nanoTime();
            call.run();
            t[i] = (System.nanoTime() - s) / 1e6;
        }
        return CheckpointLatencyBench.median(t);
    }

    /** Sums CPU times; -1 (unknown) sticks. */
    private static long add(long sum, long cpu) {
        return sum < 0 || cpu < 0 ? -1 : sum + cpu;
    }

    /** t: compress CPU, compress wall, decompress CPU, decompress wall (ns); wall stands in for an unknown CPU time. */
    private static void addTimes(Row row, long[] t) {
        row.compressCpu.add((t[0] >= 0 ? t[0] : t[1]) / 1e9);
        row.compressWall.add(t[1] / 1e9);
        row.decompressCpu.add((t[2] >= 0 ? t[2] : t[3]) / 1e9);
        row.decompressWall.add(t[3] / 1e9);
    }

    private static void skip(Row row, String why) {
        row.status = "skipped";
        row.note = why;
        System.out.printf(" skipped: %s%n", why);
    }

    private static void fail(Row row, Exception e) {
        row.status = "failed";
        row.note = e.getMessage() == null ? e.toString() : e.getMessage();
        System.out.printf(" FAILED: %s%n", row.note);
    }

    private static Path sibling(Path p, String suffix) {
        return p.resolveSibling(p.getFileName() + suffix);
    }

    private static void same(Path a, Path b, String what) throws IOException {
        long at = Files.mismatch(a, b);
        if (at >= 0) {
            throw new IOException(what + ": round trip is not bit-exact (" + a + " vs " + b + " differ at byte " + at + ")");
        }
    }

    // ----------------------------------------------------------------------------- output

    static String table(List<Row> rows, boolean markdown) {
        StringBuilder b = new StringBuilder();
        if (markdown) {
            b.append("| scheme | codec | ratio | compress MB/s/core | decompress MB/s/core | decode in memory MB/s/core "
                    + "| stored bytes | note |\n");
            b.append("|---|---|---:|---:|---:|---:|---:|---|\n");
        } else {
            b.append(String.format("%-15s %-14s %8s %19s %21s %27s %14s%n", "scheme", "codec", "ratio", "compress MB/s/core",
                    "decompress MB/s/core", "decode in memory MB/s/core", "stored bytes"));
        }
        for (Row r : rows) {
            String ratio = r.ok() ? String.format(Locale.ROOT, "%.3f", r.ratio()) : "-";
            String c = r.ok() && !r.compressCpu.isEmpty() ? String.format(Locale.ROOT, "%.1f", r.mbps(r.compressCpu)) : "-";
            String d = r.ok() && !r.decompressCpu.isEmpty() ? String.format(Locale.ROOT, "%.1f", r.mbps(r.decompressCpu)) : "-";
            String m = r.ok() && !r.decodeInMemoryCpu.isEmpty() ? String.format(Locale.ROOT, "%.1f", r.mbps(r.decodeInMemoryCpu)) : "-";
            String stored = r.ok() ? String.format(Locale.ROOT, "%,d", r.storedBytes) : "-";
            String note = r.ok() ? (r.scheme.startsWith("ref:") && r.note != null ? r.note : "")
                    : r.status + ": " + r.note;
            if (markdown) {
                b.append("| ").append(r.scheme).append(" | ").append(r.codec).append(" | ").append(ratio).append(" | ").append(c)
                        .append(" | ").append(d).append(" | ").append(m).append(" | ").append(stored).append(" | ")
                        .append(note.replace("|", "\\|"))
                        .append(" |\n");
            } else {
                b.append(String.format("%-15s %-14s %8s %19s %21s %27s %14s%s%n", r.scheme, r.codec, ratio, c, d, m, stored,
                        r.ok() ? "" : "  " + note));
            }
        }
        return b.toString();
    }

    private static List<String> autoChoices(List<Row> rows) {
        List<String> lines = new ArrayList<>();
        if (!GroupRun.reportsCodecs()) {
            lines.add("auto's codec choices: not reported (the engine's AggregateInfo has no codecs() accessor)");
            return lines;
        }
        for (Row r : rows) {
            if (r.codec.equals("auto") && r.autoCodecs instanceof List<?> perGroup) {
                lines.add("auto's codec choices, " + r.scheme + ":");
                for (int g = 0; g < perGroup.size(); g++) {
                    lines.add("  group " + g + ": " + perGroup.get(g));
                }
            }
        }
        return lines;
    }

    /** A warning when every aware codec stored exactly the same bytes: the codec path is not doing anything. */
    static String stubWarning(List<Row> rows) {
        Map<String, Set<Long>> sizes = new LinkedHashMap<>();
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Row r : rows) {
            if (r.ok() && r.scheme.startsWith("aware") && !r.codec.equals("auto")) {
                sizes.computeIfAbsent(r.scheme, k -> new java.util.HashSet<>()).add(r.storedBytes);
                counts.merge(r.scheme, 1, Integer::sum);
            }
        }
        List<String> same = sizes.entrySet().stream().filter(e -> counts.get(e.getKey()) > 1 && e.getValue().size() == 1)
                .map(Map.Entry::getKey).toList();
        return same.isEmpty() ? null : "every codec of " + String.join(", ", same) + " stored exactly the same bytes: "
                + "the engine's per-codec encoding looks like a stub (numbers are not the codecs')";
    }

    private static void plots(List<Row> rows, Options o, Path ratioPng, Path speedPng) {
        List<String> cats = new ArrayList<>();
        double[] ratio = new double[rows.size()];
        double[] comp = new double[rows.size()];
        double[] decomp = new double[rows.size()];
        double[] inMemory = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            cats.add(r.scheme.startsWith("ref:") ? r.scheme : r.scheme + " / " + r.codec);
            ratio[i] = r.ratio();
            comp[i] = r.mbps(r.compressCpu);
            decomp[i] = r.mbps(r.decompressCpu);
            inMemory[i] = r.mbps(r.decodeInMemoryCpu);
        }
        String sub = String.format(" (%d ranks, G=%d, level %d)", o.ranks, o.groupSize, o.level);
        try {
            LinkedHashMap<String, double[]> s = new LinkedHashMap<>();
            s.put("raw / stored", ratio);
            BarCharts.bars(ratioPng, "Compression ratio by scheme / codec" + sub, "raw bytes / stored bytes", cats, s, "0.00");
            LinkedHashMap<String, double[]> sp = new LinkedHashMap<>();
            sp.put("compress", comp);
            sp.put("decompress", decomp);
            sp.put("decode in memory", inMemory);
            BarCharts.bars(speedPng, "Speed per core by scheme / codec" + sub, "MB/s per core (raw bytes)", cats, sp, "0");
            System.out.println("compression: plots in " + ratioPng + ", " + speedPng);
        } catch (IOException | RuntimeException | Error e) {
            System.err.println("compression: cannot write the plots: " + e);
        }
    }

    /** Per engine row with a decode in memory: restore / decode measured, next to what the file writes allow. */
    static List<String> restoreLines(List<Row> rows) {
        List<String> lines = new ArrayList<>();
        Row writes = rows.stream().filter(r -> r.scheme.equals(WRITE_FILES) && r.ok()).findFirst().orElse(null);
        if (writes == null) {
            return lines;
        }
        lines.add(String.format(Locale.ROOT, "restore to files / decode in memory (measured; at most, given %s at %.0f MB/s/core):",
                WRITE_FILES, writes.mbps(writes.decompressCpu)));
        for (Row r : rows) {
            if (r.ok() && !r.scheme.startsWith("ref:") && !r.decodeInMemoryCpu.isEmpty()) {
                lines.add(String.format(Locale.ROOT, "  %s / %s: %.2f (at most %.2f)", r.scheme, r.codec,
                        r.mbps(r.decompressCpu) / r.mbps(r.decodeInMemoryCpu), restoreBound(r, writes)));
            }
        }
        return lines;
    }

    private static String readme(Options o, String argLine, List<RealData.Array> arrays, long arrayBytes, long raw,
                                 List<int[]> groups, List<Row> rows, List<String> notes, List<String> autoLines,
                                 List<String> restoreLines, String stub) {
        Map<String, Object> machine = FlushBench.machine(FlushBench.loadAverage(), FlushBench.loadAverage());
        StringBuilder b = new StringBuilder();
        b.append("### Compression: aggregation schemes × codecs on real data\n\n");
        b.append("Generated by the benchmark on every run; do not edit by hand.\n\n");
        b.append("    ./veloc4j bench compression").append(argLine.isEmpty() ? "" : " " + argLine).append("\n\n");
        if (stub != null) {
            b.append("**Warning:** ").append(stub).append(".\n\n");
        }
        b.append("Data: `").append(o.data).append("`, ").append(arrays.size()).append(" arrays, ")
                .append(String.format(Locale.ROOT, "%,d", arrayBytes)).append(" B. ")
                .append(o.ranks).append(" ranks, rank files ").append(String.format(Locale.ROOT, "%,d", raw)).append(" B in total; ")
                .append(groups.size()).append(" groups of ").append(o.groupSize).append(" consecutive ranks; zstd level ")
                .append(o.level).append("; median of ").append(o.reps).append(" reps after one warm-up pass. Machine: ")
                .append(machine.get("nproc")).append(" cores, ").append(machine.get("cpu")).append(", ").append(machine.get("java"))
                .append("; load average ").append(machine.get("loadavg_after")).append("; ").append(machine.get("date")).append(".\n\n");
        b.append(table(rows, true)).append('\n');
        b.append("How it is measured:\n");
        b.append("- Split: every array is cut along its first axis into ").append(o.ranks).append(" slabs. Leading axes are merged "
                + "until the first extent is ≥ N, so a leading 1 is squeezed and [3, 20480] becomes [61440]. The rows are then "
                + "split as evenly as possible: the first rows % N ranks get one row more. A rank's slab has shape [rows_r, rest…].\n");
        b.append("- Each rank writes one rank file holding all its slabs (`RankFileWriter`, CRCs on, in memory on /dev/shm). "
                + "Raw bytes = the sum of the rank files, headers included.\n");
        b.append("- Every scheme × codec writes every group with `AggregateWriter` (one codec thread, parallelism 1). "
                + "Then every rank is extracted with `AggregateFile.extract` and compared byte for byte with its rank file. "
                + "For `none`, the stored rank file is copied.\n");
        b.append("- MB/s per core = raw MB (10^6 B) / CPU seconds of the writing thread plus the codec thread (decompression: "
                + "the extracting thread). Compression includes the writer's CRC check of the rank files and its fsync. "
                + "Wall-clock figures are in the JSON (`*_MBps_wall`).\n");
        b.append("- Decode in memory: `AggregateFile.scrub` on every group file, which reads and decodes every chunk and "
                + "checks both checksums but writes nothing; CPU time of the calling thread. Decompression minus this is "
                + "the cost of writing the restored rank files.\n");
        b.append("- Reps are interleaved (rep 1 of every row, then rep 2, …) so that all rows see the same drift of the "
                + "machine's speed.\n");
        b.append("- `ref:zstd-").append(o.level).append("-mem`: zstd at the engine's level through zstd-jni, one frame per group's "
                + "concatenated rank files in memory, CPU time of the thread: the entropy coder alone on this machine, "
                + "no transform and no I/O.\n");
        b.append("- References: zstd CLI (`-T1`) on each group's concatenated rank files; fpzip CLI (lossless) on each whole "
                + "original array, with ratio against the arrays' bytes. Both round trips are checked bit-exact. Their CPU "
                + "time is the program's user + system time per call (bash `time`, 1 ms resolution, program start "
                + "included; `cli_start_ms` in the JSON is the wall time of one near-empty run).\n");
        b.append("- `").append(WRITE_FILES).append("`: the rank files, held in memory, written to new files in the work dir "
                + "(one FileChannel each, CPU time of the thread): a restore's writes without its decoding. Decoding at D and "
                + "writing at W MB/s/core, a restore runs at most at 1 / (1/D + 1/W).\n");
        for (String n : notes) {
            b.append("- ").append(n).append('\n');
        }
        if (!restoreLines.isEmpty()) {
            b.append("\n");
            for (String l : restoreLines) {
                b.append(l.startsWith("  ") ? "- " + l.trim() : l).append('\n');
            }
        }
        if (!autoLines.isEmpty()) {
            b.append("\n");
            for (String l : autoLines) {
                b.append(l.startsWith("  ") ? "    " + l.trim() : l).append('\n');
            }
        }
        b.append("\nFiles: `").append(o.json.getFileName()).append("` (rows), `compression-ratio.png`, `compression-speed.png`.\n");
        return b.toString();
    }

    private static String labels(Set<ElementType> types) {
        return types.stream().map(ElementType::label).collect(Collectors.joining(", "));
    }

    static Double round(double v, int digits) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return null;
        }
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    private static List<Double> roundAll(List<Double> l) {
        return l.stream().map(v -> round(v, 6)).toList();
    }
}
