package io.veloc4j.runtime;

import io.veloc4j.config.VelocConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.veloc4j.runtime.VelocTest.job;
import static io.veloc4j.runtime.VelocTest.single;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where a word is due: no restorable version while damaged ones exist; temp files a dead flush left. */
class SilenceTest {

    @TempDir
    Path tmp;

    /** Runs {@code body} and returns what was written to standard error meanwhile (SLF4J's simple logger writes there). */
    static String stderrOf(Runnable body) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setErr(saved);
        }
        return err.toString(StandardCharsets.UTF_8);
    }

    private static void flipLastByte(Path file) throws Exception {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(raf.length() - 1);
            int b = raf.read();
            raf.seek(raf.length() - 1);
            raf.write(b ^ 1);
        }
    }

    @Test
    void whenEveryVersionIsDamagedRestartTestWarnsNamingThem() throws Exception {
        VelocConfig cfg = VelocConfig.of(Map.of("scratch", tmp + "/s", "persistent", tmp + "/p", "persistent_interval", "-1"));
        job(2, cfg, (v, c) -> {
            v.protect(0, "h", new double[100]);
            v.checkpoint("dmg", 10);
            v.checkpoint("dmg", 20);
            return null;
        });
        for (int r = 0; r < 2; r++) {
            flipLastByte(tmp.resolve("s/dmg/10/rank-" + r + ".vck"));
            flipLastByte(tmp.resolve("s/dmg/20/rank-" + r + ".vck"));
        }
        List<Integer>[] got = new List[1];
        String err = stderrOf(() -> got[0] = job(2, cfg, (v, c) -> v.restartTest("dmg")));
        assertEquals(List.of(-1, -1), got[0]);
        for (int r = 0; r < 2; r++) {
            int rank = r;
            String line = err.lines().filter(l -> l.contains("WARN") && l.contains("rank " + rank + ":")).findFirst()
                    .orElse(null);
            assertTrue(line != null, "a warning on rank " + r + ":\n" + err);
            assertTrue(line.contains("'dmg'") && line.contains("v20 (scratch: ") && line.contains("v10 (scratch: "), line);
            assertTrue(line.contains("rank-" + r + ".vck is corrupt: checksum mismatch"), line);
        }

        // nothing at all on any level is no damage: no warning
        String quiet = stderrOf(() -> job(1, cfg, (v, c) -> v.restartTest("never-written")));
        assertFalse(quiet.contains("WARN"), quiet);
    }

    /** Finished processes: their pids name dead writers (a reused pid would only keep a file). */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }

    @Test
    void tempFilesOfDeadWritersOnThisHostAreRemovedAtInit() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("p/heat/40"));
        String host = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9.-]", "_");
        long dead = deadPid();
        long alive = ProcessHandle.current().pid();
        List<String> gone = List.of("group-0.vagg." + host + "+" + dead + "+1.tmp", "MANIFEST." + host + "+" + dead + "+2.tmp",
                "rank-3.vck." + host + "+" + dead + "+3.tmp");
        List<String> kept = List.of("group-1.vagg." + host + "+" + alive + "+4.tmp", // a live writer's
                "group-2.vagg.other-host.example+" + dead + "+5.tmp",                   // another host's: unknown
                "group-3.vagg.1a2b3c.tmp",                                              // no writer named
                "group-4.vagg");
        for (String f : gone) {
            Files.createFile(dir.resolve(f)); // 0 bytes: what a flush killed before its first write leaves
        }
        for (String f : kept) {
            Files.createFile(dir.resolve(f));
        }
        single(VelocConfig.of(Map.of("scratch", tmp + "/s", "persistent", tmp + "/p")), (v, c) -> null);
        for (String f : gone) {
            assertFalse(Files.exists(dir.resolve(f)), f);
        }
        for (String f : kept) {
            assertTrue(Files.exists(dir.resolve(f)), f);
        }
    }
}
