package io.veloc4j.levels.grouping;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/** STUB until the clustering branch merges. */
public final class Clustering {
    public static List<int[]> partition(double[][] benefit, int groupSize) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < benefit.length; i += groupSize) {
            out.add(IntStream.range(i, Math.min(benefit.length, i + groupSize)).toArray());
        }
        return out;
    }
}
