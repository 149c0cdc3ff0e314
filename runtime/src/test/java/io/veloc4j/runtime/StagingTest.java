package io.veloc4j.runtime;

import io.veloc4j.VelocException;
import io.veloc4j.config.VelocConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.veloc4j.runtime.VelocTest.job;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * In-memory staging (staging_budget) and scratch recycling (scratch_recycle) through the API: a
 * staged checkpoint holds the memory as it was at the call, whatever the application does after
 * it returns; one too large for the budget is written directly; a staged write that fails is
 * reported by checkpointWait; kept files never outlive the client.
 */
class StagingTest {

    @TempDir
    Path tmp;

    private VelocConfig config(String... extra) throws Exception {
        Map<String, String> m = new HashMap<>(Map.of("scratch", tmp + "/s", "persistent", tmp + "/p"));
        for (int i = 0; i < extra.length; i += 2) {
            m.put(extra[i], extra[i + 1]);
        }
        return VelocConfig.of(m);
    }

    private static double[] field(int rank, int version, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = rank * 1e6 + version * 1e3 + i * 0.25;
        }
        return a;
    }

    @Test
    void aStagedCheckpointHoldsTheMemoryAsItWasAtTheCall() throws Exception {
        VelocConfig cfg = config("staging_budget", "1m", "scratch_versions", "1");
        job(2, cfg, (v, c) -> {
            double[] a = new double[20_000];
            v.protect(0, "a", a);
            for (int ver = 1; ver <= 6; ver++) {
                System.arraycopy(field(c.rank(), ver, a.length), 0, a, 0, a.length);
                v.checkpoint("st", ver);
                Arrays.fill(a, -1); // at once: the background write must not see this
            }
            v.checkpointWait();
            assertEquals(6, v.restartTest("st"));
            v.restart("st", 6);
            assertArrayEquals(field(c.rank(), 6, a.length), a);
            return null;
        });
        // a relaunch restores it from scratch or persistent storage alike
        job(2, cfg, (v, c) -> {
            double[] a = new double[20_000];
            v.protect(0, "a", a);
            assertEquals(6, v.restartTest("st"));
            v.restart("st", 6);
            assertArrayEquals(field(c.rank(), 6, a.length), a);
            return null;
        });
    }

    @Test
    void aCheckpointLargerThanTheBudgetIsWrittenDirectly() throws Exception {
        VelocConfig cfg = config("staging_budget", "4k");
        job(1, cfg, (v, c) -> {
            double[] a = field(0, 1, 10_000);
            v.protect(0, "a", a);
            v.checkpoint("big", 1);
            assertTrue(Files.isRegularFile(tmp.resolve("s").resolve("big").resolve("1").resolve("rank-0.vck")),
                    "on scratch when checkpoint() returns");
            Arrays.fill(a, 0);
            v.restart("big", 1);
            assertArrayEquals(field(0, 1, 10_000), a);
            return null;
        });
    }

    @Test
    void aStagedWriteThatFailsIsReportedAndTheNextCheckpointWorks() throws Exception {
        VelocConfig cfg = config("staging_budget", "1m");
        job(1, cfg, (v, c) -> {
            double[] a = field(0, 1, 1000);
            v.protect(0, "a", a);
            v.checkpoint("f", 1);
            v.checkpointWait();
            // the version directory cannot be created: a file is in its way
            Files.writeString(tmp.resolve("s").resolve("f").resolve("2"), "in the way");
            v.checkpoint("f", 2); // staged: returns
            VelocException e = assertThrows(VelocException.class, v::checkpointWait);
            assertTrue(e.getMessage().contains("staged in memory but not written to scratch"), e.getMessage());
            System.arraycopy(field(0, 3, 1000), 0, a, 0, 1000);
            v.checkpoint("f", 3);
            v.checkpointWait();
            assertEquals(3, v.restartTest("f"));
            return null;
        });
    }

    @Test
    void recycledFilesAreKeptBetweenCheckpointsAndGoWithTheClient() throws Exception {
        VelocConfig cfg = config("scratch_versions", "1");
        Path kept = tmp.resolve("s").resolve(".veloc4j").resolve("recycle");
        job(2, cfg, (v, c) -> {
            double[] a = new double[30_000];
            v.protect(0, "a", a);
            for (int ver = 1; ver <= 5; ver++) {
                System.arraycopy(field(c.rank(), ver, a.length), 0, a, 0, a.length);
                v.checkpoint("r", ver);
                v.checkpointWait();
            }
            c.barrier();
            assertTrue(files(kept).stream().anyMatch(p -> p.endsWith(".free")), "pruned files are kept: " + files(kept));
            Arrays.fill(a, 0);
            v.restart("r", 5);
            assertArrayEquals(field(c.rank(), 5, a.length), a);
            return null;
        });
        assertFalse(files(kept).stream().anyMatch(p -> p.endsWith(".free")), "close deletes them: " + files(kept));
        VelocConfig off = config("scratch_versions", "1", "scratch_recycle", "false");
        job(1, off, (v, c) -> {
            double[] a = field(0, 9, 1000);
            v.protect(0, "a", a);
            for (int ver = 10; ver <= 12; ver++) {
                v.checkpoint("r", ver);
                v.checkpointWait();
            }
            assertEquals(List.of(), files(kept).stream().filter(p -> p.endsWith(".free")).toList(), "nothing kept when off");
            return null;
        });
    }

    private static List<String> files(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(Path::toString).toList();
        }
    }
}
