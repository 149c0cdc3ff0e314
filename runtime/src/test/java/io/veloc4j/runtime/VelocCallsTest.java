package io.veloc4j.runtime;

import io.veloc4j.VelocException;
import io.veloc4j.config.ConfigException;
import io.veloc4j.config.VelocConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.veloc4j.runtime.VelocTest.deleteTree;
import static io.veloc4j.runtime.VelocTest.job;
import static io.veloc4j.runtime.VelocTest.single;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * VELOC's calls (Checkpoint_begin/_mem/_end, selective checkpoint and recovery, Mem_clear,
 * Cleanup, Restart_end) and the restores that must not be wrong: another rank count, a version
 * that does not increase.
 */
class VelocCallsTest {

    @TempDir
    Path tmp;

    private VelocConfig config(String... extra) throws Exception {
        Map<String, String> m = new HashMap<>(Map.of("scratch", tmp + "/s/%n", "persistent", tmp + "/p"));
        for (int i = 0; i < extra.length; i += 2) {
            m.put(extra[i], extra[i + 1]);
        }
        return VelocConfig.of(m);
    }

    @Test
    void beginMemEndIsCheckpointAndEndWithoutSuccessLeavesNoVersion() throws Exception {
        VelocConfig cfg = config();
        single(cfg, (v, c) -> {
            int[] x = {7, 8};
            v.protect(0, "x", x);
            v.checkpointBegin("ph", 1);
            assertThrows(VelocException.class, () -> v.checkpointBegin("ph", 2), "no nested phases");
            v.checkpointMem();
            assertThrows(VelocException.class, v::checkpointMem, "once per phase");
            v.checkpointEnd(true);
            x[0] = 9;
            v.checkpointBegin("ph", 2);
            v.checkpointMem();
            v.checkpointEnd(false);
            assertFalse(Files.exists(v.scratchDir().resolve("ph/2/rank-0.vck")), "the failed phase's copy is gone");
            assertThrows(VelocException.class, () -> v.checkpointEnd(true), "no phase open");
            assertThrows(VelocException.class, v::checkpointMem, "no phase open");
            v.checkpointWait();
            return null;
        });
        int[] back = single(cfg, (v, c) -> {
            int[] x = new int[2];
            v.protect(0, "x", x);
            assertEquals(1, v.restartTest("ph", 0));
            v.restart("ph", 1);
            return x;
        });
        assertArrayEquals(new int[] {7, 8}, back);
    }

    @Test
    void selectiveCheckpointAndRecoveryByIds() throws Exception {
        VelocConfig cfg = config();
        single(cfg, (v, c) -> {
            v.protect(0, "a", new long[] {1, 2});
            v.protect(1, "b", new long[] {3});
            v.protect(2, "c", new long[] {4, 5, 6});
            v.checkpointBegin("sel", 1);
            v.checkpointMem(Selection.SOME, 0, 2);
            v.checkpointEnd(true);
            v.checkpointBegin("sel", 2);
            v.checkpointMem(Selection.REST, 0);
            v.checkpointEnd(true);
            v.checkpointBegin("sel", 3);
            VelocException unknown = assertThrows(VelocException.class, () -> v.checkpointMem(Selection.SOME, 9));
            assertTrue(unknown.getMessage().contains("id 9 is not protected"), unknown.getMessage());
            v.checkpointEnd(false);
            return null;
        });
        single(cfg, (v, c) -> {
            long[] a = new long[2];
            long[] b = {-1};
            long[] cc = new long[3];
            v.protect(0, "a", a);
            v.protect(1, "b", b);
            v.protect(2, "c", cc);
            v.restartBegin("sel", 1);
            assertEquals(16, v.recoverSize(0));
            assertEquals(24, v.recoverSize(2));
            assertThrows(VelocException.class, () -> v.recoverSize(1), "b was not selected");
            v.recoverMem(Selection.SOME, 2);
            assertArrayEquals(new long[] {0, 0}, a, "not selected for recovery");
            assertArrayEquals(new long[] {4, 5, 6}, cc);
            v.recoverMem(Selection.REST, 1, 2);
            assertArrayEquals(new long[] {1, 2}, a);
            assertArrayEquals(new long[] {-1}, b);
            assertThrows(VelocException.class, () -> v.recoverMem(), "b is protected but not in version 1");
            v.restartEnd(true);
            v.restartBegin("sel", 2);
            v.recoverMem(Selection.REST, 0);
            assertArrayEquals(new long[] {3}, b);
            v.restartEnd(true);
            return null;
        });
    }

    @Test
    void memClearUnprotectsEverything() throws Exception {
        single(config(), (v, c) -> {
            v.protect(0, "a", new int[1]);
            v.protect(1, "b", new int[1]);
            v.memClear();
            v.checkpointBegin("mc", 1);
            VelocException e = assertThrows(VelocException.class, v::checkpointMem);
            assertTrue(e.getMessage().contains("selects no protected variable"), e.getMessage());
            v.checkpointEnd(false);
            return null;
        });
    }

    @Test
    void cleanupDeletesTheScratchCopiesOnly() throws Exception {
        VelocConfig cfg = config("scratch_versions", "0");
        single(cfg, (v, c) -> {
            v.protect(0, "a", new int[] {5});
            v.checkpoint("cl", 1);
            v.checkpoint("cl", 2);
            v.checkpoint("other", 1);
            assertTrue(Files.exists(v.scratchDir().resolve("cl/1/rank-0.vck")), "scratch_versions = 0 keeps all");
            v.cleanup("cl");
            assertFalse(Files.exists(v.scratchDir().resolve("cl/1/rank-0.vck")));
            assertFalse(Files.exists(v.scratchDir().resolve("cl/2/rank-0.vck")));
            assertTrue(Files.exists(v.scratchDir().resolve("other/1/rank-0.vck")));
            assertEquals(2, v.restartTest("cl"), "persistent storage still has it");
            return null;
        });
        assertTrue(Files.exists(tmp.resolve("p/cl/2/MANIFEST")));
    }

    @Test
    void restartEndSuccessMakesTheRestoredVersionTheNewest() throws Exception {
        VelocConfig cfg = config("persistent_interval", "-1");
        single(cfg, (v, c) -> {
            v.protect(0, "a", new int[] {5});
            v.checkpoint("re", 10);
            return null;
        });
        single(cfg, (v, c) -> {
            v.protect(0, "a", new int[1]);
            v.restartBegin("re", 10);
            v.recoverMem();
            v.restartEnd(false);
            v.checkpoint("re", 10); // the restore did not count: the earlier launch's copy is replaced
            return null;
        });
        single(cfg, (v, c) -> {
            v.protect(0, "a", new int[1]);
            v.restart("re", 10);
            VelocException e = assertThrows(VelocException.class, () -> v.checkpoint("re", 10));
            assertTrue(e.getMessage().contains("versions must increase"), e.getMessage());
            v.checkpoint("re", 11);
            return null;
        });
    }

    @Test
    void aVersionCommittedByAnEarlierLaunchIsNotOverwritten() throws Exception {
        VelocConfig cfg = config();
        single(cfg, (v, c) -> {
            v.protect(0, "a", new int[] {5});
            v.checkpoint("cm", 3);
            return null;
        });
        single(cfg, (v, c) -> {
            v.protect(0, "a", new int[] {6});
            VelocException e = assertThrows(VelocException.class, () -> v.checkpoint("cm", 3));
            assertTrue(e.getMessage().contains("already committed on persistent storage"), e.getMessage());
            v.checkpoint("cm", 4);
            return null;
        });
    }

    @Test
    void anotherRankCountIsNotRestorable() throws Exception {
        VelocConfig cfg = config();
        job(4, cfg, (v, c) -> {
            v.protect(0, "slab", new double[] {c.rank(), c.rank()});
            v.checkpoint("rk", 5);
            return null;
        });
        for (boolean loseScratch : new boolean[] {false, true}) {
            if (loseScratch) {
                deleteTree(tmp.resolve("s"));
            }
            List<String> errors = job(2, cfg, (v, c) -> {
                double[] slab = new double[2];
                v.protect(0, "slab", slab);
                assertEquals(-1, v.restartTest("rk"), "says none");
                assertEquals(-1, v.restartTest("rk", 0));
                VelocException e = assertThrows(VelocException.class, () -> v.restart("rk", 5));
                assertArrayEquals(new double[2], slab, "nothing restored");
                return e.getMessage();
            });
            for (String m : errors) {
                assertTrue(m.contains("written by a job of 4 ranks, this one has 2"), m);
            }
        }
        job(8, cfg, (v, c) -> {
            v.protect(0, "slab", new double[2]);
            assertEquals(-1, v.restartTest("rk"), "8 ranks cannot restore 4 either");
            return null;
        });
    }

    @Test
    void moreVirtualNodesThanRanksIsAConfigErrorAtTheKey() throws Exception {
        VelocConfig cfg = config("virtual_nodes", "3");
        Exception e = assertThrows(Exception.class, () -> job(2, cfg, (v, c) -> null));
        Throwable t = e;
        while (t != null && !(t instanceof ConfigException)) {
            t = t.getCause();
        }
        assertTrue(t instanceof ConfigException, "a ConfigException: " + e);
        assertTrue(t.getMessage().startsWith("VelocConfig.of: key 'virtual_nodes': virtual_nodes = 3 but a host"),
                t.getMessage());
    }
}
