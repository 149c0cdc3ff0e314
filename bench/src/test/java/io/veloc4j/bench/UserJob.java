package io.veloc4j.bench;

import io.veloc4j.comm.Comm;
import io.veloc4j.comm.MpiComm;
import io.veloc4j.runtime.Veloc;

import java.nio.file.Path;

/**
 * A VELOC user's job as the README shows it, and nothing more: MPI from {@code MpiComm.world},
 * a checkpoint, and main returns without finalizing MPI itself. Args: the config file.
 */
public final class UserJob {

    private UserJob() {
    }

    public static void main(String[] args) throws Exception {
        Comm world = MpiComm.world(args);
        try (Veloc veloc = Veloc.init(Path.of(args[0]), world)) {
            double[] h = new double[1024];
            int[] step = {0};
            veloc.protect(0, "h", h);
            veloc.protect(1, "step", step);
            int v = veloc.restartTest("user", 0);
            if (v >= 0) {
                veloc.restart("user", v);
            }
            for (int i = step[0] + 1; i <= 3; i++) {
                h[i] = world.rank() + i;
                step[0] = i;
                veloc.checkpoint("user", i);
            }
        }
        System.out.println("user job: rank " + world.rank() + " done");
    }
}
