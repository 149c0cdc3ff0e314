package io.veloc4j.levels.grouping;

import java.util.ArrayList;
import java.util.List;

/** STUB (bench branch, replaced at merge): consecutive groups of at most {@code groupSize}. */
public final class Clustering {

    private Clustering() {
    }

    public static List<int[]> partition(double[][] benefit, int groupSize) {
        int n = benefit.length;
        List<int[]> groups = new ArrayList<>();
        for (int start = 0; start < n; start += groupSize) {
            int[] g = new int[Math.min(groupSize, n - start)];
            for (int i = 0; i < g.length; i++) {
                g[i] = start + i;
            }
            groups.add(g);
        }
        return groups;
    }
}
