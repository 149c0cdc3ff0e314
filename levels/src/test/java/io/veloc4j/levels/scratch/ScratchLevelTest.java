package io.veloc4j.levels.scratch;

import io.veloc4j.levels.CorruptCheckpointException;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.RankCheckpoint;
import io.veloc4j.levels.Region;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The scratch level as one rank sees it: layout, versions, verification, deletion. */
class ScratchLevelTest {

    @TempDir
    Path tmp;

    private static List<RankFileWriter.Entry> state(long[] a) {
        return List.of(new RankFileWriter.Entry(0, "a", new long[] {a.length}, Region.of(a)));
    }

    @Test
    void writesWhereTheLayoutSays() throws Exception {
        ScratchLevel s = new ScratchLevel(tmp, 5, 8, true, false);
        RankFileInfo info = s.write("heat", 40, state(new long[] {1, 2}));
        Path expected = tmp.resolve("heat").resolve("40").resolve("rank-5.vck");
        assertEquals(expected, info.path());
        assertEquals(expected, s.rankFile("heat", 40));
        assertTrue(Files.isRegularFile(expected));
        assertEquals(Files.size(expected), info.bytes());
        assertEquals("scratch", s.name());
        try (Stream<Path> files = Files.list(expected.getParent())) {
            assertEquals(List.of("rank-5.vck"), files.map(p -> p.getFileName().toString()).toList(), "no .tmp left");
        }
    }

    @Test
    void fsyncWriteAlsoRoundTrips() throws Exception {
        ScratchLevel s = new ScratchLevel(tmp, 0, 1, true, true);
        s.write("c", 1, state(new long[] {42, -42}));
        long[] back = new long[2];
        try (RankCheckpoint ck = s.open("c", 1)) {
            ck.readInto(ck.variable(0).orElseThrow(), Region.of(back));
        }
        assertArrayEquals(new long[] {42, -42}, back);
    }

    @Test
    void versionsAreNewestFirstAndOnlyThisRanks() throws Exception {
        ScratchLevel r0 = new ScratchLevel(tmp, 0, 2, true, false);
        ScratchLevel r1 = new ScratchLevel(tmp, 1, 2, true, false);
        assertEquals(List.of(), r0.versions("heat"), "nothing written yet");
        for (int v : new int[] {10, 2, 100, 30}) {
            r0.write("heat", v, state(new long[] {v}));
        }
        r1.write("heat", 7, state(new long[] {7}));
        r0.write("other", 5, state(new long[] {5}));
        // noise that is not a version: a non-numeric directory, a stray file, a too-large number, an empty version dir
        Files.createDirectories(tmp.resolve("heat").resolve("latest"));
        Files.writeString(tmp.resolve("heat").resolve("README"), "x");
        Files.createDirectories(tmp.resolve("heat").resolve("99999999999"));
        Files.createDirectories(tmp.resolve("heat").resolve("55"));
        Files.writeString(tmp.resolve("heat").resolve("55").resolve("rank-0.vck.tmp"), "partial");

        assertEquals(List.of(100, 30, 10, 2), r0.versions("heat"));
        assertEquals(List.of(7), r1.versions("heat"));
        assertEquals(List.of(5), r0.versions("other"));
        assertEquals(List.of(), r1.versions("other"));
    }

    @Test
    void canRestoreOnlyIntactCopiesOfThisRank() throws Exception {
        ScratchLevel r0 = new ScratchLevel(tmp, 0, 2, true, false);
        ScratchLevel r1 = new ScratchLevel(tmp, 1, 2, true, false);
        r0.write("heat", 1, state(new long[] {1, 2, 3}));
        r0.write("heat", 2, state(new long[] {4, 5, 6}));
        assertTrue(r0.canRestore("heat", 1));
        assertTrue(r0.canRestore("heat", 2));
        assertFalse(r0.canRestore("heat", 3), "never written");
        assertFalse(r1.canRestore("heat", 1), "another rank's copy");
        assertFalse(r0.canRestore("nope", 1));

        Path f = r0.rankFile("heat", 2);
        long offset;
        try (RankFile rf = RankFile.open(f)) {
            offset = rf.variables().get(0).offset();
        }
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(offset + 9);
            int b = raf.read();
            raf.seek(offset + 9);
            raf.write(b ^ 1);
        }
        assertFalse(r0.canRestore("heat", 2), "a flipped data byte");
        assertTrue(r0.canRestore("heat", 1));
        assertEquals(List.of(2, 1), r0.versions("heat"), "versions() lists copies without verifying them");
        try (RankCheckpoint ck = r0.open("heat", 2)) { // header intact: open succeeds, the read fails
            assertThrows(CorruptCheckpointException.class,
                    () -> ck.readInto(ck.variable(0).orElseThrow(), Region.of(new long[3])));
        }
    }

    /** A file copied to another rank's or version's place is not what that place should hold. */
    @Test
    void misplacedFileIsRefused() throws Exception {
        ScratchLevel r0 = new ScratchLevel(tmp, 0, 2, true, false);
        ScratchLevel r1 = new ScratchLevel(tmp, 1, 2, true, false);
        r0.write("heat", 1, state(new long[] {1}));
        Files.createDirectories(r1.rankFile("heat", 1).getParent());
        Files.copy(r0.rankFile("heat", 1), r1.rankFile("heat", 1));
        Files.createDirectories(r0.versionDir("heat", 9));
        Files.copy(r0.rankFile("heat", 1), r0.rankFile("heat", 9));

        assertFalse(r1.canRestore("heat", 1));
        LevelException e = assertThrows(LevelException.class, () -> r1.open("heat", 1));
        assertTrue(e.getMessage().contains("rank 0"), e.getMessage());
        assertFalse(r0.canRestore("heat", 9));
        LevelException e9 = assertThrows(LevelException.class, () -> r0.open("heat", 9));
        assertTrue(e9.getMessage().contains("v1"), e9.getMessage());
    }

    @Test
    void openMissingVersionFailsNamingTheFile() {
        ScratchLevel r0 = new ScratchLevel(tmp, 0, 1, true, false);
        LevelException e = assertThrows(LevelException.class, () -> r0.open("heat", 4));
        assertTrue(e.getMessage().contains(r0.rankFile("heat", 4).toString()), e.getMessage());
    }

    @Test
    void deleteRemovesOwnFileAndTheLastOneRemovesTheDirectory() throws Exception {
        ScratchLevel r0 = new ScratchLevel(tmp, 0, 2, true, false);
        ScratchLevel r1 = new ScratchLevel(tmp, 1, 2, true, false);
        r0.write("heat", 3, state(new long[] {1}));
        r1.write("heat", 3, state(new long[] {2}));
        r0.write("heat", 4, state(new long[] {3}));

        r0.delete("heat", 3);
        assertFalse(Files.exists(r0.rankFile("heat", 3)));
        assertTrue(Files.exists(r1.rankFile("heat", 3)), "the other rank's copy stays");
        assertTrue(Files.isDirectory(r0.versionDir("heat", 3)));
        assertFalse(r0.canRestore("heat", 3));
        assertEquals(List.of(4), r0.versions("heat"));
        assertTrue(r1.canRestore("heat", 3));

        r1.delete("heat", 3);
        assertFalse(Files.exists(r0.versionDir("heat", 3)), "the last rank removes the version directory");
        assertTrue(r0.canRestore("heat", 4));

        r0.delete("heat", 3); // deleting what is gone is fine
        r0.delete("never", 1);
        // a version deleted and written again (pruning races with a new checkpoint)
        r0.write("heat", 3, state(new long[] {9}));
        assertTrue(r0.canRestore("heat", 3));
    }

    @Test
    void parseVersionAcceptsOnlyNonNegativeInts() {
        assertEquals(0, ScratchLevel.parseVersion("0"));
        assertEquals(Integer.MAX_VALUE, ScratchLevel.parseVersion("2147483647"));
        assertEquals(null, ScratchLevel.parseVersion("2147483648"));
        assertEquals(null, ScratchLevel.parseVersion("-1"));
        assertEquals(null, ScratchLevel.parseVersion(""));
        assertEquals(null, ScratchLevel.parseVersion("1a"));
        assertEquals(null, ScratchLevel.parseVersion("+1"));
    }
}
