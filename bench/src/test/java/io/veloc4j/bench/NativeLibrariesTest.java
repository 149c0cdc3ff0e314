package io.veloc4j.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Native libraries (zstd-jni; JNA and jffi of Chronicle) unpack under the scratch directory veloc4j
 * owns, not into the JVM's temp directory, and what a killed JVM left there is removed at the next init.
 */
class NativeLibrariesTest {

    @TempDir
    Path tmp;

    private static List<String> names(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void nativeLibrariesGoUnderScratchAndAKilledJvmsAreCleanedUp() throws Exception {
        Path javaTmp = Files.createDirectories(tmp.resolve("java-tmp"));
        Path cfg = tmp.resolve("veloc.cfg");
        Files.writeString(cfg, "scratch = " + tmp.resolve("scratch") + "\npersistent = " + tmp.resolve("persistent") + "\n");
        JobLauncher launcher = new JobLauncher();
        Path nativeDir = tmp.resolve("scratch/.veloc4j/native");
        for (int run = 1; run <= 2; run++) {
            List<String> cmd = new ArrayList<>(launcher.javaCommand(256, NativeLibrariesJob.class.getName(),
                    List.of(cfg.toString(), Integer.toString(run))));
            cmd.add(1, "-Djava.io.tmpdir=" + javaTmp);
            Path log = tmp.resolve("run" + run + ".log");
            int code = JobLauncher.run(cmd, log, 300);
            String out = Files.readString(log);
            assertEquals(0, code, out);
            assertTrue(out.contains("native job: persisted, dying"), out);
            assertEquals(List.of(), names(javaTmp).stream().filter(n -> n.contains("zstd") || n.contains("jffi")
                    || n.contains("jna")).toList(), "nothing unpacked into java.io.tmpdir");
            List<String> pids;
            try (Stream<Path> s = Files.list(nativeDir)) {
                pids = s.map(p -> p.getFileName().toString()).toList();
            }
            assertEquals(1, pids.size(), "only the last (killed) JVM's directory remains: " + pids);
            assertTrue(pids.get(0).matches("[0-9]+"), pids.toString());
        }
    }
}
