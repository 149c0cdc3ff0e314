package io.veloc4j.levels;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Named places where a crash test can SIGKILL this process at an exact moment: while a rank file
 * is being written, while an aggregate is, around the MANIFEST's commit. Off unless the
 * environment variable {@code VELOC4J_FAILPOINT} is {@code NAME:VERSION} or
 * {@code NAME:VERSION:RANK} (read once; a job's JVMs all get the same environment from mpirun).
 * A real SIGKILL, not an exception: nothing after it runs, no shutdown hook, no finally block.
 */
public final class Failpoint {

    public static final String RANK_FILE_BEFORE_RENAME = "rankfile.before-rename";
    public static final String AGGREGATE_BEFORE_RENAME = "aggregate.before-rename";
    public static final String MANIFEST_BEFORE_COMMIT = "manifest.before-commit";
    public static final String MANIFEST_AFTER_COMMIT = "manifest.after-commit";

    private static final String SPEC = System.getenv().getOrDefault("VELOC4J_FAILPOINT", "");

    private Failpoint() {
    }

    /** Kills this process if the failpoint {@code name} is armed for {@code version} (and {@code rank}, if given). */
    public static void hit(String name, int version, int rank) {
        if (SPEC.isEmpty()) {
            return;
        }
        String[] p = SPEC.split(":");
        if (!p[0].equals(name) || p.length < 2 || !p[1].equals(Integer.toString(version))
                || (p.length > 2 && !p[2].equals(Integer.toString(rank)))) {
            return;
        }
        System.err.println("veloc4j: failpoint " + SPEC + " reached: SIGKILL of pid " + ProcessHandle.current().pid());
        try {
            new ProcessBuilder("kill", "-9", Long.toString(ProcessHandle.current().pid())).inheritIO().start()
                    .waitFor(10, TimeUnit.SECONDS);
            Thread.sleep(10_000);
        } catch (IOException | InterruptedException e) {
            // kill(1) missing: halt is the next best thing (still no hooks, no finally blocks)
        }
        Runtime.getRuntime().halt(137);
    }

    /** As {@link #hit(String, int, int)} for places that belong to no rank (the engine's). */
    public static void hit(String name, int version) {
        hit(name, version, -1);
    }
}
