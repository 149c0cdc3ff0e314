package io.veloc4j.bench;

import io.veloc4j.levels.ElementType;
import io.veloc4j.levels.Variable;
import io.veloc4j.levels.scratch.RankFile;
import io.veloc4j.levels.scratch.RankFileInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How RealData reads a data directory and splits its arrays over ranks. */
class RealDataTest {

    @TempDir
    Path tmp;

    private static long[] s(long... x) {
        return x;
    }

    @Test
    void leadingOneIsSqueezedAndRowsSplitEvenly() {
        long[][] p = RealData.split(s(1, 20480), 16);
        assertEquals(16, p.length);
        for (long[] r : p) {
            assertArrayEquals(s(1280), r);
        }
        // a leading 1 stays when it already is >= N
        assertArrayEquals(s(1, 20480), RealData.split(s(1, 20480), 1)[0]);
    }

    @Test
    void firstExtentSmallerThanRanksIsMergedWithTheNext() {
        // [3, 20480] over 16 ranks: 3 < 16, merged into [61440]
        for (long[] r : RealData.split(s(3, 20480), 16)) {
            assertArrayEquals(s(3840), r);
        }
        for (long[] r : RealData.split(s(1, 3, 20480), 16)) {
            assertArrayEquals(s(3840), r);
        }
        // [2, 18, 64, 128]: 2 < 16, 36 >= 16
        assertArrayEquals(s(36, 64, 128), RealData.merged(s(2, 18, 64, 128), 16));
        // nothing to merge
        assertArrayEquals(s(384, 320), RealData.merged(s(384, 320), 16));
        assertArrayEquals(s(20480, 3), RealData.merged(s(20480, 3), 16));
    }

    @Test
    void seventeenRowsOverSixteenRanks() {
        long[][] p = RealData.split(s(1, 17, 96, 192), 16);
        assertArrayEquals(s(2, 96, 192), p[0]);
        for (int r = 1; r < 16; r++) {
            assertArrayEquals(s(1, 96, 192), p[r], "rank " + r);
        }
        // the first rows % N ranks get one more: 37 rows over 16 → 3,3,3,3,3,2,...
        long[] rows = RealData.rows(37, 16);
        assertEquals(37, Arrays.stream(rows).sum());
        assertArrayEquals(s(3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2), rows);
    }

    @Test
    void tooFewElementsLeaveSomeRanksEmpty() {
        long[][] p = RealData.split(s(2, 3), 16);
        for (int r = 0; r < 16; r++) {
            assertArrayEquals(s(r < 6 ? 1 : 0), p[r], "rank " + r);
        }
        assertArrayEquals(s(1), RealData.merged(s(), 4));
    }

    @Test
    void slabsConcatenatedAreTheOriginalBytes() throws Exception {
        Path dir = BenchDataDirs.write(tmp.resolve("data"), List.of(
                new BenchDataDirs.Spec("grid/t", "f4", s(1, 17, 4, 3)),
                new BenchDataDirs.Spec("grid/lon", "f8", s(3, 20)),
                new BenchDataDirs.Spec("grid/s", "f4", s(1, 50)),
                new BenchDataDirs.Spec("grid/big", "f4", s(40, 2))));
        List<RealData.Array> arrays = RealData.load(dir);
        assertEquals(4, arrays.size());
        assertEquals(ElementType.FLOAT64, arrays.get(1).type());
        int ranks = 16;
        List<List<RealData.Slab>> perRank = RealData.slabs(dir, arrays, ranks);
        assertEquals(ranks, perRank.size());
        for (int i = 0; i < arrays.size(); i++) {
            RealData.Array a = arrays.get(i);
            ByteArrayOutputStream cat = new ByteArrayOutputStream();
            long rows = 0;
            for (int r = 0; r < ranks; r++) {
                RealData.Slab slab = perRank.get(r).get(i);
                assertEquals(a.name(), slab.name());
                assertEquals(a.type(), slab.type());
                long elements = Arrays.stream(slab.shape()).reduce(1, (x, y) -> x * y);
                assertEquals(elements * a.type().width(), slab.bytes(), a.name() + " rank " + r);
                rows += slab.shape()[0];
                cat.write(bytes(slab.data()));
            }
            assertEquals(RealData.merged(a.shape(), ranks)[0], rows, a.name());
            assertArrayEquals(Files.readAllBytes(dir.resolve(a.file())), cat.toByteArray(), a.name());
        }
        assertArrayEquals(s(2, 4, 3), perRank.get(0).get(0).shape());
        assertArrayEquals(s(1, 4, 3), perRank.get(15).get(0).shape());
        assertArrayEquals(s(4), perRank.get(0).get(1).shape()); // [3, 20] → [60] → 4 rows for the first 12 ranks
        assertArrayEquals(s(3), perRank.get(15).get(1).shape());

        // rank files hold the slabs as typed variables, byte for byte
        List<RankFileInfo> files = RankFiles.write(tmp.resolve("ranks"), "t", perRank);
        for (int r = 0; r < ranks; r++) {
            try (RankFile f = RankFile.open(files.get(r).path())) {
                f.verify();
                List<Variable> vars = f.variables();
                assertEquals(arrays.size(), vars.size());
                for (int i = 0; i < vars.size(); i++) {
                    RealData.Slab slab = perRank.get(r).get(i);
                    assertEquals(slab.name(), vars.get(i).name());
                    assertEquals(slab.type(), vars.get(i).type());
                    assertArrayEquals(slab.shape(), vars.get(i).shape());
                    ByteBuffer back = ByteBuffer.allocate((int) slab.bytes());
                    f.readInto(vars.get(i), new RankFiles.BytesRegion(slab.type(), back));
                    assertArrayEquals(bytes(slab.data()), back.array(), slab.name() + " rank " + r);
                }
            }
        }
    }

    @Test
    void errorsNameTheFileAndKey() throws Exception {
        Path none = tmp.resolve("none");
        IOException e = assertThrows(IOException.class, () -> RealData.load(none));
        assertTrue(e.getMessage().contains(none.toString()), e.getMessage());

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        e = assertThrows(IOException.class, () -> RealData.load(empty));
        assertTrue(e.getMessage().contains("manifest.json") && e.getMessage().contains("missing"), e.getMessage());

        Path dir = BenchDataDirs.write(tmp.resolve("d"), List.of(new BenchDataDirs.Spec("a/x", "f4", s(4, 5))));
        Files.write(dir.resolve("a_x.f4"), new byte[12]);
        e = assertThrows(IOException.class, () -> RealData.load(dir));
        assertTrue(e.getMessage().contains("a_x.f4") && e.getMessage().contains("12 bytes"), e.getMessage());

        Files.writeString(dir.resolve("manifest.json"), Files.readString(dir.resolve("manifest.json")).replace("\"f4\"", "\"i2\""));
        e = assertThrows(IOException.class, () -> RealData.load(dir));
        assertTrue(e.getMessage().contains("'dtype'") && e.getMessage().contains("a/x"), e.getMessage());

        Files.writeString(dir.resolve("manifest.json"), "[{\"name\": \"a/x\", \"file\": \"gone.f4\", \"dtype\": \"f4\", "
                + "\"shape\": [4, 5], \"bytes\": 80}]");
        e = assertThrows(IOException.class, () -> RealData.load(dir));
        assertTrue(e.getMessage().contains("gone.f4") && e.getMessage().contains("missing"), e.getMessage());

        Files.writeString(dir.resolve("manifest.json"), "[{\"name\": \"a/x\", \"file\": \"a_x.f4\", \"dtype\": \"f4\", "
                + "\"shape\": [4, 5], \"bytes\": 81}]");
        e = assertThrows(IOException.class, () -> RealData.load(dir));
        assertTrue(e.getMessage().contains("'bytes'"), e.getMessage());
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.limit()];
        b.duplicate().clear().get(a);
        return a;
    }
}
