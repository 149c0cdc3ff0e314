package io.veloc4j.runtime;

import io.veloc4j.comm.LocalComm;
import io.veloc4j.config.VelocConfig;
import io.veloc4j.levels.persistent.AggregateInfo;
import io.veloc4j.levels.persistent.Manifest;
import io.veloc4j.levels.persistent.Member;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Issue #15's stress through the whole client: many ranks (threads) on several virtual nodes start
 * at staggered, seeded times and checkpoint at random gaps while other threads keep every core
 * busy; every version of every rank must reach persistent storage exactly once (each MANIFEST
 * lists every rank once), restore bit-exact, and nobody may hang. Rounds: 64 ranks on 4 nodes
 * twice, 256 ranks on 16 nodes once.
 * On 11d7810 (one Chronicle appender per rank) this pattern lost journal records and timed out on
 * the queue's metadata lock.
 */
class StaggeredCheckpointsTest {

    private static final int VERSIONS = 4;

    @TempDir
    Path tmp;

    @Test
    void everyVersionOfEveryRankIsPersistedExactlyOnce() {
        assertTimeoutPreemptively(Duration.ofSeconds(600), () -> {
            // the application computes on every core meanwhile, as it does on a real node
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> load = new ArrayList<>();
            for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
                Thread t = new Thread(() -> {
                    long x = 0;
                    while (!stop.get()) {
                        x = x * 31 + 7;
                    }
                }, "compute-" + i);
                t.setDaemon(true);
                t.start();
                load.add(t);
            }
            try {
                round(tmp.resolve("round-1"), 1, 64, 4);
                round(tmp.resolve("round-2"), 2, 64, 4);
                round(tmp.resolve("round-3"), 3, 256, 16);
            } finally {
                stop.set(true);
            }
        });
    }

    private static void round(Path dir, long seed, int ranks, int nodes) throws Exception {
        VelocConfig cfg = VelocConfig.of(Map.of("scratch", dir + "/s/%n", "persistent", dir + "/p",
                "virtual_nodes", Integer.toString(nodes), "group_size", "4", "max_pending", "4"));
        Random rnd = new Random(seed);
        long[] starts = IntStream.range(0, ranks).mapToLong(r -> rnd.nextInt(1500)).toArray();
        long[] seeds = IntStream.range(0, ranks).mapToLong(r -> rnd.nextLong()).toArray();
        LocalComm.run(ranks, c -> {
            Random own = new Random(seeds[c.rank()]);
            try (Veloc v = Veloc.init(cfg, c)) {
                long[] x = new long[512];
                v.protect(0, "x", x);
                Thread.sleep(starts[c.rank()]);
                for (int ver = 1; ver <= VERSIONS; ver++) {
                    Arrays.fill(x, ver * 1000L + c.rank());
                    v.checkpoint("st", ver);
                    Thread.sleep(own.nextInt(30));
                }
                v.checkpointWait();
            }
            return null;
        });
        int[] all = IntStream.range(0, ranks).toArray();
        for (int ver = 1; ver <= VERSIONS; ver++) {
            Manifest m = Manifest.read(dir.resolve("p/st/" + ver));
            List<Integer> listed = new ArrayList<>();
            for (AggregateInfo f : m.files()) {
                f.members().stream().map(Member::rank).forEach(listed::add);
            }
            listed.sort(null);
            assertArrayEquals(all, listed.stream().mapToInt(Integer::intValue).toArray(),
                    "seed " + seed + ", v" + ver + ": every rank exactly once in the MANIFEST");
            assertEquals(ranks / 4, m.files().size(), "seed " + seed + ", v" + ver + ": one file per group of 4");
        }
        System.out.printf("StaggeredCheckpointsTest: seed %d, %d ranks on %d nodes: %d versions persisted, every rank once%n",
                seed, ranks, nodes, VERSIONS);
        // and it restores
        int ver = VERSIONS;
        List<long[]> back = LocalComm.run(ranks, c -> {
            try (Veloc v = Veloc.init(cfg, c)) {
                long[] x = new long[512];
                v.protect(0, "x", x);
                v.restart("st", v.restartTest("st"));
                return x;
            }
        });
        for (int r = 0; r < ranks; r++) {
            long[] expected = new long[512];
            Arrays.fill(expected, ver * 1000L + r);
            assertArrayEquals(expected, back.get(r), "seed " + seed + ", rank " + r);
        }
    }
}
