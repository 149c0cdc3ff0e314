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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The seed's synthetic node: 32 ranks of 1 MiB; odd ranks write zeros, even ranks an int32 array
 * of (rank, 1234567) repeated. Cluster grouping must keep the zero-writers apart from the others,
 * and must compress better than grouping by rank order.
 */
class ClusterSyntheticTest {

    static final int RANKS = 32;
    static final int INTS = (1 << 20) / 4;

    @TempDir
    static Path dir;
    static List<Path> files;
    static double[][] beta;

    @BeforeAll
    static void writeRankFiles() throws LevelException {
        RankFileWriter w = new RankFileWriter(1 << 20);
        files = new ArrayList<>();
        for (int r = 0; r < RANKS; r++) {
            int[] data = new int[INTS];
            if (r % 2 == 0) {
                for (int i = 0; i < INTS; i += 2) {
                    data[i] = r;
                    data[i + 1] = 1234567;
                }
            }
            Path p = dir.resolve("rank-" + r + ".vck");
            w.write(p, "synthetic", 1, r, RANKS,
                    List.of(new RankFileWriter.Entry(0, "data", new long[] {INTS}, Region.of(data))), true, false);
            files.add(p);
        }
        BenefitEstimator.defaults().estimate(files); // warm-up (JIT, zstd-jni loading) for the timing below
        long t0 = System.nanoTime();
        beta = BenefitEstimator.defaults().estimate(files);
        System.out.printf("estimate(%d rank files of 1 MiB, defaults 4 × 64 KiB, zstd-1): %d ms%n", RANKS,
                (System.nanoTime() - t0) / 1_000_000);
    }

    @Test
    void zeroWritersEndUpTogether() {
        for (int g : new int[] {4, 8}) {
            List<int[]> groups = Clustering.partition(beta, g);
            System.out.println("G=" + g + ": " + GroupSizes.describe(groups));
            assertEquals(RANKS / g, groups.size());
            for (int[] group : groups) {
                assertEquals(g, group.length, "group " + Arrays.toString(group));
                int parity = group[0] % 2;
                for (int r : group) {
                    assertEquals(parity, r % 2, "group mixes zero-writers and others: " + Arrays.toString(group));
                }
            }
        }
    }

    /**
     * Each 1 MiB file compresses to 120–200 bytes alone, so every grouping ends near 5 KB for 32 MiB
     * and the differences are hundreds of bytes. What β measures, the variables' data of a group
     * compressed together, is smaller for cluster groups, and so are whole files at zstd-3; whole
     * files at zstd-1 are not (printed): there, how level 1's blocks fall around the 512-byte headers
     * outweighs what the data shares.
     */
    @Test
    void clusterGroupsCompressSmallerThanRankOrder() throws LevelException {
        for (int g : new int[] {4, 8}) {
            List<int[]> byRank = GroupSizes.rankOrder(RANKS, g);
            List<int[]> cluster = Clustering.partition(beta, g);
            List<int[]> random = GroupSizes.random(RANKS, g, 42);
            long[] data1 = {GroupSizes.variables(files, byRank, 1), GroupSizes.variables(files, cluster, 1),
                GroupSizes.variables(files, random, 1)};
            long[] whole1long = {GroupSizes.wholeFiles(files, byRank, 1, true), GroupSizes.wholeFiles(files, cluster, 1, true),
                GroupSizes.wholeFiles(files, random, 1, true)};
            long[] whole3 = {GroupSizes.wholeFiles(files, byRank, 3), GroupSizes.wholeFiles(files, cluster, 3),
                GroupSizes.wholeFiles(files, random, 3)};
            long[] whole1 = {GroupSizes.wholeFiles(files, byRank, 1), GroupSizes.wholeFiles(files, cluster, 1),
                GroupSizes.wholeFiles(files, random, 1)};
            System.out.printf("G=%d compressed bytes (rank order / cluster / random): variables zstd-1 %,d / %,d / %,d;"
                            + " whole files zstd-3 %,d / %,d / %,d; whole files zstd-1 %,d / %,d / %,d;"
                            + " whole files zstd-1 long window %,d / %,d / %,d%n", g,
                    data1[0], data1[1], data1[2], whole3[0], whole3[1], whole3[2], whole1[0], whole1[1], whole1[2], whole1long[0], whole1long[1], whole1long[2]);
            assertTrue(data1[1] < data1[0], "variables, zstd-1: cluster " + data1[1] + " vs rank order " + data1[0]);
            assertTrue(whole3[1] < whole3[0], "whole files, zstd-3: cluster " + whole3[1] + " vs rank order " + whole3[0]);
        }
    }
}
