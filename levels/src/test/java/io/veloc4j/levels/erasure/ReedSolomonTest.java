package io.veloc4j.levels.erasure;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The code is MDS for every shipped size: for every k + m ≤ 16, every choice of k of the k + m
 * symbols decodes every symbol bit-exact (the proof by exhaustion the issue asks for), and a few
 * large codes up to the field's 256 symbols on random patterns.
 */
class ReedSolomonTest {

    private static long[][] random(int count, int words, Random r) {
        long[][] s = new long[count][words];
        for (long[] x : s) {
            for (int i = 0; i < words; i++) {
                x[i] = r.nextLong();
            }
        }
        return s;
    }

    /** Data and parity of one codeword of {@code words} longs. */
    private static long[][] codeword(ReedSolomon rs, int words, Random r) {
        long[][] data = random(rs.dataSymbols(), words, r);
        long[][] parity = new long[rs.paritySymbols()][words];
        rs.encode(data, parity, words);
        long[][] all = new long[rs.symbols()][];
        System.arraycopy(data, 0, all, 0, data.length);
        System.arraycopy(parity, 0, all, data.length, parity.length);
        return all;
    }

    /** Decodes every absent symbol, and one present one, from the present ones and compares. */
    private static void check(ReedSolomon rs, long[][] all, int[] present, int words) {
        long[][] in = new long[present.length][];
        for (int i = 0; i < present.length; i++) {
            in[i] = all[present[i]];
        }
        java.util.Set<Integer> here = new java.util.HashSet<>();
        for (int p : present) {
            here.add(p);
        }
        int[] wanted = java.util.stream.IntStream.range(0, rs.symbols()).filter(s -> !here.contains(s) || s == present[0])
                .toArray();
        long[][] out = new long[wanted.length][words];
        rs.decode(present, in, wanted, out, words);
        for (int w = 0; w < wanted.length; w++) {
            assertArrayEquals(all[wanted[w]], out[w], "k=" + rs.dataSymbols() + " m=" + rs.paritySymbols() + " present "
                    + Arrays.toString(present) + ": symbol " + wanted[w]);
        }
    }

    @Test
    void everyChoiceOfKSymbolsDecodesEveryCodeUpTo16Symbols() {
        Random r = new Random(12);
        int patterns = 0;
        for (int n = 2; n <= 16; n++) {
            for (int m = 1; m < n; m++) {
                ReedSolomon rs = new ReedSolomon(n - m, m);
                int words = 3 + r.nextInt(5);
                long[][] all = codeword(rs, words, r);
                for (int mask = 0; mask < 1 << n; mask++) {
                    if (Integer.bitCount(mask) == n - m) {
                        check(rs, all, members(mask, n), words);
                        patterns++;
                    }
                }
            }
        }
        int expected = 0; // Σ_{n=2..16} (2^n − 2): the k-subsets with 1 ≤ k ≤ n − 1
        for (int n = 2; n <= 16; n++) {
            expected += (1 << n) - 2;
        }
        assertEquals(expected, patterns, "k-subsets tried");
    }

    private static int[] members(int mask, int n) {
        return java.util.stream.IntStream.range(0, n).filter(i -> (mask & (1 << i)) != 0).toArray();
    }

    @Test
    void largeCodesDecodeRandomPatterns() {
        Random r = new Random(13);
        for (int[] km : new int[][] {{200, 56}, {128, 128}, {1, 255}, {255, 1}, {30, 10}}) {
            ReedSolomon rs = new ReedSolomon(km[0], km[1]);
            long[][] all = codeword(rs, 2, r);
            for (int trial = 0; trial < 5; trial++) {
                int[] symbols = java.util.stream.IntStream.range(0, rs.symbols()).toArray();
                for (int i = symbols.length - 1; i > 0; i--) {
                    int j = r.nextInt(i + 1);
                    int t = symbols[i];
                    symbols[i] = symbols[j];
                    symbols[j] = t;
                }
                check(rs, all, Arrays.copyOf(symbols, km[0]), 2);
            }
        }
    }

    @Test
    void firstParityIsTheXorAndFirstDataEntersUnscaled() {
        ReedSolomon rs = new ReedSolomon(12, 4);
        for (int i = 0; i < 12; i++) {
            assertEquals(1, rs.coefficient(0, i));
        }
        for (int j = 0; j < 4; j++) {
            assertEquals(1, rs.coefficient(j, 0));
        }
    }

    @Test
    void refusesWhatTheFieldCannotHold() {
        assertThrows(IllegalArgumentException.class, () -> new ReedSolomon(200, 57));
        assertThrows(IllegalArgumentException.class, () -> new ReedSolomon(0, 1));
        ReedSolomon rs = new ReedSolomon(3, 2);
        assertThrows(IllegalArgumentException.class, () -> rs.decodingMatrix(new int[] {0, 1}, new int[] {2}));
        assertThrows(IllegalArgumentException.class, () -> rs.decodingMatrix(new int[] {0, 1, 1}, new int[] {2}));
        assertThrows(IllegalArgumentException.class, () -> rs.decodingMatrix(new int[] {0, 1, 5}, new int[] {2}));
    }
}
