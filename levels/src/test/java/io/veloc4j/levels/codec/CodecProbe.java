package io.veloc4j.levels.codec;

import io.veloc4j.levels.ElementType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Measures the codecs on real arrays: encoded size and single-thread speed per kind, what auto
 * picks, next to zstd -19, zstd -1 and fpzip run on the same files. Not a test: run by hand,
 *
 * <pre>
 * mvn -o -q -pl levels -am test-compile
 * java -cp levels/target/classes:levels/target/test-classes:$ZSTD_JNI_JAR:comm/target/classes \
 *     io.veloc4j.levels.codec.CodecProbe [--dir /work/realdata] [--level 1] [--reps 5] [--external] [--only name,...]
 * </pre>
 *
 * Arrays are cut into 4 MiB chunks encoded independently, as the aggregate writer does; the row
 * length is the product of the shape after the first axis longer than 1. Every chunk is decoded
 * and compared. Speeds are raw bytes per second of one thread over the whole set, the median of
 * {@code --reps} runs after one warm-up run.
 */
public final class CodecProbe {

    static final int CHUNK = 4 << 20;
    static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();
    /** Time speeds by the thread's CPU time (default: other processes share the machine) or by wall time. */
    static boolean CPU = true;

    record Arr(String name, String file, ElementType type, long[] shape, byte[] data, int rowLength) {
    }

    record Variant(String name, CodecKind kind, BiFunction<ElementType, Integer, Codec> make) {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of("/work/realdata");
        int level = 1;
        int reps = 5;
        boolean external = false;
        boolean extra = false;
        boolean parts = false;
        List<String> only = null;
        List<String> kinds = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[++i]);
                case "--level" -> level = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--external" -> external = true;
                case "--extra" -> extra = true;
                case "--wall" -> CPU = false;
                case "--parts" -> parts = true;
                case "--only" -> only = Arrays.asList(args[++i].split(","));
                case "--kinds" -> kinds = Arrays.asList(args[++i].split(","));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        List<Arr> arrays = load(dir, only);
        long rawTotal = arrays.stream().mapToLong(a -> a.data.length).sum();
        if (parts) {
            parts(arrays, reps, level);
            return;
        }
        final int lvl = level;
        List<Variant> variants = new ArrayList<>();
        for (CodecKind k : CodecKind.values()) {
            variants.add(new Variant(k.label(), k, (t, rl) -> k.appliesTo(t) ? Codecs.of(k, t, rl, lvl) : null));
        }
        if (kinds != null) {
            final List<String> ks = kinds;
            variants.removeIf(v -> !ks.contains(v.name));
        }
        if (extra) {
            variants.add(new Variant("lorenzo-norank", CodecKind.LORENZO, (t, rl) -> new LorenzoCodec(t, rl, lvl, 0)));
            variants.add(new Variant("lorenzo-1d", CodecKind.LORENZO, (t, rl) -> new LorenzoCodec(t, 0, lvl)));
            variants.add(new Variant("lorenzo-rank/3", CodecKind.LORENZO, (t, rl) -> new LorenzoCodec(t, rl, lvl, 3)));
            variants.add(new Variant("lorenzo-rank/8", CodecKind.LORENZO, (t, rl) -> new LorenzoCodec(t, rl, lvl, 8)));
            variants.add(new Variant("lorenzo-l3", CodecKind.LORENZO, (t, rl) -> new LorenzoCodec(t, rl, 3)));
            variants.add(new Variant("lorenzo-l9", CodecKind.LORENZO, (t, rl) -> new LorenzoCodec(t, rl, 9)));
        }

        // sizes, with a round-trip check of every chunk
        long[][] size = new long[arrays.size()][variants.size()];
        Codec[][] codecs = new Codec[arrays.size()][variants.size()];
        byte[] out = new byte[2 * CHUNK + (1 << 20)];
        byte[] back = new byte[CHUNK];
        for (int a = 0; a < arrays.size(); a++) {
            Arr arr = arrays.get(a);
            for (int v = 0; v < variants.size(); v++) {
                Codec c = variants.get(v).make.apply(arr.type, arr.rowLength);
                codecs[a][v] = c;
                if (c == null) {
                    size[a][v] = -1;
                    continue;
                }
                for (int off = 0; off < arr.data.length; off += CHUNK) {
                    int len = Math.min(CHUNK, arr.data.length - off);
                    int e = c.encode(arr.data, off, len, out, 0);
                    c.decode(out, 0, e, back, 0, len);
                    if (!Arrays.equals(arr.data, off, off + len, back, 0, len)) {
                        throw new AssertionError(variants.get(v).name + " does not round-trip " + arr.name);
                    }
                    size[a][v] += e;
                }
            }
        }

        // auto
        CodecKind[] pick = new CodecKind[arrays.size()];
        int[] pickVariant = new int[arrays.size()];
        boolean autoKnown = true;
        long chooseNanos = Long.MAX_VALUE;
        for (int r = 0; r < 3; r++) {
            long t0 = System.nanoTime();
            for (int a = 0; a < arrays.size(); a++) {
                Arr arr = arrays.get(a);
                pick[a] = Codecs.choose(arr.type, arr.rowLength, arr.data, 0, arr.data.length, level);
            }
            chooseNanos = Math.min(chooseNanos, System.nanoTime() - t0);
        }
        for (int a = 0; a < arrays.size(); a++) {
            pickVariant[a] = -1;
            for (int v = 0; v < variants.size(); v++) {
                if (variants.get(v).name.equals(pick[a].label())) {
                    pickVariant[a] = v;
                }
            }
            autoKnown &= pickVariant[a] >= 0;
        }

        // external baselines
        long[][] ext = new long[arrays.size()][3];
        if (external) {
            for (int a = 0; a < arrays.size(); a++) {
                Arr arr = arrays.get(a);
                Path f = dir.resolve(arr.file);
                ext[a][0] = run("zstd", "-19", "-c", "-q", f.toString());
                ext[a][1] = run("zstd", "-1", "-c", "-q", f.toString());
                ext[a][2] = fpzip(arr, f);
            }
        }

        // per-array table
        StringBuilder hdr = new StringBuilder(String.format(Locale.ROOT, "%-38s %9s %7s", "array", "raw", "rowlen"));
        for (Variant v : variants) {
            hdr.append(String.format(Locale.ROOT, " %9s", abbreviate(v.name)));
        }
        if (external) {
            hdr.append(String.format(Locale.ROOT, " %9s %9s %9s", "zstd-19", "zstd-1", "fpzip"));
        }
        hdr.append("  auto");
        System.out.println("ratios (raw / encoded), level " + level);
        System.out.println(hdr);
        for (int a = 0; a < arrays.size(); a++) {
            Arr arr = arrays.get(a);
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-38s %9d %7d", arr.name, arr.data.length, arr.rowLength));
            for (int v = 0; v < variants.size(); v++) {
                sb.append(size[a][v] < 0 ? String.format(Locale.ROOT, " %9s", "-")
                        : String.format(Locale.ROOT, " %9.3f", arr.data.length / (double) size[a][v]));
            }
            if (external) {
                for (int x = 0; x < 3; x++) {
                    sb.append(String.format(Locale.ROOT, " %9.3f", arr.data.length / (double) ext[a][x]));
                }
            }
            sb.append("  ").append(pick[a].label());
            System.out.println(sb);
        }

        // speeds
        System.out.printf(Locale.ROOT, "%nraw total %d bytes in %d arrays; speeds: one thread, %s time, median of %d runs (after a warm-up run)%n",
                rawTotal, arrays.size(), CPU ? "thread CPU" : "wall", reps);
        System.out.printf(Locale.ROOT, "%-16s %12s %8s %11s %11s%n", "kind", "encoded", "ratio", "enc MB/s", "dec MB/s");
        for (int v = 0; v < variants.size(); v++) {
            long total = 0;
            boolean all = true;
            for (int a = 0; a < arrays.size(); a++) {
                if (size[a][v] < 0) {
                    all = false;
                    total += arrays.get(a).data.length;
                } else {
                    total += size[a][v];
                }
            }
            final int vv = v;
            double[] sp = speed(arrays, a -> codecs[a][vv], reps, out, back);
            System.out.printf(Locale.ROOT, "%-16s %12d %8.3f %11.0f %11.0f%s%n", variants.get(v).name, total,
                    rawTotal / (double) total, sp[0], sp[1], all ? "" : "  (raw where not applicable)");
        }
        if (autoKnown) {
            long autoTotal = 0;
            Codec[] autoCodecs = new Codec[arrays.size()];
            for (int a = 0; a < arrays.size(); a++) {
                autoTotal += size[a][pickVariant[a]];
                autoCodecs[a] = codecs[a][pickVariant[a]];
            }
            double[] sp = speed(arrays, a -> autoCodecs[a], reps, out, back);
            System.out.printf(Locale.ROOT, "%-16s %12d %8.3f %11.0f %11.0f%n", "auto", autoTotal, rawTotal / (double) autoTotal, sp[0], sp[1]);
        }
        System.out.printf(Locale.ROOT, "choose() for all %d arrays: %.1f ms (best of 3)%n", arrays.size(), chooseNanos / 1e6);
        if (external) {
            String[] names = {"zstd -19 (cli)", "zstd -1 (cli)", "fpzip (cli)"};
            for (int x = 0; x < 3; x++) {
                long t = 0;
                for (long[] e : ext) {
                    t += e[x];
                }
                System.out.printf(Locale.ROOT, "%-16s %12d %8.3f%n", names[x], t, rawTotal / (double) t);
            }
        }
        Map<CodecKind, List<String>> byKind = new LinkedHashMap<>();
        for (int a = 0; a < arrays.size(); a++) {
            byKind.computeIfAbsent(pick[a], k -> new ArrayList<>()).add(arrays.get(a).name);
        }
        System.out.println("\nauto picks:");
        byKind.forEach((k, names) -> System.out.println("  " + k.label() + " (" + names.size() + "): " + String.join(" ", names)));
    }

    private static String abbreviate(String s) {
        return s.length() <= 9 ? s : s.substring(0, 9);
    }

    interface CodecOf {
        Codec get(int array);
    }

    /** {encode MB/s, decode MB/s} over all arrays (skipping ones without a codec), median of reps. */
    static double[] speed(List<Arr> arrays, CodecOf codecs, int reps, byte[] out, byte[] back) {
        // encode all chunks once to know the frames for decoding
        List<byte[]> frames = new ArrayList<>();
        long raw = 0;
        for (int a = 0; a < arrays.size(); a++) {
            Codec c = codecs.get(a);
            if (c == null) {
                continue;
            }
            byte[] d = arrays.get(a).data;
            for (int off = 0; off < d.length; off += CHUNK) {
                int len = Math.min(CHUNK, d.length - off);
                int e = c.encode(d, off, len, out, 0);
                frames.add(Arrays.copyOf(out, e));
                raw += len;
            }
        }
        double[] enc = new double[reps];
        double[] dec = new double[reps];
        for (int r = -1; r < reps; r++) {
            long t0 = CPU ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
            for (int a = 0; a < arrays.size(); a++) {
                Codec c = codecs.get(a);
                if (c == null) {
                    continue;
                }
                byte[] d = arrays.get(a).data;
                for (int off = 0; off < d.length; off += CHUNK) {
                    c.encode(d, off, Math.min(CHUNK, d.length - off), out, 0);
                }
            }
            long t1 = CPU ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
            int f = 0;
            for (int a = 0; a < arrays.size(); a++) {
                Codec c = codecs.get(a);
                if (c == null) {
                    continue;
                }
                byte[] d = arrays.get(a).data;
                for (int off = 0; off < d.length; off += CHUNK) {
                    byte[] fr = frames.get(f++);
                    c.decode(fr, 0, fr.length, back, 0, Math.min(CHUNK, d.length - off));
                }
            }
            long t2 = CPU ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
            if (r >= 0) {
                enc[r] = raw / 1e6 / ((t1 - t0) / 1e9);
                dec[r] = raw / 1e6 / ((t2 - t1) / 1e9);
            }
        }
        Arrays.sort(enc);
        Arrays.sort(dec);
        return new double[] {enc[reps / 2], dec[reps / 2]};
    }

    interface Part {
        void run(Arr a, int off, int len);
    }

    static double partSpeed(List<Arr> arrays, int reps, Part part) {
        long raw = 0;
        for (Arr a : arrays) {
            raw += a.data.length;
        }
        double[] sp = new double[reps];
        for (int r = -1; r < reps; r++) {
            long t0 = CPU ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
            for (Arr a : arrays) {
                for (int off = 0; off < a.data.length; off += CHUNK) {
                    part.run(a, off, Math.min(CHUNK, a.data.length - off));
                }
            }
            long t1 = CPU ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
            if (r >= 0) {
                sp[r] = raw / 1e6 / ((t1 - t0) / 1e9);
            }
        }
        Arrays.sort(sp);
        return sp[reps / 2];
    }

    /** Speeds of the stages on their own (MB/s of raw bytes). */
    static void parts(List<Arr> arrays, int reps, int level) {
        byte[] p = new byte[CHUNK + 64];
        byte[] q = new byte[2 * CHUNK];
        byte[] back = new byte[CHUNK];
        Scratch s = new Scratch(level);
        int[] mv32 = new int[CHUNK / 4];
        long[] mv64 = new long[CHUNK / 8];
        int[] t32 = new int[Kernels.TILE];
        long[] t64 = new long[Kernels.TILE];
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        System.out.printf(Locale.ROOT, "crc32c          %8.0f%n", partSpeed(arrays, reps, (a, off, len) -> {
            crc.reset();
            crc.update(a.data, off, len);
        }));
        System.out.printf(Locale.ROOT, "shuffle fwd     %8.0f%n", partSpeed(arrays, reps, (a, off, len) -> {
            if (a.type.width() == 8) {
                Kernels.shuffle64(a.data, off, len / 8, t64, p);
            } else {
                Kernels.shuffle32(a.data, off, len / 4, t32, p);
            }
        }));
        System.out.printf(Locale.ROOT, "shuffle inv     %8.0f%n", partSpeed(arrays, reps, (a, off, len) -> {
            if (a.type.width() == 8) {
                Kernels.unshuffle64(p, len / 8, back, 0);
            } else {
                Kernels.unshuffle32(p, len / 4, back, 0);
            }
        }));
        System.out.printf(Locale.ROOT, "lorenzo fwd     %8.0f%n", partSpeed(arrays, reps, (a, off, len) -> {
            int w = a.type.width();
            int row = Kernels.effectiveRow(a.rowLength, len / w);
            if (w == 8) {
                Kernels.lorenzo64(a.data, off, len / 8, row, -1L, mv64, t64, p);
            } else {
                Kernels.lorenzo32(a.data, off, len / 4, row, -1, mv32, t32, p);
            }
        }));
        System.out.printf(Locale.ROOT, "lorenzo inv     %8.0f%n", partSpeed(arrays, reps, (a, off, len) -> {
            int w = a.type.width();
            int row = Kernels.effectiveRow(a.rowLength, len / w);
            if (w == 8) {
                Kernels.unlorenzo64(p, len / 8, 0xff, row, -1L, mv64, back, 0);
            } else {
                Kernels.unlorenzo32(p, len / 4, 0xf, row, -1, mv32, back, 0);
            }
        }));
        System.out.printf(Locale.ROOT, "zstd raw enc    %8.0f%n", partSpeed(arrays, reps, (a, off, len) ->
                s.cctx().compressByteArray(q, 0, q.length, a.data, off, len)));
        System.out.printf(Locale.ROOT, "zstd shuf enc   %8.0f%n", partSpeed(arrays, reps, (a, off, len) -> {
            if (a.type.width() == 8) {
                Kernels.shuffle64(a.data, off, len / 8, t64, p);
            } else {
                Kernels.shuffle32(a.data, off, len / 4, t32, p);
            }
            s.cctx().compressByteArray(q, 0, q.length, p, 0, len);
        }));
        System.out.printf(Locale.ROOT, "zstd lor enc    %8.0f%n", partSpeed(arrays, reps, (a, off, len) -> {
            int w = a.type.width();
            int row = Kernels.effectiveRow(a.rowLength, len / w);
            if (w == 8) {
                Kernels.lorenzo64(a.data, off, len / 8, row, -1L, mv64, t64, p);
            } else {
                Kernels.lorenzo32(a.data, off, len / 4, row, -1, mv32, t32, p);
            }
            int e = s.cctx().compressByteArray(q, 0, q.length, p, 0, len);
            s.dctx().decompressByteArray(back, 0, len, q, 0, e);
        }));
        System.out.printf(Locale.ROOT, "(lor+zstd enc+dec above; now zstd dec only of raw)%n");
        List<byte[]> frames = new ArrayList<>();
        for (Arr a : arrays) {
            for (int off = 0; off < a.data.length; off += CHUNK) {
                int len = Math.min(CHUNK, a.data.length - off);
                frames.add(Arrays.copyOf(q, s.cctx().compressByteArray(q, 0, q.length, a.data, off, len)));
            }
        }
        int[] idx = {0};
        System.out.printf(Locale.ROOT, "zstd raw dec    %8.0f%n", partSpeed(arrays, reps, (a, off, len) -> {
            if (off == 0 && a == arrays.get(0)) {
                idx[0] = 0;
            }
            byte[] f = frames.get(idx[0]++);
            s.dctx().decompressByteArray(back, 0, len, f, 0, f.length);
        }));
        long[] keys = new long[Ranks.capacity(1 << 16)];
        int[] slots = new int[keys.length];
        long[] values = new long[1 << 16];
        System.out.printf(Locale.ROOT, "distinct        %8.0f%n", partSpeed(arrays, reps, (a, off, len) -> {
            int n = len / a.type.width();
            int limit = Math.min(1 << 16, n / 4);
            if (a.type.width() == 8) {
                Ranks.distinct64(a.data, off, n, limit, mv32, keys, slots, values);
            } else {
                Ranks.distinct32(a.data, off, n, limit, mv32, keys, values);
            }
        }));
    }

    static List<Arr> load(Path dir, List<String> only) throws IOException {
        String json = Files.readString(dir.resolve("manifest.json"));
        Pattern entry = Pattern.compile("\\{[^{}]*\\}");
        List<Arr> out = new ArrayList<>();
        Matcher m = entry.matcher(json);
        while (m.find()) {
            String e = m.group();
            String name = str(e, "name");
            if (only != null && !only.contains(name)) {
                continue;
            }
            String file = str(e, "file");
            String dtype = str(e, "dtype");
            Matcher sh = Pattern.compile("\"shape\"\\s*:\\s*\\[([^\\]]*)\\]").matcher(e);
            if (!sh.find()) {
                throw new IOException("no shape in " + e);
            }
            long[] shape = Arrays.stream(sh.group(1).split(",")).map(String::trim).filter(s -> !s.isEmpty())
                    .mapToLong(Long::parseLong).toArray();
            ElementType type = switch (dtype) {
                case "f4" -> ElementType.FLOAT32;
                case "f8" -> ElementType.FLOAT64;
                case "i4" -> ElementType.INT32;
                case "i8" -> ElementType.INT64;
                case "i2" -> ElementType.INT16;
                case "i1" -> ElementType.INT8;
                default -> throw new IOException("dtype " + dtype);
            };
            out.add(new Arr(name, file, type, shape, Files.readAllBytes(dir.resolve(file)), rowLength(shape)));
        }
        return out;
    }

    /** Product of the extents after the first one longer than 1 (1 for 1-D data). */
    static int rowLength(long[] shape) {
        int i = 0;
        while (i < shape.length && shape[i] == 1) {
            i++;
        }
        long p = 1;
        for (int k = i + 1; k < shape.length; k++) {
            p *= shape[k];
        }
        return (int) Math.min(Integer.MAX_VALUE, p);
    }

    private static String str(String json, String key) throws IOException {
        Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        if (!m.find()) {
            throw new IOException("no " + key + " in " + json);
        }
        return m.group(1);
    }

    private static long run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long n = p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed");
        }
        return n;
    }

    /** fpzip with the real dimensions (singleton axes dropped, fastest first, at most 4). */
    private static long fpzip(Arr arr, Path f) throws IOException, InterruptedException {
        List<Long> dims = new ArrayList<>();
        for (int k = arr.shape.length - 1; k >= 0; k--) {
            if (arr.shape[k] != 1) {
                dims.add(arr.shape[k]);
            }
        }
        if (dims.isEmpty()) {
            dims.add(1L);
        }
        while (dims.size() > 4) {
            dims.set(3, dims.get(3) * dims.remove(4));
        }
        List<String> cmd = new ArrayList<>(List.of("fpzip", "-q", "-t", arr.type == ElementType.FLOAT64 ? "double" : "float",
                "-i", f.toString(), "-o", "/dev/stdout", "-" + dims.size()));
        dims.forEach(d -> cmd.add(Long.toString(d)));
        return run(cmd.toArray(String[]::new));
    }
}
