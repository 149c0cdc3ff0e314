package io.veloc4j.bench;

import io.veloc4j.comm.LocalComm;
import io.veloc4j.config.VelocConfig;
import io.veloc4j.levels.persistent.PersistentStore;
import io.veloc4j.runtime.Restored;
import io.veloc4j.runtime.Veloc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * flush_on_restart: a job dies (its own JVM, halted) with checkpoints on scratch that never reached
 * persistent storage; the next job's init flushes them before it returns, before any new checkpoint.
 */
class FlushOnRestartTest {

    private static final int RANKS = 4;
    private static final Duration HANG_GUARD = Duration.ofSeconds(120);

    @TempDir
    Path tmp;

    private static String show(Path log) {
        try {
            return "\n---- job log " + log + " ----\n" + Files.readString(log);
        } catch (IOException e) {
            return "\n(no log: " + e + ")";
        }
    }

    @Test
    void versionsADeadJobLeftOnScratchAreCommittedAtTheNextInit() throws Exception {
        Path cfg = tmp.resolve("veloc.cfg");
        Files.writeString(cfg, """
                scratch = %s/s/%%n
                persistent = %s/p
                virtual_nodes = 2
                """.formatted(tmp, tmp));
        // persistent storage unusable while the first job runs: a file where <p>/heat/<v>/ must go
        Files.createDirectories(tmp.resolve("p"));
        Path blocker = tmp.resolve("p").resolve(HeatDis.NAME);
        Files.writeString(blocker, "not a directory");

        Path log = tmp.resolve("job.log");
        List<String> cmd = new JobLauncher().javaCommand(512, HeatDis.class.getName(), List.of("--local", "4",
                "--mb", "1", "--cols", "65536", "--steps", "30", "--ckpt-every", "10", "--fail-at", "25",
                "--config", cfg.toString(), "--quiet"));
        assertEquals(HeatDis.FAILED, JobLauncher.run(cmd, log, 120), "the job dies at step 25" + show(log));
        for (int r = 0; r < RANKS; r++) {
            for (int v : new int[] {10, 20}) {
                assertTrue(Files.isRegularFile(tmp.resolve("s/" + r / 2 + "/heat/" + v + "/rank-" + r + ".vck")),
                        "rank " + r + " v" + v + show(log));
            }
        }
        assertTrue(Files.isRegularFile(blocker), "nothing was persisted" + show(log));

        Files.delete(blocker);
        VelocConfig config = VelocConfig.load(cfg, Map.of());
        List<Boolean> committedAtInit = assertTimeoutPreemptively(HANG_GUARD, () -> LocalComm.run(RANKS, c -> {
            try (Veloc v = Veloc.init(config, c)) {
                PersistentStore store = new PersistentStore(tmp.resolve("p"));
                return store.isCommitted(HeatDis.NAME, 10) && store.isCommitted(HeatDis.NAME, 20);
            }
        }));
        assertEquals(Collections.nCopies(RANKS, true), committedAtInit, "init flushed v10 and v20 before returning");
        assertEquals(List.of(20, 10), new PersistentStore(tmp.resolve("p")).committed(HeatDis.NAME));

        // and what was flushed is a real checkpoint: with scratch gone, every rank restarts from it
        deleteTree(tmp.resolve("s"));
        List<Restored> restored = assertTimeoutPreemptively(HANG_GUARD, () -> LocalComm.run(RANKS, c -> {
            try (Veloc v = Veloc.init(config, c)) {
                int[] step = new int[1];
                // --mb 1 over 65536 columns: 2 rows, plus 2 ghost rows (no restartBegin probe: restoring
                // from persistent stages the rank file onto scratch, and the restart would then find it there)
                double[] h = new double[(2 + 2) * 65536];
                v.protect(0, "h", h);
                v.protect(1, "step", step);
                Restored r = v.restart(HeatDis.NAME, v.restartTest(HeatDis.NAME));
                assertEquals(20, step[0]);
                return r;
            }
        }));
        assertEquals(Collections.nCopies(RANKS, new Restored(HeatDis.NAME, 20, "persistent")), restored);
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
        assertFalse(Files.exists(p));
    }
}
