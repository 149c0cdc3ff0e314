package io.veloc4j.bench;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A user's job run the way users run it: under real mpirun, and in a JVM started without veloc4j's flags. */
class DropInJobTest {

    @TempDir
    Path tmp;

    private final JobLauncher launcher = new JobLauncher();

    private Path config() throws Exception {
        Path cfg = tmp.resolve("veloc.cfg");
        Files.writeString(cfg, "scratch = " + tmp.resolve("scratch") + "\npersistent = " + tmp.resolve("persistent") + "\n");
        return cfg;
    }

    @Test
    void aJobThatNeverFinalizesMpiExitsZeroUnderMpirun() throws Exception {
        Assumptions.assumeTrue(JobLauncher.mpirunAvailable(), "mpirun is not installed (./veloc4j setup installs it)");
        Path log = tmp.resolve("job.log");
        int code = JobLauncher.run(launcher.mpiCommand(2, 256, UserJob.class.getName(), List.of(config().toString())),
                log, 300);
        String out = Files.readString(log);
        assertEquals(0, code, out);
        assertTrue(out.contains("user job: rank 0 done") && out.contains("user job: rank 1 done"), out);
        assertTrue(Files.exists(tmp.resolve("persistent/user/3/MANIFEST")), out);
    }

    @Test
    void aJvmWithoutTheFlagsGetsAVelocExceptionNamingThem() throws Exception {
        List<String> cmd = new ArrayList<>(launcher.javaCommand(256, UserJob.class.getName(), List.of(config().toString())));
        cmd.removeIf(a -> a.startsWith("--add-opens") || a.startsWith("--add-exports"));
        Path log = tmp.resolve("noflags.log");
        int code = JobLauncher.run(cmd, log, 300);
        String out = Files.readString(log);
        assertNotEquals(0, code, out);
        assertTrue(out.contains("io.veloc4j.VelocException: this JVM was started without"), out);
        assertTrue(out.contains("Start java with: --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED"), out);
        assertTrue(out.contains("--add-opens=java.base/java.lang.reflect=ALL-UNNAMED"), out);
        assertTrue(!out.contains("AssertionError"), out);
    }
}
