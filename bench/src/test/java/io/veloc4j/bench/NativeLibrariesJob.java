package io.veloc4j.bench;

import io.veloc4j.runtime.Veloc;

import java.nio.file.Path;

/** One standalone rank that flushes version args[1] (zstd in use), then dies without any JVM shutdown. Args: config, version. */
public final class NativeLibrariesJob {

    private NativeLibrariesJob() {
    }

    public static void main(String[] args) throws Exception {
        Veloc veloc = Veloc.init(Path.of(args[0]));
        double[] h = new double[1 << 16];
        java.util.Arrays.setAll(h, i -> Math.sin(i * 0.01));
        veloc.protect(0, "h", h);
        veloc.checkpoint("nat", Integer.parseInt(args[1]));
        veloc.checkpointWait();
        System.out.println("native job: persisted, dying");
        System.out.flush();
        Runtime.getRuntime().halt(0); // as a kill would: no deleteOnExit, no shutdown hooks
    }
}
