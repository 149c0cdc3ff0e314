package io.veloc4j.levels.grouping;

import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.Region;
import io.veloc4j.levels.Variable;
import io.veloc4j.levels.scratch.RankFile;
import io.veloc4j.levels.scratch.RankFileWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BenefitEstimator: what β measures, and which bytes of a rank file the samples are. */
class BenefitEstimatorTest {

    @TempDir
    Path dir;

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static void assertWellFormed(double[][] beta, int n) {
        assertEquals(n, beta.length);
        for (int i = 0; i < n; i++) {
            assertEquals(n, beta[i].length);
            assertEquals(0.0, beta[i][i]);
            for (int j = 0; j < n; j++) {
                assertTrue(beta[i][j] >= 0 && Double.isFinite(beta[i][j]), "β[" + i + "][" + j + "] = " + beta[i][j]);
                assertEquals(beta[i][j], beta[j][i], "symmetric");
            }
        }
    }

    @Test
    void identicalSamplesBenefitMoreThanUnrelatedOnes() {
        byte[] a = random(64 << 10, 1);
        byte[] c = random(64 << 10, 2);
        // 0 and 2 identical (incompressible alone, half saved together), 1 and 3 unrelated random
        List<byte[]> samples = List.of(a, c, a.clone(), random(64 << 10, 3));
        double[][] beta = BenefitEstimator.defaults().estimateSamples(samples);
        assertWellFormed(beta, 4);
        assertTrue(beta[0][2] > 0.45 && beta[0][2] <= 0.5, "identical random samples save ~half: " + beta[0][2]);
        assertTrue(beta[0][1] < 0.001, "unrelated random samples save ~nothing: " + beta[0][1]);
        assertTrue(beta[1][3] < 0.001, "unrelated random samples save ~nothing: " + beta[1][3]);
    }

    @Test
    void symmetricAndIndependentOfTheOrderOfSamples() {
        List<byte[]> samples = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            byte[] s = new byte[32 << 10];
            if (i % 2 == 0) {
                for (int k = 0; k < s.length; k += 8) {
                    s[k] = (byte) i; // a pattern per rank
                    s[k + 1] = 17;
                }
            }
            samples.add(s); // odd: zeros, identical
        }
        BenefitEstimator e = new BenefitEstimator(4096, 2, 1);
        double[][] beta = e.estimateSamples(samples);
        assertWellFormed(beta, 6);
        // identical samples have identical rows (beyond their own pair): z(a‖b) is taken in one order by content
        for (int k = 0; k < 6; k++) {
            if (k != 1 && k != 3) {
                assertEquals(beta[1][k], beta[3][k], "zero samples 1 and 3 against " + k);
            }
        }
        int[] perm = {4, 2, 5, 0, 3, 1};
        List<byte[]> permuted = new ArrayList<>();
        for (int p : perm) {
            permuted.add(samples.get(p));
        }
        double[][] b2 = e.estimateSamples(permuted);
        for (int i = 0; i < 6; i++) {
            for (int j = 0; j < 6; j++) {
                assertEquals(beta[perm[i]][perm[j]], b2[i][j], "β must not depend on the order of the samples");
            }
        }
    }

    @Test
    void fewSamplesAndEmptyOnes() {
        BenefitEstimator e = BenefitEstimator.defaults();
        assertEquals(0, e.estimateSamples(List.of()).length);
        assertArrayEquals(new double[] {0}, e.estimateSamples(List.of(new byte[100]))[0]);
        double[][] empty = e.estimateSamples(List.of(new byte[0], new byte[0], new byte[10]));
        assertWellFormed(empty, 3);
        assertEquals(0.0, empty[0][1]);
    }

    /** A rank file whose data bytes are a known sequence: variable v's byte k is data[offsetInData + k]. */
    Path rankFile(String name, byte[] data, int... splits) throws LevelException {
        List<RankFileWriter.Entry> entries = new ArrayList<>();
        int from = 0;
        int id = 0;
        int[] ends = Arrays.copyOf(splits, splits.length + 1);
        ends[splits.length] = data.length;
        for (int end : ends) {
            byte[] part = Arrays.copyOfRange(data, from, end);
            entries.add(new RankFileWriter.Entry(id, "v" + id, new long[] {part.length}, Region.of(part)));
            id++;
            from = end;
        }
        Path p = dir.resolve(name);
        new RankFileWriter(1 << 16).write(p, "t", 1, 0, 1, entries, true, false);
        return p;
    }

    @Test
    void samplesTheVariablesDataAtFixedFractionsSkippingTheHeader() throws LevelException {
        int length = 1_000_003;
        byte[] data = random(length, 5);
        // variables of odd sizes: the writer pads each to 64 bytes, and chunks cross variables
        Path p = rankFile("r.vck", data, 100_001, 100_050, 612_345);
        try (RankFile rf = RankFile.open(p)) {
            List<Variable> vars = rf.variables();
            assertTrue(vars.get(0).offset() > 0, "the data starts after a header");
            assertTrue(vars.get(2).offset() > vars.get(1).offset() + vars.get(1).length(), "padding between variables");
        }
        BenefitEstimator e = new BenefitEstimator(10_000, 4, 1);
        byte[] sample = e.sample(List.of(p)).get(0);
        assertEquals(40_000, sample.length);
        for (int k = 0; k < 4; k++) {
            long centre = (long) ((k + 0.5) / 4 * length);
            long start = Math.max(0, Math.min(length - 10_000, centre - 5_000));
            start -= start % 8;
            assertArrayEquals(Arrays.copyOfRange(data, (int) start, (int) start + 10_000),
                    Arrays.copyOfRange(sample, k * 10_000, (k + 1) * 10_000), "chunk " + k);
        }
    }

    @Test
    void smallFileGivesAllItsDataAndSizesScaleByFraction() throws LevelException {
        byte[] small = random(5_000, 6);
        Path p = rankFile("small.vck", small, 1_234);
        BenefitEstimator e = new BenefitEstimator(4096, 4, 1);
        assertArrayEquals(small, e.sample(List.of(p)).get(0));

        // two files of different sizes, same content scaled: sampled at the same fractions
        byte[] big = new byte[400_000];
        byte[] half = new byte[200_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 4 / big.length); // quarter q of the data holds byte q
        }
        for (int i = 0; i < half.length; i++) {
            half[i] = (byte) (i * 4 / half.length);
        }
        List<byte[]> s = e.sample(List.of(rankFile("big.vck", big), rankFile("half.vck", half)));
        assertArrayEquals(s.get(0), s.get(1));
        for (int q = 0; q < 4; q++) {
            assertEquals(q, s.get(0)[q * 4096 + 2048], "chunk " + q + " lies in quarter " + q);
        }
    }

    @Test
    void errorsNameTheFile() throws IOException {
        Path missing = dir.resolve("rank-7.vck");
        LevelException e = assertThrows(LevelException.class, () -> BenefitEstimator.defaults().estimate(List.of(missing)));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        Path garbage = Files.write(dir.resolve("rank-8.vck"), random(4096, 8));
        e = assertThrows(LevelException.class, () -> BenefitEstimator.defaults().sample(List.of(garbage)));
        assertTrue(e.getMessage().contains(garbage.toString()), e.getMessage());
    }

    @Test
    void shrinksChunksForManyRanks() {
        BenefitEstimator e = BenefitEstimator.defaults();
        assertEquals(64 << 10, e.chunkBytes(1));
        assertEquals(64 << 10, e.chunkBytes(32));
        assertTrue(e.chunkBytes(64) <= 16_644 && e.chunkBytes(64) >= 16 << 10, "64 ranks: " + e.chunkBytes(64));
        assertTrue(e.chunkBytes(128) >= 4 << 10 && e.chunkBytes(128) < 8 << 10, "128 ranks: " + e.chunkBytes(128));
        for (int n = 2; n <= 1024; n *= 2) {
            long pairs = (long) n * (n - 1) / 2;
            int c = e.chunkBytes(n);
            assertTrue(c == BenefitEstimator.MIN_CHUNK || pairs * 2 * 4 * c <= BenefitEstimator.PAIR_BUDGET, "n=" + n);
        }
        assertEquals(100, new BenefitEstimator(100, 4, 1).chunkBytes(1000), "never above the configured size");
    }

    @Test
    void rejectsBadParameters() {
        assertThrows(IllegalArgumentException.class, () -> new BenefitEstimator(0, 4, 1));
        assertThrows(IllegalArgumentException.class, () -> new BenefitEstimator(1024, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new BenefitEstimator(1024, 4, 99));
        assertThrows(IllegalArgumentException.class, () -> new BenefitEstimator(1 << 30, 4, 1));
    }
}
