package io.veloc4j.levels.scratch;

import io.veloc4j.levels.RankCheckpoint;
import io.veloc4j.levels.Region;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Recycled rank files (scratch_recycle) and in-memory staging (staging_budget): every file they
 * write is byte for byte the file a fresh writer writes, whatever the kept file held before and
 * whatever its length; a kept file is never under a rank file's name; a file replaced behind the
 * writer's back is never written through a stale mapping.
 */
class ScratchRecycleTest {

    @TempDir
    Path tmp;

    /** Variables of changing sizes (padding between them, trailing empty one), seeded per version. */
    private static List<RankFileWriter.Entry> state(int version, int n) {
        SplittableRandom r = new SplittableRandom(version);
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = r.nextDouble();
        }
        byte[] b = new byte[n % 61 + 3];
        r.nextBytes(b);
        int[] c = new int[n / 3];
        Arrays.fill(c, version);
        List<RankFileWriter.Entry> e = new ArrayList<>();
        e.add(new RankFileWriter.Entry(0, "a", new long[] {a.length}, Region.of(a)));
        e.add(new RankFileWriter.Entry(1, "b", new long[] {b.length}, Region.of(b)));
        e.add(new RankFileWriter.Entry(2, "c", new long[] {c.length}, Region.of(c)));
        e.add(new RankFileWriter.Entry(3, "empty", new long[] {0}, Region.of(new long[0])));
        return e;
    }

    /** The bytes a writer without recycling writes for the same checkpoint. */
    private byte[] fresh(String name, int version, int rank, List<RankFileWriter.Entry> entries) throws Exception {
        Path p = tmp.resolve("fresh").resolve(name + "-" + version);
        Files.createDirectories(p.getParent());
        new RankFileWriter(1 << 20).write(p, name, version, rank, 8, 7L, entries, true, false);
        return Files.readAllBytes(p);
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void prunedFilesAreWrittenAgainAndEqualFreshOnes() throws Exception {
        Path root = tmp.resolve("s");
        ScratchLevel s = new ScratchLevel(root, 3, 8, true, false, 7L, true);
        int[] sizes = {40_000, 40_000, 40_000, 90_000, 10_000, 10_000, 10_000, 40_000, 40_000};
        for (int v = 1; v <= sizes.length; v++) {
            List<RankFileWriter.Entry> e = state(v, sizes[v - 1]);
            RankFileInfo info = s.write("heat", v, e);
            assertArrayEquals(fresh("heat", v, 3, e), Files.readAllBytes(info.path()), "v" + v + " as a fresh writer writes it");
            try (RankFile f = RankFile.open(info.path())) {
                f.verify();
            }
            if (v > 2) {
                s.delete("heat", v - 2); // scratch_versions = 2
            }
            assertTrue(s.keptBytes() >= 0);
            for (String n : names(root)) {
                assertTrue(n.matches("heat/\\d+/rank-3\\.vck") || n.matches("\\.veloc4j/recycle/7/rank-3\\.\\d+\\.free"),
                        "only rank files and kept files: " + n);
            }
        }
        assertEquals(List.of(9, 8), s.versions("heat"));
        assertTrue(names(root).stream().anyMatch(n -> n.endsWith(".free")), "a pruned file is kept");
        // the kept file is not a rank file: the engine's scan does not see it
        assertEquals(2, new ScratchScan(root).poll().size());
        s.close();
        assertFalse(names(root).stream().anyMatch(n -> n.endsWith(".free")), "close deletes the kept files");
        try (RankCheckpoint ck = s.open("heat", 9)) {
            assertNotNull(ck.variable(0).orElseThrow(), "the rank files stay readable");
        }
    }

    @Test
    void aFileReplacedBehindTheWritersBackIsNotWrittenThroughItsOldMapping() throws Exception {
        Path root = tmp.resolve("s");
        ScratchLevel s = new ScratchLevel(root, 0, 8, true, false, 7L, true);
        s.write("c", 1, state(1, 5000));
        s.write("c", 2, state(2, 5000));
        // a restore from persistent storage writes v1's file anew (temp file, rename over it)
        Path v1 = s.rankFile("c", 1);
        Path other = root.resolve("c").resolve("1").resolve("rank-0.vck.restore");
        Files.write(other, Files.readAllBytes(v1));
        Files.move(other, v1, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        s.delete("c", 1); // kept: mapped afresh, not through the mapping of the file it replaced
        for (int v = 3; v <= 5; v++) {
            List<RankFileWriter.Entry> e = state(v, 5000);
            RankFileInfo info = s.write("c", v, e);
            assertArrayEquals(fresh("c", v, 0, e), Files.readAllBytes(info.path()), "v" + v);
            s.delete("c", v - 1);
        }
        s.close();
    }

    @Test
    void aKeptFileRemovedByOthersMeansANewFile() throws Exception {
        Path root = tmp.resolve("s");
        ScratchLevel s = new ScratchLevel(root, 0, 8, true, false, 7L, true);
        s.write("c", 1, state(1, 3000));
        s.write("c", 2, state(2, 3000));
        s.delete("c", 1);
        ScratchLevel.deleteKeptFilesOfOtherLaunches(root, 8L); // another launch cleaning up
        List<RankFileWriter.Entry> e = state(3, 3000);
        assertArrayEquals(fresh("c", 3, 0, e), Files.readAllBytes(s.write("c", 3, e).path()));
        s.close();
    }

    @Test
    void stagedCheckpointsAreWrittenInTheBackgroundAsFreshOnes() throws Exception {
        Path root = tmp.resolve("s");
        ScratchLevel s = new ScratchLevel(root, 2, 8, true, false, 7L, true);
        int[] sizes = {20_000, 20_000, 20_000, 50_000, 20_000, 20_000};
        for (int v = 1; v <= sizes.length; v++) {
            List<RankFileWriter.Entry> e = state(v, sizes[v - 1]);
            RankFileWriter.Image image = s.stage("st", v, e, 1 << 20);
            assertNotNull(image);
            RankFileInfo info = s.writeInBackground(image).get();
            assertEquals(s.rankFile("st", v), info.path());
            assertEquals(image.length(), info.bytes());
            assertArrayEquals(fresh("st", v, 2, e), Files.readAllBytes(info.path()), "staged v" + v);
            if (v > 1) {
                s.delete("st", v - 1);
            }
        }
        assertTrue(s.stagingBytes() >= 50_000 * 8);
        assertNull(s.stage("st", 99, state(99, 200_000), 1 << 20), "more than the budget: not staged");
        s.close();
    }

    /**
     * The CRCs of a staged checkpoint are taken by the background write: a variable spanning many
     * slices, an empty one and one of 3 bytes get the CRCs a direct write gives them, and the
     * memory changed after stage() is not what lands on scratch.
     */
    @Test
    void stagedCrcsAreThoseOfTheStagedBytes() throws Exception {
        ScratchLevel s = new ScratchLevel(tmp.resolve("crc"), 2, 8, true, false, 7L, true);
        byte[] big = new byte[(3 << 20) + 5];
        new SplittableRandom(5).nextBytes(big);
        byte[] small = {1, 2, 3};
        List<RankFileWriter.Entry> e = List.of(new RankFileWriter.Entry(0, "big", new long[] {big.length}, Region.of(big)),
                new RankFileWriter.Entry(1, "empty", new long[] {0}, Region.of(new byte[0])),
                new RankFileWriter.Entry(2, "small", new long[] {small.length}, Region.of(small)));
        for (int v = 1; v <= 3; v++) { // v1 into a new file, v2 and v3 into the kept one (mapped)
            big[v] = (byte) v;
            byte[] want = fresh("crc", v, 2, e);
            RankFileWriter.Image image = s.stage("crc", v, e, 8 << 20);
            assertNotNull(image);
            Arrays.fill(big, (byte) 0); // the application moves on before the write
            small[0] = 99;
            RankFileInfo info = s.writeInBackground(image).get();
            assertArrayEquals(want, Files.readAllBytes(info.path()), "staged v" + v);
            try (RankFile f = RankFile.open(info.path())) {
                f.verify();
                assertEquals(f.headerCrc(), info.crc());
            }
            new SplittableRandom(5).nextBytes(big);
            small[0] = 1;
            if (v > 1) {
                s.delete("crc", v - 1);
            }
        }
        s.close();
    }
}
