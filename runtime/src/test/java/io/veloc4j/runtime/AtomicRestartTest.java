package io.veloc4j.runtime;

import io.veloc4j.VelocException;
import io.veloc4j.config.VelocConfig;
import io.veloc4j.levels.Variable;
import io.veloc4j.levels.Region;
import io.veloc4j.levels.scratch.RankFile;
import io.veloc4j.levels.scratch.RankFileWriter;
import io.veloc4j.levels.scratch.ScratchLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.veloc4j.runtime.VelocTest.bits;
import static io.veloc4j.runtime.VelocTest.job;
import static io.veloc4j.runtime.VelocTest.single;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Restart restores atomically per rank: nothing of a copy reaches application memory before the
 * whole copy is verified, so a damaged or mismatched copy leaves the memory untouched, and a
 * fall-through restores every variable from one good copy.
 */
class AtomicRestartTest {

    @TempDir
    Path tmp;

    private VelocConfig config(String... extra) throws Exception {
        Map<String, String> m = new HashMap<>(Map.of("scratch", tmp + "/s", "persistent", tmp + "/p"));
        for (int i = 0; i < extra.length; i += 2) {
            m.put(extra[i], extra[i + 1]);
        }
        return VelocConfig.of(m);
    }

    /** Flips one byte inside the data of the rank file's last variable (the first ones are intact). */
    private static void damageLastVariable(Path rankFile) throws Exception {
        Variable last;
        try (RankFile f = RankFile.open(rankFile)) {
            last = f.variables().get(f.variables().size() - 1);
        }
        try (RandomAccessFile raf = new RandomAccessFile(rankFile.toFile(), "rw")) {
            long at = last.offset() + last.length() / 2;
            raf.seek(at);
            int b = raf.read();
            raf.seek(at);
            raf.write(b ^ 0x20);
        }
    }

    private static double[] field(int version) {
        double[] a = new double[5000];
        Arrays.setAll(a, k -> version * 1000.0 + k / 7.0);
        return a;
    }

    private static long[] counters(int version) {
        long[] b = new long[300];
        Arrays.setAll(b, k -> version * 31L + k);
        return b;
    }

    @Test
    void aDamagedCopyWithNoLevelLeftLeavesTheMemoryUntouched() throws Exception {
        VelocConfig cfg = config("persistent_interval", "-1"); // scratch is the only level
        single(cfg, (v, c) -> {
            v.protect(0, "field", field(1));
            v.protect(1, "counters", counters(1));
            v.checkpoint("atom", 1);
            return null;
        });
        damageLastVariable(tmp.resolve("s/atom/1/rank-0.vck"));
        single(cfg, (v, c) -> {
            double[] a = new double[5000];
            long[] b = new long[300];
            Arrays.fill(a, -1.5);
            Arrays.fill(b, -7);
            v.protect(0, "field", a);
            v.protect(1, "counters", b);
            VelocException e = assertThrows(VelocException.class, () -> v.restart("atom", 1));
            assertTrue(e.getMessage().contains("checksum"), e.getMessage());
            assertTrue(Arrays.stream(a).allMatch(x -> x == -1.5), "the intact first variable was not written either");
            assertTrue(Arrays.stream(b).allMatch(x -> x == -7), "the damaged variable was not written");
            return null;
        });
    }

    @Test
    void aDamagedScratchCopyFallsThroughAndEveryVariableComesFromThePersistentCopy() throws Exception {
        VelocConfig cfg = config();
        job(2, cfg, (v, c) -> {
            v.protect(0, "field", field(1 + c.rank()));
            v.protect(1, "counters", counters(1 + c.rank()));
            v.checkpoint("atom", 1);
            v.checkpointWait();
            return null;
        });
        damageLastVariable(tmp.resolve("s/atom/1/rank-1.vck"));
        List<Restored> got = job(2, cfg, (v, c) -> {
            double[] a = new double[5000];
            long[] b = new long[300];
            v.protect(0, "field", a);
            v.protect(1, "counters", b);
            assertEquals(1, v.restartTest("atom"));
            Restored r = v.restart("atom", 1);
            assertArrayEquals(bits(field(1 + c.rank())), bits(a), "rank " + c.rank());
            assertArrayEquals(counters(1 + c.rank()), b, "rank " + c.rank());
            return r;
        });
        assertEquals(List.of(new Restored("atom", 1, "scratch"), new Restored("atom", 1, "persistent")), got);
    }

    @Test
    void aCopyWhoseVariableIdsChangedFallsBackToTheNextLevel() throws Exception {
        job(1, config(), (v, c) -> {
            v.protect(0, "field", field(1));
            v.protect(1, "counters", counters(1));
            v.checkpoint("ids", 1);
            v.checkpointWait();
            return null;
        });
        // the scratch copy of v1 rewritten with other ids (a valid file; a client refuses to write a
        // committed version again, so straight through the scratch level): persistent keeps the first one
        new ScratchLevel(tmp.resolve("s"), 0, 1, true, false, 1).write("ids", 1, List.of(
                new RankFileWriter.Entry(0, "field", new long[] {field(2).length}, Region.of(field(2))),
                new RankFileWriter.Entry(5, "counters", new long[] {counters(2).length}, Region.of(counters(2)))));
        Restored r = single(config(), (v, c) -> {
            v.restartBegin("ids", 1);
            assertEquals(300 * 8, v.recoverSize(1), "recoverSize (bytes) falls back as well");
            double[] a = new double[(int) v.recoverSize(0) / 8];
            long[] b = new long[300];
            v.protect(0, "field", a);
            v.protect(1, "counters", b);
            Restored back = v.recoverMem();
            v.restartEnd();
            assertArrayEquals(bits(field(1)), bits(a));
            assertArrayEquals(counters(1), b);
            return back;
        });
        assertEquals(new Restored("ids", 1, "persistent"), r);
        VelocException none = single(config(), (v, c) -> {
            v.protect(0, "field", new double[5000]);
            v.protect(9, "nowhere", new long[1]);
            return assertThrows(VelocException.class, () -> v.restart("ids", 1));
        });
        assertTrue(none.getMessage().contains("has no variable with id 9"), none.getMessage());
        assertTrue(none.getMessage().contains("from any level"), none.getMessage());
    }

    @Test
    void restoringIntoAReadOnlyBufferIsRefusedBeforeAnythingIsWritten() throws Exception {
        VelocConfig cfg = config("persistent_interval", "-1");
        single(cfg, (v, c) -> {
            v.protect(0, "field", field(1));
            ByteBuffer b = ByteBuffer.allocate(64);
            b.put(0, (byte) 9);
            v.protect(1, "ro", b.asReadOnlyBuffer()); // a read-only buffer can be checkpointed
            v.checkpoint("ro", 1);
            return null;
        });
        single(cfg, (v, c) -> {
            double[] a = new double[5000];
            v.protect(0, "field", a);
            v.protect(1, "ro", ByteBuffer.allocate(64).asReadOnlyBuffer());
            VelocException e = assertThrows(VelocException.class, () -> v.restart("ro", 1));
            assertTrue(e.getMessage().contains("read-only"), e.getMessage());
            assertTrue(e.getMessage().contains("'ro'"), e.getMessage());
            assertTrue(Arrays.stream(a).allMatch(x -> x == 0), "nothing restored before the refusal");
            return null;
        });
    }
}
