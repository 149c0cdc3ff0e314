package io.veloc4j.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo end to end in --local mode (child JVMs, ranks as threads), small. */
class DemoTest {

    @TempDir
    Path tmp;

    @Test
    void localDemoRestartsAndMatches() throws Exception {
        Path dir = tmp.resolve("demo");
        Demo.Options o = Demo.parse(new String[] {"--local", "--ranks", "4", "--mb", "1", "--steps", "30",
            "--ckpt-every", "10", "--fail-at", "25", "--dir", dir.toString()});
        assertEquals(true, Demo.run(o));
        assertTrue(Files.exists(dir.resolve(Demo.MARKER)));
        Files.writeString(dir.resolve("persistent/stale"), "an earlier demo's file");
        assertEquals(true, Demo.run(o), "a second run in the demo's own directory");
        assertTrue(!Files.exists(dir.resolve("persistent/stale")), "the demo empties what it made before");
        for (int r = 0; r < 4; r++) {
            String ref = Files.readString(dir.resolve("reference/rank-" + r + ".sha256")).trim();
            String got = Files.readString(dir.resolve("restarted/rank-" + r + ".sha256")).trim();
            assertEquals(64, ref.length(), "a SHA-256 in hex");
            assertEquals(ref, got, "rank " + r);
            assertEquals("20 scratch", Files.readString(dir.resolve("restarted/rank-" + r + ".restart")).trim());
        }
        assertEquals("scratch", Demo.farthestLevel(dir.resolve("restarted"), 4));
        // the generated config: 2 virtual nodes, each with its own scratch directory
        assertTrue(Files.isDirectory(dir.resolve("scratch/node-0/heat")));
        assertTrue(Files.isDirectory(dir.resolve("scratch/node-1/heat")));
    }

    @Test
    void neverDeletesWhatItDidNotCreate() throws Exception {
        Path mine = tmp.resolve("mine");
        Files.createDirectories(mine.resolve("sub"));
        Files.writeString(mine.resolve("notes.txt"), "the user's");
        Files.writeString(mine.resolve("sub/data"), "the user's too");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Demo.prepareDir(mine));
        assertTrue(e.getMessage().contains("is not empty and was not made by the demo"), e.getMessage());
        assertTrue(e.getMessage().contains("notes.txt"), e.getMessage());
        assertEquals("the user's", Files.readString(mine.resolve("notes.txt")));
        assertEquals("the user's too", Files.readString(mine.resolve("sub/data")));
        Path file = tmp.resolve("afile");
        Files.writeString(file, "x");
        IllegalArgumentException f = assertThrows(IllegalArgumentException.class, () -> Demo.prepareDir(file));
        assertTrue(f.getMessage().contains("is a file"), f.getMessage());
        assertEquals("x", Files.readString(file));
        // a user's file next to the demo's own: still refused
        Path mixed = tmp.resolve("mixed");
        Files.createDirectories(mixed.resolve("persistent"));
        Files.writeString(mixed.resolve("thesis.tex"), "y");
        assertThrows(IllegalArgumentException.class, () -> Demo.prepareDir(mixed));
        assertTrue(Files.exists(mixed.resolve("persistent")));
        Path empty = tmp.resolve("empty");
        Files.createDirectories(empty);
        Demo.prepareDir(empty);
        assertTrue(Files.exists(empty.resolve(Demo.MARKER)));
    }

    @Test
    void parseRejectsBadOptions() {
        assertNull(Demo.parse(new String[] {"--help"}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Demo.parse(new String[] {"--fail-at", "5", "--ckpt-every", "10"}));
        assertTrue(e.getMessage().contains("--fail-at"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Demo.parse(new String[] {"--mode", "fast"}));
        assertThrows(IllegalArgumentException.class, () -> Demo.parse(new String[] {"--lose", "disk"}));
        assertThrows(IllegalArgumentException.class, () -> Demo.parse(new String[] {"--ranks", "x"}));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> Demo.parse(new String[] {"--bogus"}));
        assertTrue(unknown.getMessage().contains("--bogus"), unknown.getMessage());
    }
}
