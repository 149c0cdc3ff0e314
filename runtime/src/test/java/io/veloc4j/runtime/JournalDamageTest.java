package io.veloc4j.runtime;

import io.veloc4j.config.VelocConfig;
import io.veloc4j.runtime.cli.Main;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static io.veloc4j.runtime.VelocTest.job;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #16: whatever a dead launch left in the node journals and catalogs (a cycle file cut
 * short, a half-written header such as a kill while Chronicle creates a cycle file leaves, a
 * damaged metadata file, the whole directory gone), the relaunch starts within seconds, restores
 * bit-exact, persists its next checkpoint, and {@code ls} still lists every version. Each launch
 * writes a fresh journal, and the old one is recovered from what is the truth: the rank files on
 * scratch and the MANIFESTs on persistent storage.
 */
class JournalDamageTest {

    @TempDir
    Path tmp;

    private VelocConfig config() throws Exception {
        return VelocConfig.of(Map.of("scratch", tmp + "/s/%n", "persistent", tmp + "/p", "meta", tmp + "/m",
                "virtual_nodes", "2"));
    }

    private static long[] data(int rank, int version) {
        long[] x = new long[2048];
        Arrays.setAll(x, i -> rank * 1_000_000L + version * 1000L + i);
        return x;
    }

    @ParameterizedTest
    @ValueSource(strings = {"truncate", "torn-header", "garbage", "metadata", "delete"})
    void aDamagedJournalOrCatalogNeverStopsTheRelaunch(String damage) throws Exception {
        VelocConfig cfg = config();
        job(4, cfg, (v, c) -> {
            long[] x = new long[2048];
            v.protect(0, "x", x);
            for (int ver = 1; ver <= 2; ver++) {
                System.arraycopy(data(c.rank(), ver), 0, x, 0, x.length);
                v.checkpoint("jd", ver);
            }
            return null;
        });
        List<Path> logs;
        try (Stream<Path> s = Stream.concat(Files.list(tmp.resolve("s/0/.veloc4j/journal")),
                Stream.concat(Files.list(tmp.resolve("s/1/.veloc4j/journal")), Files.list(tmp.resolve("m/catalog"))))) {
            logs = s.toList();
        }
        assertEquals(4, logs.size(), "a journal per node and a catalog per node: " + logs);
        for (Path log : logs) {
            damage(log, damage);
            if (Files.isDirectory(log)) {
                try (Stream<Path> files = Files.list(log)) { // left by a launch that died a minute ago
                    for (Path f : files.toList()) {
                        Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 60_000));
                    }
                }
            }
        }

        List<long[]> restored = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> job(4, cfg, (v, c) -> {
            long[] x = new long[2048];
            v.protect(0, "x", x);
            int ver = v.restartTest("jd");
            assertEquals(2, ver, "rank " + c.rank());
            v.restart("jd", ver);
            long[] back = x.clone();
            System.arraycopy(data(c.rank(), 3), 0, x, 0, x.length);
            v.checkpoint("jd", 3);
            v.checkpointWait();
            return back;
        }), "the relaunch after '" + damage + "' hung");
        for (int r = 0; r < 4; r++) {
            assertArrayEquals(data(r, 2), restored.get(r), "rank " + r + " restored v2 bit-exact");
        }
        assertTrue(Files.isRegularFile(tmp.resolve("p/jd/3/MANIFEST")), "the relaunch persisted v3");
        try (Stream<Path> s = Files.list(tmp.resolve("s/0/.veloc4j/journal"))) {
            assertEquals(1, s.count(), "the dead launch's journal is gone, this launch's is there");
        }

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Path file = tmp.resolve("veloc.cfg");
        Files.writeString(file, "scratch = " + tmp + "/s/%n\npersistent = " + tmp + "/p\nmeta = " + tmp
                + "/m\nvirtual_nodes = 2\n");
        int code = Main.run(new String[] {"ls", "--config", file.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String listing = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, listing + err);
        for (int ver = 1; ver <= 3; ver++) {
            int v = ver;
            assertTrue(listing.lines().anyMatch(l -> l.matches("jd\\s+" + v + "\\s.*persisted.*")), "v" + ver + " listed:\n" + listing);
        }
    }

    /** What a kill or a bad disk leaves: applied to every file of one Chronicle queue directory. */
    private static void damage(Path queue, String how) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(queue)) {
            files = s.sorted().toList();
        }
        Random rnd = new Random(how.hashCode());
        for (Path f : files) {
            boolean cycle = f.getFileName().toString().endsWith(".cq4");
            boolean meta = f.getFileName().toString().endsWith(".cq4t");
            switch (how) {
                case "truncate" -> {
                    if (cycle) {
                        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                            raf.setLength(Math.min(raf.length(), 700));
                        }
                    }
                }
                case "torn-header" -> {
                    if (cycle) { // a header that says "being written" and a body of zeros
                        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                            raf.setLength(4096);
                            raf.seek(0);
                            raf.write(new byte[] {0, 0, 0, (byte) 0x80});
                            raf.write(new byte[4092]);
                        }
                    }
                }
                case "garbage" -> {
                    byte[] junk = new byte[1024];
                    rnd.nextBytes(junk);
                    Files.write(f, junk);
                }
                case "metadata" -> {
                    if (meta) {
                        byte[] junk = new byte[(int) Math.min(Files.size(f), 4096)];
                        rnd.nextBytes(junk);
                        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                            raf.seek(0);
                            raf.write(junk);
                        }
                    }
                }
                case "delete" -> {
                    try (Stream<Path> s = Files.walk(queue)) {
                        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                    }
                    assertFalse(Files.exists(queue));
                    return;
                }
                default -> throw new IllegalArgumentException(how);
            }
        }
    }
}
