package io.veloc4j.bench;

import io.veloc4j.comm.CommException;
import io.veloc4j.comm.LocalComm;
import io.veloc4j.config.VelocConfig;
import io.veloc4j.runtime.Restored;
import io.veloc4j.runtime.Veloc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** heatdis with 16 ranks as threads on 4 virtual nodes: failure, restart, node loss. */
class HeatDisLocalTest {

    private static final int RANKS = 16;
    private static final Duration HANG_GUARD = Duration.ofSeconds(120);

    @TempDir
    Path tmp;

    private HeatDis.Options options(int ckptEvery, int failAt, Path config) {
        // 1 MiB per rank as 2 rows of 65536 columns: within 40 steps the heat reaches all 16 ranks,
        // so every rank's field is distinct and depends on the halo exchanges
        return new HeatDis.Options(1, 65536, 40, ckptEvery, failAt, config, null, RANKS, true);
    }

    private static List<String> hashes(List<HeatDis.Result> results) {
        return results.stream().map(HeatDis.Result::fieldSha256).toList();
    }

    @Test
    void failRestartAndLoseAVirtualNode() throws Exception {
        Path cfg = tmp.resolve("veloc.cfg");
        Files.writeString(cfg, """
                scratch = %s/s/%%n
                persistent = %s/p
                virtual_nodes = 4
                """.formatted(tmp, tmp));

        List<HeatDis.Result> reference = assertTimeoutPreemptively(HANG_GUARD,
                () -> LocalComm.run(RANKS, c -> HeatDis.run(c, options(0, -1, null))));
        assertEquals(RANKS, hashes(reference).stream().distinct().count());
        reference.forEach(r -> assertNull(r.restored()));

        CommException died = assertTimeoutPreemptively(HANG_GUARD, () -> assertThrows(CommException.class,
                () -> LocalComm.run(RANKS, c -> HeatDis.run(c, options(10, 25, cfg)))));
        assertInstanceOf(HeatDis.SimulatedFailure.class, died.getCause(), String.valueOf(died));
        assertTrue(died.getCause().getMessage().contains("step 25"), died.getCause().getMessage());
        for (int r = 0; r < RANKS; r++) {
            assertTrue(Files.isRegularFile(tmp.resolve("s/" + r / 4 + "/heat/20/rank-" + r + ".vck")), "rank " + r);
        }

        List<HeatDis.Result> restarted = assertTimeoutPreemptively(HANG_GUARD,
                () -> LocalComm.run(RANKS, c -> HeatDis.run(c, options(10, -1, cfg))));
        for (HeatDis.Result r : restarted) {
            assertEquals(new Restored(HeatDis.NAME, 20, "scratch"), r.restored());
        }
        assertEquals(hashes(reference), hashes(restarted), "bit-identical to the failure-free run");

        // the restarted run went on to checkpoint 30 and 40; every rank can restore 40
        VelocConfig config = VelocConfig.load(cfg, java.util.Map.of());
        assertEquals(Collections.nCopies(RANKS, 40), restartTest(config));

        // virtual node 1 loses its scratch: the flushed copy on persistent storage still has v40
        deleteTree(tmp.resolve("s/1"));
        assertTrue(Files.isRegularFile(tmp.resolve("p/heat/40/MANIFEST")), "close() drained the flush of v40");
        assertEquals(Collections.nCopies(RANKS, 40), restartTest(config));
        assertTrue(Files.isDirectory(tmp.resolve("s/0/heat/40")), "the other nodes' files are untouched");

        // a relaunch restores node 1's ranks from persistent storage, the others from scratch, bit-exact
        List<HeatDis.Result> again = assertTimeoutPreemptively(HANG_GUARD,
                () -> LocalComm.run(RANKS, c -> HeatDis.run(c, options(10, -1, cfg))));
        for (int r = 0; r < RANKS; r++) {
            assertEquals(new Restored(HeatDis.NAME, 40, r / 4 == 1 ? "persistent" : "scratch"), again.get(r).restored(),
                    "rank " + r);
        }
        assertEquals(hashes(reference), hashes(again), "restored from two levels, bit-identical");
    }

    private static List<Integer> restartTest(VelocConfig config) {
        return assertTimeoutPreemptively(HANG_GUARD, () -> LocalComm.run(RANKS, c -> {
            try (Veloc v = Veloc.init(config, c)) {
                return v.restartTest(HeatDis.NAME);
            }
        }));
    }

    private static void deleteTree(Path p) throws Exception {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
        assertFalse(Files.exists(p));
    }
}
