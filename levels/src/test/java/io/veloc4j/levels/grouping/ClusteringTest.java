package io.veloc4j.levels.grouping;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Clustering.partition: always a valid, deterministic partition; families found; stuck merges repaired. */
class ClusteringTest {

    /** Exactly ceil(n/G) groups, each sorted and ≤ G, together 0..n-1 once each, ordered by smallest index. */
    static void assertValid(List<int[]> groups, int n, int g) {
        assertEquals((n + g - 1) / g, groups.size(), "group count for n=" + n + ", G=" + g);
        boolean[] seen = new boolean[n];
        int previousFirst = -1;
        for (int[] group : groups) {
            assertTrue(group.length >= 1 && group.length <= g, "group size " + group.length + " for G=" + g);
            for (int i = 0; i < group.length; i++) {
                assertTrue(group[i] >= 0 && group[i] < n, "index " + group[i] + " out of 0.." + (n - 1));
                assertTrue(!seen[group[i]], "index " + group[i] + " twice");
                seen[group[i]] = true;
                if (i > 0) {
                    assertTrue(group[i - 1] < group[i], "group not ascending: " + Arrays.toString(group));
                }
            }
            assertTrue(group[0] > previousFirst, "groups not ordered by smallest index");
            previousFirst = group[0];
        }
        for (int i = 0; i < n; i++) {
            assertTrue(seen[i], "index " + i + " missing");
        }
    }

    static void assertSame(List<int[]> a, List<int[]> b) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i), b.get(i));
        }
    }

    static double[][] copy(double[][] m) {
        double[][] c = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            c[i] = m[i].clone();
        }
        return c;
    }

    /** Random matrices of several kinds: uniform, families plus noise, sparse, all zero, dirty (asymmetric, NaN, negative). */
    static double[][] randomBenefit(int n, int kind, Random rnd) {
        double[][] b = new double[n][n];
        int families = 1 + rnd.nextInt(Math.max(1, n / 2));
        int[] family = new int[n];
        for (int i = 0; i < n; i++) {
            family[i] = rnd.nextInt(families);
        }
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double v = switch (kind) {
                    case 0 -> rnd.nextDouble();
                    case 1 -> (family[i] == family[j] ? 0.5 : 0.01) + 1e-3 * rnd.nextDouble();
                    case 2 -> rnd.nextInt(10) == 0 ? rnd.nextDouble() : 0;
                    case 3 -> 0;
                    default -> 1e-5 * rnd.nextInt(4); // few distinct values: many exact ties
                };
                b[i][j] = v;
                b[j][i] = v;
            }
        }
        if (kind == 5 && n > 1) {
            b[0][n - 1] = Double.NaN;
            b[n - 1][0] = -3;
            b[n / 2][0] = Double.POSITIVE_INFINITY;
            b[0][0] = 7;
        }
        return b;
    }

    @Test
    void alwaysAValidDeterministicPartition() {
        Random rnd = new Random(20260421);
        int cases = 0;
        for (int n = 1; n <= 40; n++) {
            for (int g = 1; g <= 9; g++) {
                for (int kind = 0; kind <= 5; kind++) {
                    double[][] b = randomBenefit(n, kind, rnd);
                    double[][] original = copy(b);
                    List<int[]> groups = Clustering.partition(b, g);
                    assertValid(groups, n, g);
                    assertSame(groups, Clustering.partition(copy(original), g));
                    for (int i = 0; i < n; i++) {
                        assertArrayEquals(original[i], b[i], "partition must not modify its input");
                    }
                    cases++;
                }
            }
        }
        assertEquals(40 * 9 * 6, cases);
    }

    @Test
    void smallAndDegenerateCases() {
        assertSame(List.of(new int[] {0}), Clustering.partition(new double[1][1], 1));
        assertSame(List.of(new int[] {0}), Clustering.partition(new double[1][1], 4));
        assertSame(List.of(new int[] {0, 1}), Clustering.partition(new double[2][2], 2));
        assertSame(List.of(new int[] {0}, new int[] {1}), Clustering.partition(new double[][] {{0, 1}, {1, 0}}, 1));
        assertSame(List.of(new int[] {0, 1, 2}), Clustering.partition(new double[3][3], 8));
        assertEquals(0, Clustering.partition(new double[0][0], 4).size());
        // all zero: nothing to gain anywhere, still k groups of ≤ G
        assertValid(Clustering.partition(new double[7][7], 3), 7, 3);
        assertThrows(IllegalArgumentException.class, () -> Clustering.partition(new double[3][3], 0));
        assertThrows(IllegalArgumentException.class, () -> Clustering.partition(new double[][] {{0, 1}, {1}}, 2));
        assertThrows(NullPointerException.class, () -> Clustering.partition(null, 2));
    }

    /** β = high inside families, low across; families scrambled over the indices. */
    static double[][] families(int[] family, double inside, double across, long noiseSeed) {
        int n = family.length;
        Random rnd = new Random(noiseSeed);
        double[][] b = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double v = (family[i] == family[j] ? inside : across) * (1 + 0.05 * rnd.nextDouble());
                b[i][j] = v;
                b[j][i] = v;
            }
        }
        return b;
    }

    static void assertFamiliesIntact(List<int[]> groups, int[] family) {
        for (int[] g : groups) {
            for (int r : g) {
                assertEquals(family[g[0]], family[r], "group " + Arrays.toString(g) + " mixes families");
            }
        }
    }

    @Test
    void findsScrambledFamilies() {
        int n = 48;
        for (int g : new int[] {2, 3, 4, 6, 8, 12}) {
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                order.add(i);
            }
            Collections.shuffle(order, new Random(g));
            int[] family = new int[n];
            for (int i = 0; i < n; i++) {
                family[order.get(i)] = i / g; // n/g families of exactly g
            }
            List<int[]> groups = Clustering.partition(families(family, 0.3, 0.01, g), g);
            assertValid(groups, n, g);
            assertFamiliesIntact(groups, family);
        }
    }

    @Test
    void stuckMergesAreRepaired() {
        // families of 3, 3 and 2 under a cap of 4: average linkage builds them first, then no two fit
        // together (3+3, 3+2 > 4) while k = 2; the family of 2 is dissolved into the others' gaps
        int[] family = {0, 1, 2, 0, 1, 2, 0, 1};
        List<int[]> groups = Clustering.partition(families(family, 1.0, 0.01, 1), 4);
        assertValid(groups, 8, 4);
        assertEquals(2, groups.size());
        for (int[] g : groups) {
            assertEquals(4, g.length);
            long big = Arrays.stream(g).filter(r -> family[r] != 2).map(r -> family[r]).distinct().count();
            assertEquals(1, big, "each family of 3 stays whole: " + Arrays.toString(g));
        }

        // four families of 4 under a cap of 6 (k = 3): stuck at 4 clusters, one is spread 2 + 2
        int[] four = new int[16];
        Arrays.setAll(four, i -> i % 4);
        List<int[]> g6 = Clustering.partition(families(four, 1.0, 0.01, 2), 6);
        assertValid(g6, 16, 6);
        int whole = 0;
        for (int[] g : g6) {
            for (int f = 0; f < 4; f++) {
                int fam = f;
                if (Arrays.stream(g).filter(r -> four[r] == fam).count() == 4) {
                    whole++;
                }
            }
        }
        assertEquals(3, whole, "three families stay whole: " + GroupSizes.describe(g6));

        // sizes 3, 3, 3 with everything else unattractive (n = 9, G = 4, k = 3) is not stuck: k is reached
        int[] nine = {0, 0, 0, 1, 1, 1, 2, 2, 2};
        List<int[]> g4 = Clustering.partition(families(nine, 1.0, 0.0, 3), 4);
        assertValid(g4, 9, 4);
        assertFamiliesIntact(g4, nine);
    }

    @Test
    void largeNodeIsFast() {
        Random rnd = new Random(7);
        double[][] b = randomBenefit(128, 1, rnd);
        Clustering.partition(b, 8); // warm-up
        long t0 = System.nanoTime();
        List<int[]> groups = Clustering.partition(b, 8);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("partition of 128 ranks, G=8: " + ms + " ms");
        assertValid(groups, 128, 8);
        assertTrue(ms < 2000, ms + " ms");
    }

    @Test
    void keepsMoreBenefitInGroupsThanRankOrder() {
        // cluster groups keep at least the benefit of rank-order groups on family-structured input
        Random rnd = new Random(11);
        for (int trial = 0; trial < 20; trial++) {
            int n = 8 + rnd.nextInt(40);
            int g = 2 + rnd.nextInt(7);
            double[][] b = randomBenefit(n, 1, rnd);
            double cluster = kept(b, Clustering.partition(b, g));
            double byRank = kept(b, GroupSizes.rankOrder(n, g));
            assertTrue(cluster >= byRank - 1e-9, "n=" + n + " G=" + g + ": cluster keeps " + cluster + " < rank order " + byRank);
        }
    }

    static double kept(double[][] b, List<int[]> groups) {
        double s = 0;
        for (int[] g : groups) {
            for (int i = 0; i < g.length; i++) {
                for (int j = i + 1; j < g.length; j++) {
                    s += b[g[i]][g[j]];
                }
            }
        }
        return s;
    }

    @Test
    void failsLoudlyOnBadInput() {
        try {
            Clustering.partition(new double[][] {{0, 1, 2}, {1, 0, 2}}, 2);
            fail("a 2-row matrix of 3 columns is not square");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().contains("row"), e.getMessage());
        }
    }
}
