package io.veloc4j.bench;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real thing: {@code mpirun -np 4} JVMs running heatdis, a job that dies at a step, and a
 * relaunch that must restart from the last checkpoint and end bit-identical to a failure-free run.
 */
class HeatDisMpiTest {

    private static final int RANKS = 4;
    private static final int HEAP_MB = 128;
    private static final long TIMEOUT_S = 300; // a hang guard for each job, not a performance bound

    @TempDir
    Path tmp;

    private final JobLauncher launcher = new JobLauncher();

    private int mpirun(Path log, String... args) throws Exception {
        List<String> cmd = launcher.mpiCommand(RANKS, HEAP_MB, HeatDis.class.getName(), List.of(args));
        Files.writeString(log, "$ " + String.join(" ", cmd) + "\n", java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        return JobLauncher.run(cmd, log, TIMEOUT_S);
    }

    private static String show(Path log) {
        try {
            return "\n---- job log " + log + " ----\n" + Files.readString(log);
        } catch (IOException e) {
            return "\n(no log: " + e + ")";
        }
    }

    @Test
    void failAndRestartUnderMpirunMatchesAFailureFreeRun() throws Exception {
        Assumptions.assumeTrue(JobLauncher.mpirunAvailable(), "mpirun is not installed (./veloc4j setup installs it)");
        Path cfg = tmp.resolve("veloc.cfg");
        Files.writeString(cfg, """
                scratch = %s/scratch/%%n
                persistent = %s/persistent
                virtual_nodes = 2
                scratch_versions = 2
                """.formatted(tmp, tmp));
        Path log = tmp.resolve("jobs.log");
        Path ref = tmp.resolve("reference");
        Path out = tmp.resolve("restarted");
        // 8 rows per rank: within 40 steps the heat crosses every rank boundary, so every rank's field
        // is non-trivial and depends on halo exchanges restored correctly
        List<String> common = List.of("--mb", "4", "--cols", "65536", "--steps", "40");

        int code = mpirun(log, concat(common, "--ckpt-every", "0", "--result-dir", ref.toString(), "--quiet"));
        assertEquals(0, code, "reference run" + show(log));
        List<String> expected = HeatDis.readHashes(ref, RANKS);
        assertEquals(RANKS, expected.stream().distinct().count(), "every rank holds a different part of the field");
        for (int r = 0; r < RANKS; r++) {
            assertFalse(Files.exists(ref.resolve("rank-" + r + ".restart")), "the reference run did not restart");
        }

        code = mpirun(log, concat(common, "--config", cfg.toString(), "--ckpt-every", "10", "--fail-at", "25",
                "--result-dir", out.toString()));
        assertEquals(HeatDis.FAILED, code, "the failing run must die with HeatDis.FAILED" + show(log));
        for (int r = 0; r < RANKS; r++) {
            assertFalse(Files.exists(out.resolve("rank-" + r + ".sha256")), "a dead run writes no result" + show(log));
            int node = r * 2 / RANKS;
            for (int v : new int[] {10, 20}) {
                assertTrue(Files.isRegularFile(tmp.resolve("scratch/" + node + "/heat/" + v + "/rank-" + r + ".vck")),
                        "rank " + r + " v" + v + " on virtual node " + node + show(log));
            }
        }

        code = mpirun(log, concat(common, "--config", cfg.toString(), "--ckpt-every", "10", "--result-dir", out.toString()));
        assertEquals(0, code, "relaunch" + show(log));
        List<String> actual = HeatDis.readHashes(out, RANKS);
        for (int r = 0; r < RANKS; r++) {
            Path restart = out.resolve("rank-" + r + ".restart");
            assertTrue(Files.exists(restart), "rank " + r + " did not restart" + show(log));
            assertEquals("20 scratch", Files.readString(restart).trim(), "rank " + r + show(log));
            assertEquals(expected.get(r), actual.get(r), "rank " + r + "'s final field" + show(log));
        }
    }

    private static String[] concat(List<String> a, String... b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }
}
