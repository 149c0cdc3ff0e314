package io.veloc4j.bench;

import io.veloc4j.comm.LocalComm;
import io.veloc4j.config.VelocConfig;
import io.veloc4j.levels.persistent.AggregateInfo;
import io.veloc4j.levels.persistent.Manifest;
import io.veloc4j.levels.persistent.Member;
import io.veloc4j.runtime.Restored;
import io.veloc4j.runtime.Veloc;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One JVM of {@code bench scale}: N ranks as threads on K virtual nodes through the whole pipeline
 * (checkpoint, flush, restart from scratch, restart from persistent), checked for loss, with the
 * JVM's memory and threads measured while every rank holds its client. Writes one JSON object.
 */
public final class ScaleJob {

    private ScaleJob() {
    }

    record Sample(long blockingMaxNanos, long blockingSumNanos, long persistNanos) {
    }

    public static void main(String[] argv) throws Exception {
        Args a = new Args("scale-job", argv);
        int ranks = a.intOpt("--ranks", 16);
        int nodes = a.intOpt("--nodes", 4);
        int kib = a.intOpt("--kib", 256);
        int versions = a.intOpt("--versions", 5);
        Path dir = a.pathOpt("--dir", null);
        Path out = a.pathOpt("--out", null);
        a.done();
        Map<String, Object> res = run(ranks, nodes, kib, versions, dir);
        Files.writeString(out, Json.write(res));
        System.exit(0);
    }

    static Map<String, Object> run(int ranks, int nodes, int kib, int versions, Path dir) throws Exception {
        VelocConfig cfg = VelocConfig.of(Map.of("scratch", dir + "/s/%n", "persistent", dir + "/p",
                "virtual_nodes", Integer.toString(nodes), "group_size", "4",
                // no back-pressure: blocking time is the scratch write alone, not a wait for earlier flushes
                "max_pending", Integer.toString(versions + 1)));
        int n = kib * 128; // doubles
        Memory before = Memory.now();
        long[][] perRank = new long[ranks][];
        Memory[] during = new Memory[1];
        long t0 = System.nanoTime();
        LocalComm.run(ranks, c -> {
            double[] x = new double[n];
            long blockMax = 0;
            long blockSum = 0;
            long lastReturn;
            try (Veloc v = Veloc.init(cfg, c)) {
                v.protect(0, "x", x);
                lastReturn = System.nanoTime();
                for (int ver = 1; ver <= versions; ver++) {
                    fill(x, c.rank(), ver);
                    Thread.sleep(20); // the compute phase between checkpoints
                    long s = System.nanoTime();
                    v.checkpoint("scale", ver);
                    lastReturn = System.nanoTime();
                    blockMax = Math.max(blockMax, lastReturn - s);
                    blockSum += lastReturn - s;
                }
                c.barrier();
                if (c.rank() == 0) {
                    during[0] = Memory.now();
                }
                c.barrier();
                v.checkpointWait();
                perRank[c.rank()] = new long[] {blockMax, blockSum, System.nanoTime() - lastReturn};
            }
            return null;
        });
        long pipeline = System.nanoTime() - t0;
        long journalBytes = 0;
        for (int node = 0; node < nodes; node++) {
            journalBytes += allocated(dir.resolve("s/" + node + "/.veloc4j/journal"));
        }
        checkManifests(dir.resolve("p/scale"), ranks, versions);
        long restartScratch = restart(cfg, ranks, n, versions, "scratch");
        for (int node = 0; node < nodes; node++) {
            Demo.deleteTree(dir.resolve("s/" + node));
        }
        long restartPersistent = restart(cfg, ranks, n, versions, "persistent");

        Map<String, Object> r = new LinkedHashMap<>();
        r.put("ranks", ranks);
        r.put("nodes", nodes);
        r.put("kib_per_rank", kib);
        r.put("versions", versions);
        r.put("blocking_max_ms", ms(Arrays.stream(perRank).mapToLong(p -> p[0]).max().orElse(0)));
        r.put("blocking_mean_ms", ms(Arrays.stream(perRank).mapToLong(p -> p[1]).sum() / ((long) ranks * versions)));
        r.put("until_persisted_ms", ms(Arrays.stream(perRank).mapToLong(p -> p[2]).max().orElse(0)));
        r.put("pipeline_ms", ms(pipeline));
        r.put("restart_scratch_ms", ms(restartScratch));
        r.put("restart_persistent_ms", ms(restartPersistent));
        r.put("threads", during[0].threads);
        r.put("threads_before", before.threads);
        r.put("heap_per_rank_kib", (during[0].heap - before.heap) / 1024 / ranks);
        r.put("direct_per_rank_kib", (during[0].direct - before.direct) / 1024 / ranks);
        r.put("mapped_rss_per_rank_kib", (during[0].mappedRss - before.mappedRss) / 1024 / ranks);
        r.put("mapped_virtual_per_rank_kib", (during[0].mappedVirtual - before.mappedVirtual) / 1024 / ranks);
        r.put("virtual_mib", during[0].virtual / (1 << 20));
        r.put("journal_bytes_per_version", journalBytes / versions);
        r.put("lost", 0);
        return r;
    }

    private static void fill(double[] x, int rank, int ver) {
        for (int i = 0; i < x.length; i += 97) {
            x[i] = rank * 1e6 + ver * 1e3 + i;
        }
    }

    /** Every version committed, its MANIFEST listing every rank exactly once; throws naming what is lost. */
    private static void checkManifests(Path dir, int ranks, int versions) throws Exception {
        for (int v = 1; v <= versions; v++) {
            Manifest m = Manifest.read(dir.resolve(Integer.toString(v)));
            List<Integer> got = new ArrayList<>();
            for (AggregateInfo f : m.files()) {
                f.members().stream().map(Member::rank).forEach(got::add);
            }
            got.sort(null);
            List<Integer> all = new ArrayList<>();
            for (int r = 0; r < ranks; r++) {
                all.add(r);
            }
            if (!got.equals(all)) {
                throw new IllegalStateException("v" + v + ": the MANIFEST lists ranks " + got + ", not every rank once");
            }
        }
    }

    /** Restarts the newest version on every rank; checks the level and the bytes; returns the wall time. */
    private static long restart(VelocConfig cfg, int ranks, int n, int versions, String level) throws Exception {
        long t0 = System.nanoTime();
        LocalComm.run(ranks, c -> {
            try (Veloc v = Veloc.init(cfg, c)) {
                double[] x = new double[n];
                v.protect(0, "x", x);
                int ver = v.restartTest("scale");
                Restored r = v.restart("scale", ver);
                double[] expected = new double[n];
                fill(expected, c.rank(), versions);
                if (ver != versions || !r.level().equals(level) || !Arrays.equals(expected, x)) {
                    throw new IllegalStateException("rank " + c.rank() + " restored v" + ver + " from " + r.level()
                            + (Arrays.equals(expected, x) ? "" : " with wrong bytes") + "; expected v" + versions + " from " + level);
                }
            }
            return null;
        });
        return System.nanoTime() - t0;
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 1e4) / 100.0;
    }

    /** Bytes the file system allocated under {@code p} (du): Chronicle's queue files are sparse, their length is not their cost. */
    private static long allocated(Path p) throws IOException, InterruptedException {
        if (!Files.exists(p)) {
            return 0;
        }
        Process du = new ProcessBuilder("du", "-s", "-B1", p.toString()).redirectErrorStream(true).start();
        String out = new String(du.getInputStream().readAllBytes()).trim();
        du.waitFor();
        try {
            return Long.parseLong(out.split("\\s+")[0]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The JVM's memory as one sample: heap in use after a GC, direct buffers, Chronicle's mapped queue files. */
    record Memory(long heap, long direct, long mappedRss, long mappedVirtual, long virtual, int threads) {
        static Memory now() throws IOException {
            System.gc();
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            long direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                    .filter(b -> b.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
            long rss = 0;
            long virt = 0;
            boolean queue = false;
            for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
                String[] w = line.split("\\s+");
                if (w[0].matches("[0-9a-f]+-[0-9a-f]+")) { // a mapping's header line; its fields follow
                    queue = w.length >= 6 && (w[5].endsWith(".cq4") || w[5].endsWith(".cq4t"));
                    if (queue) {
                        String[] range = w[0].split("-");
                        virt += Long.parseUnsignedLong(range[1], 16) - Long.parseUnsignedLong(range[0], 16);
                    }
                } else if (queue && line.startsWith("Rss:")) {
                    rss += Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            long vm = 0;
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmSize:")) {
                    vm = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            return new Memory(heap, direct, rss, virt, vm, Thread.activeCount());
        }
    }
}
