package io.veloc4j.levels.grouping;

import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.Region;
import io.veloc4j.levels.scratch.RankFileWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node whose ranks share data in less trivial ways: 32 ranks of 1 MiB of float64 in four
 * families, interleaved so that rank order puts one of each in every group of 4:
 * <ol start="0">
 *   <li>a smooth field, phase per rank (nothing exact to share),</li>
 *   <li>the same noise in every rank of the family (a replicated table),</li>
 *   <li>sparse: 1% of the values set, per rank,</li>
 *   <li>a counter i/16 + rank (shared values, shifted per rank).</li>
 * </ol>
 * Families 1 and 3 share bytes across ranks; their ranks must be grouped with each other.
 */
class ClusterFamiliesTest {

    static final int RANKS = 32;
    static final int DOUBLES = (1 << 20) / 8;

    @TempDir
    static Path dir;
    static List<Path> files;
    static double[][] beta;

    static int family(int rank) {
        return (rank * 5 + 3) % 4;
    }

    @BeforeAll
    static void writeRankFiles() throws LevelException {
        RankFileWriter w = new RankFileWriter(1 << 20);
        files = new ArrayList<>();
        for (int r = 0; r < RANKS; r++) {
            Random rnd = new Random(r);
            double[] d = new double[DOUBLES];
            switch (family(r)) {
                case 0 -> {
                    double phase = rnd.nextDouble() * 6;
                    Arrays.setAll(d, i -> Math.sin(i * 1e-3 + phase) * 100);
                }
                case 1 -> {
                    Random shared = new Random(99);
                    Arrays.setAll(d, i -> shared.nextGaussian());
                }
                case 2 -> {
                    for (int i = 0; i < DOUBLES; i += 100) {
                        d[i] = rnd.nextInt(1000);
                    }
                }
                default -> {
                    int rank = r;
                    Arrays.setAll(d, i -> i / 16 + rank);
                }
            }
            Path p = dir.resolve("rank-" + r + ".vck");
            w.write(p, "families", 1, r, RANKS,
                    List.of(new RankFileWriter.Entry(0, "u", new long[] {DOUBLES}, Region.of(d))), true, false);
            files.add(p);
        }
        BenefitEstimator.defaults().estimate(files); // warm-up
        long t0 = System.nanoTime();
        beta = BenefitEstimator.defaults().estimate(files);
        System.out.printf("estimate(%d rank files of 1 MiB float64, defaults): %d ms%n", RANKS,
                (System.nanoTime() - t0) / 1_000_000);
    }

    @Test
    void ranksThatShareDataAreGroupedTogether() {
        for (int g : new int[] {4, 8}) {
            List<int[]> groups = Clustering.partition(beta, g);
            System.out.println("G=" + g + ": " + GroupSizes.describe(groups));
            assertEquals(RANKS / g, groups.size());
            for (int[] group : groups) {
                for (int sharing : new int[] {1, 3}) {
                    long in = Arrays.stream(group).filter(r -> family(r) == sharing).count();
                    assertTrue(in == 0 || in == group.length,
                            "family " + sharing + " split or mixed: " + Arrays.toString(group));
                }
            }
        }
    }

    @Test
    void clusterGroupsCompressSmallerThanRankOrderAndRandom() throws LevelException {
        for (int g : new int[] {4, 8}) {
            List<int[]> byRank = GroupSizes.rankOrder(RANKS, g);
            List<int[]> cluster = Clustering.partition(beta, g);
            List<int[]> random = GroupSizes.random(RANKS, g, 42);
            long[] data1 = {GroupSizes.variables(files, byRank, 1), GroupSizes.variables(files, cluster, 1),
                GroupSizes.variables(files, random, 1)};
            long[] whole1 = {GroupSizes.wholeFiles(files, byRank, 1), GroupSizes.wholeFiles(files, cluster, 1),
                GroupSizes.wholeFiles(files, random, 1)};
            long[] whole1long = {GroupSizes.wholeFiles(files, byRank, 1, true), GroupSizes.wholeFiles(files, cluster, 1, true),
                GroupSizes.wholeFiles(files, random, 1, true)};
            long[] whole3 = {GroupSizes.wholeFiles(files, byRank, 3), GroupSizes.wholeFiles(files, cluster, 3),
                GroupSizes.wholeFiles(files, random, 3)};
            System.out.printf("G=%d compressed bytes (rank order / cluster / random): variables zstd-1 %,d / %,d / %,d;"
                            + " whole files zstd-1 %,d / %,d / %,d; whole files zstd-3 %,d / %,d / %,d;"
                            + " whole files zstd-1 long window %,d / %,d / %,d%n", g,
                    data1[0], data1[1], data1[2], whole1[0], whole1[1], whole1[2], whole3[0], whole3[1], whole3[2], whole1long[0], whole1long[1], whole1long[2]);
            assertTrue(whole3[1] < whole3[0] && whole3[1] < whole3[2], "whole files, zstd-3");
            assertTrue(data1[1] < data1[0] && data1[1] < data1[2], "variables, zstd-1");
        }
    }
}
