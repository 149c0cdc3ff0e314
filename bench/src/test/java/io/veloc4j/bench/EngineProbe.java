package io.veloc4j.bench;

import io.veloc4j.levels.codec.CodecKind;
import io.veloc4j.levels.persistent.Encoding;
import io.veloc4j.levels.persistent.Scheme;
import io.veloc4j.levels.scratch.RankFileInfo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The compression bench's engine rows for a few encodings only, for profiling by hand (not a
 * test): {@code java -cp ... io.veloc4j.bench.EngineProbe [--data DIR] [--ranks 16] [--reps 3]
 * scheme/codec ...}, e.g. {@code aware-block/auto agnostic/zstd}.
 */
public final class EngineProbe {

    /** CPU time of all threads of this JVM (the codec thread included). */
    private static long cpuNow() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** Only writing (phase "write") or only extracting every rank ("extract"), reps times, for a profiler. */
    private static void phase(Path work, Encoding e, List<int[]> groups, List<RankFileInfo> files, String phase, int reps)
            throws Exception {
        if (phase.equals("extract")) {
            reps = Math.max(reps, 1);
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            io.veloc4j.levels.persistent.AggregateWriter writer = new io.veloc4j.levels.persistent.AggregateWriter(pool, 1, 1);
            Path agg = work.resolve("agg");
            java.nio.file.Files.createDirectories(agg);
            List<io.veloc4j.levels.persistent.AggregateInfo> infos = new ArrayList<>();
            long raw = files.stream().mapToLong(RankFileInfo::bytes).sum();
            for (int rep = 0; rep < (phase.equals("write") ? reps : 1); rep++) {
                infos.clear();
                long t = cpuNow();
                for (int g = 0; g < groups.size(); g++) {
                    List<io.veloc4j.levels.persistent.AggregateWriter.Source> src = new ArrayList<>();
                    for (int r : groups.get(g)) {
                        src.add(new io.veloc4j.levels.persistent.AggregateWriter.Source(r, files.get(r).path(), files.get(r).crc()));
                    }
                    infos.add(writer.write(agg, e, g, src));
                }
                System.out.printf("write %.1f MB/s (cpu)%n", raw * 1e3 / (cpuNow() - t));
            }
            if (phase.equals("extract")) {
                Path out = work.resolve("out.vck");
                for (int rep = 0; rep < reps; rep++) {
                    long t = cpuNow();
                    long read = 0;
                    for (io.veloc4j.levels.persistent.AggregateInfo info : infos) {
                        try (io.veloc4j.levels.persistent.AggregateFile a = io.veloc4j.levels.persistent.AggregateFile.open(agg.resolve(info.file()))) {
                            for (io.veloc4j.levels.persistent.Member m : a.members()) {
                                try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(out,
                                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
                                    a.extract(m.rank(), ch);
                                }
                            }
                            read += a.bytesDecoded();
                        }
                    }
                    System.out.printf("extract %.1f MB/s (cpu), decoded %,d%n", raw * 1e3 / (cpuNow() - t), read);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    public static void main(String[] args) throws Exception {
        Path data = Path.of("/work/realdata");
        int ranks = 16;
        int reps = 3;
        String phase = null;
        List<String> which = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--data" -> data = Path.of(args[++i]);
                case "--ranks" -> ranks = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--phase" -> phase = args[++i];
                default -> which.add(args[i]);
            }
        }
        List<List<RealData.Slab>> perRank = RealData.slabs(data, RealData.load(data), ranks);
        Path work = RankFiles.scratch(null, "veloc4j-probe-");
        try (GroupRun run = new GroupRun(1)) {
            List<RankFileInfo> files = RankFiles.write(work.resolve("ranks"), "probe", perRank);
            List<int[]> groups = CompressionBench.consecutive(ranks, 8);
            for (String w : which) {
                String[] sc = w.split("/");
                Scheme scheme = Arrays.stream(Scheme.values()).filter(s -> s.label().equals(sc[0])).findFirst().orElseThrow();
                CodecKind kind = sc[1].equals("auto") ? null : CodecKind.ofLabel(sc[1]);
                Encoding e = new Encoding(scheme, kind, Encoding.DEFAULT_BLOCK_SIZE, 1);
                if (phase != null) {
                    phase(work, e, groups, files, phase, reps);
                    continue;
                }
                run.run(work, e, groups, files); // warm-up
                double[] c = new double[reps];
                double[] d = new double[reps];
                GroupRun.Result r = null;
                for (int i = 0; i < reps; i++) {
                    r = run.run(work, e, groups, files);
                    c[i] = r.rawBytes() * 1e3 / r.compressCpuNs();
                    d[i] = r.rawBytes() * 1e3 / r.decompressCpuNs();
                }
                Arrays.sort(c);
                Arrays.sort(d);
                System.out.printf("%-22s ratio %.4f  stored %,d  compress %.1f MB/s/core  decompress %.1f MB/s/core  %s%n", w,
                        (double) r.rawBytes() / r.storedBytes(), r.storedBytes(), c[reps / 2], d[reps / 2], r.codecs());
            }
        } finally {
            Demo.deleteTree(work);
        }
    }
}
