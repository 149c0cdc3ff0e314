package io.veloc4j.bench;

import io.veloc4j.comm.LocalComm;
import io.veloc4j.config.VelocConfig;
import io.veloc4j.runtime.Restored;
import io.veloc4j.runtime.Veloc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Files are private whatever the umask: a job run under umask 000 (its own JVM, started through
 * {@code sh -c 'umask 000; exec java …'}) checkpoints, flushes and restarts from persistent storage;
 * afterwards every file veloc4j created (rank files, the aggregate, the MANIFEST, the journal's and
 * the catalog's queue files, the rank file staged back from persistent storage) is rw------- and
 * every directory it created rwx------, as the file system reports them.
 */
class PrivateFilesTest {

    @TempDir
    Path tmp;

    /** The job: 2 ranks checkpoint and flush; then, with scratch gone, restart from persistent storage. */
    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        Files.createFile(root.resolve("control")); // what this umask gives a file created without a mode
        VelocConfig cfg = VelocConfig.of(Map.of("scratch", root + "/s", "persistent", root + "/p", "group_size", "2"));
        LocalComm.run(2, c -> {
            try (Veloc v = Veloc.init(cfg, c)) {
                v.protect(0, "h", new double[] {c.rank(), 1.5, 2.5});
                v.checkpoint("priv", 1);
                v.checkpointWait();
            }
            return null;
        });
        for (int r = 0; r < 2; r++) {
            Files.delete(root.resolve("s/priv/1/rank-" + r + ".vck"));
        }
        List<Restored> back = LocalComm.run(2, c -> {
            try (Veloc v = Veloc.init(cfg, c)) {
                double[] h = new double[3];
                v.protect(0, "h", h);
                Restored r = v.restart("priv", v.restartTest("priv"));
                if (h[0] != c.rank() || h[2] != 2.5) {
                    throw new IllegalStateException("restored " + Arrays.toString(h));
                }
                return r;
            }
        });
        System.out.println("restored " + back);
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void everyFileAndDirectoryIsPrivateUnderAPermissiveUmask() throws Exception {
        Path log = tmp.resolve("job.log");
        List<String> java = new JobLauncher().javaCommand(512, PrivateFilesTest.class.getName(), List.of(tmp.toString()));
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "umask 000 && exec \"$@\"", "sh"));
        cmd.addAll(java);
        int code = JobLauncher.run(cmd, log, 120);
        String out = Files.readString(log);
        assertEquals(0, code, out);
        assertTrue(out.contains("restored [Restored[name=priv, version=1, level=persistent]"), out);
        assertEquals("rw-rw-rw-", mode(tmp.resolve("control")), "the job ran under umask 000");

        Map<String, String> wrong = new TreeMap<>();
        List<String> seen = new ArrayList<>();
        for (Path top : List.of(tmp.resolve("s"), tmp.resolve("p"))) {
            try (Stream<Path> s = Files.walk(top)) {
                for (Path p : s.toList()) {
                    String expected = Files.isDirectory(p) ? "rwx------" : "rw-------";
                    if (!mode(p).equals(expected)) {
                        wrong.put(tmp.relativize(p).toString(), mode(p));
                    }
                    seen.add(p.getFileName().toString());
                }
            }
        }
        assertEquals(Map.of(), wrong, "not private (created under umask 000)");
        for (String kind : new String[] {"rank-0.vck", ".vagg", "MANIFEST", "metadata.cq4t", ".cq4"}) {
            assertTrue(seen.stream().anyMatch(n -> n.endsWith(kind)), "checked a " + kind + " file: " + seen);
        }
        assertTrue(seen.stream().anyMatch(n -> n.startsWith("group-0.")), "checked group 0's aggregate: " + seen);
        assertTrue(seen.contains("journal") && seen.contains("catalog"), seen.toString());
    }
}
