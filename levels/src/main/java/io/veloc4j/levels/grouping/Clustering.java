package io.veloc4j.levels.grouping;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Partitions a node's ranks into groups of at most groupSize by benefit.
 *
 * <ol>
 *   <li>Dissimilarity from the benefit β (see {@link BenefitEstimator}):
 *       Δ(i, j) = (√Σ_{k≠i,j} (β(i,k) − β(j,k))² + ε) / (β(i,j) + ε), with ε = 10⁻⁹ · max β
 *       (1 if β is all zero): ranks that gain alike from every other rank, and much from each
 *       other, are close; a pair that gains nothing from each other is far unless their
 *       profiles are identical (then they are as good as any other pair with nothing to gain).</li>
 *   <li>Agglomerative clustering with average linkage on Δ, capped: two clusters merge only if
 *       their combined size is at most groupSize; it stops at k = ⌈n / groupSize⌉ clusters.
 *       Distances equal to within 10⁻⁹ (relative) are ties: the larger merge wins (fill groups
 *       before starting new ones), then the pair whose smallest indices come first.</li>
 *   <li>Repair: if no merge fits before k is reached (sizes 3, 3, 2 under a cap of 4 for k = 2),
 *       the smallest cluster is dissolved and its members are placed one by one (ascending) into
 *       the cluster with room whose members they gain most from on average; repeated until k
 *       remain. Dissolving one at a time lets a dissolved cluster's members fill the gaps of its
 *       own kind before the next is dissolved. There is always room: while more than k clusters
 *       remain, the others can hold (count − 1) · groupSize ≥ k · groupSize ≥ n ranks.</li>
 *   <li>Refinement: local search on the benefit kept inside groups, Σ_g Σ_{i&lt;j ∈ g} β(i, j), by
 *       swaps of two ranks and moves into groups with room, which mends what the cap made
 *       average linkage split (a family of 8 ranks as 3 + 3 + 2 under a cap of 4).</li>
 * </ol>
 * Every step keeps k groups of at most groupSize. O(n³) time and O(n²) memory: a few
 * milliseconds for the 128 ranks of a large node.
 */
public final class Clustering {

    private Clustering() {
    }

    /**
     * Returns exactly ceil(n / groupSize) groups of indices 0..n-1, each sorted ascending, each of size ≤ groupSize,
     * every index exactly once; groups ordered by their smallest index. Deterministic.
     * Entries of {@code benefit} that are negative or not finite count as 0; it is symmetrised as (β + βᵀ) / 2.
     */
    public static List<int[]> partition(double[][] benefit, int groupSize) {
        Objects.requireNonNull(benefit, "benefit");
        if (groupSize < 1) {
            throw new IllegalArgumentException("group size " + groupSize + " must be at least 1");
        }
        int n = benefit.length;
        for (int i = 0; i < n; i++) {
            if (benefit[i] == null || benefit[i].length != n) {
                throw new IllegalArgumentException("benefit matrix must be " + n + " × " + n + "; row " + i + " has "
                        + (benefit[i] == null ? "no" : benefit[i].length) + " entries");
            }
        }
        int k = (n + groupSize - 1) / groupSize;
        if (k <= 1 || groupSize == 1) {
            List<int[]> trivial = new ArrayList<>(k);
            if (k == 1) {
                int[] all = new int[n];
                Arrays.setAll(all, i -> i);
                trivial.add(all);
            } else {
                for (int i = 0; i < n; i++) {
                    trivial.add(new int[] {i});
                }
            }
            return trivial;
        }
        double[][] beta = sanitise(benefit);
        double[][] dist = dissimilarity(beta);

        // cluster c lives in slot min(c): merging slots a < b keeps a, so a slot is its cluster's smallest index
        int[][] members = new int[n][];
        for (int i = 0; i < n; i++) {
            members[i] = new int[] {i};
        }
        int count = n;
        while (count > k) {
            int bestA = -1;
            int bestB = -1;
            double best = Double.POSITIVE_INFINITY;
            for (int a = 0; a < n; a++) {
                if (members[a] == null) {
                    continue;
                }
                for (int b = a + 1; b < n; b++) {
                    if (members[b] == null || members[a].length + members[b].length > groupSize) {
                        continue;
                    }
                    double d = dist[a][b];
                    if (bestA < 0 || d < best - tolerance(best)
                            || (d <= best + tolerance(best) && members[a].length + members[b].length
                                    > members[bestA].length + members[bestB].length)) {
                        best = d;
                        bestA = a;
                        bestB = b;
                    }
                }
            }
            if (bestA < 0) {
                break; // stuck: no two clusters fit together, and none will once clusters only grow
            }
            merge(members, dist, bestA, bestB);
            count--;
        }
        for (; count > k; count--) {
            dissolve(members, beta, groupSize);
        }
        refine(members, beta, groupSize);
        List<int[]> groups = new ArrayList<>(k);
        for (int[] m : members) {
            if (m != null) {
                int[] g = m.clone();
                Arrays.sort(g);
                groups.add(g);
            }
        }
        groups.sort(Comparator.comparingInt(g -> g[0]));
        return groups;
    }

    /** Average linkage (Lance–Williams): d(a ∪ b, c) = (|a| d(a, c) + |b| d(b, c)) / (|a| + |b|). */
    private static void merge(int[][] members, double[][] dist, int a, int b) {
        int na = members[a].length;
        int nb = members[b].length;
        for (int c = 0; c < members.length; c++) {
            if (members[c] == null || c == a || c == b) {
                continue;
            }
            double d = (na * dist[a][c] + nb * dist[b][c]) / (na + nb);
            dist[a][c] = d;
            dist[c][a] = d;
        }
        int[] m = Arrays.copyOf(members[a], na + nb);
        System.arraycopy(members[b], 0, m, na, nb);
        members[a] = m;
        members[b] = null;
    }

    /**
     * Distances this close count as equal: average linkage sums in a different order give the same
     * distance up to rounding, and on a tie the larger merge is preferred (fill groups before
     * starting new ones, which is what leaves clusters unable to merge under the cap).
     */
    private static double tolerance(double d) {
        return Double.isFinite(d) ? Math.abs(d) * 1e-9 : 0;
    }

    /**
     * Dissolves the smallest cluster (the later slot on a tie) and places its members, ascending,
     * each into the cluster with room that it gains most from on average (the earlier slot on a
     * tie). Called with more than k clusters, so the others have room (see the class comment).
     */
    private static void dissolve(int[][] members, double[][] beta, int groupSize) {
        int n = members.length;
        int smallest = -1;
        for (int c = 0; c < n; c++) {
            if (members[c] != null && (smallest < 0 || members[c].length <= members[smallest].length)) {
                smallest = c;
            }
        }
        int[] pool = members[smallest].clone();
        members[smallest] = null;
        Arrays.sort(pool);
        for (int m : pool) {
            int target = -1;
            double best = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < n; c++) {
                if (members[c] == null || members[c].length >= groupSize) {
                    continue;
                }
                double sum = 0;
                for (int x : members[c]) {
                    sum += beta[m][x];
                }
                double avg = sum / members[c].length;
                if (target < 0 || avg > best) {
                    best = avg;
                    target = c;
                }
            }
            int[] grown = Arrays.copyOf(members[target], members[target].length + 1);
            grown[grown.length - 1] = m;
            members[target] = grown;
        }
    }

    /**
     * Local search on the total benefit inside groups, Σ_g Σ_{i<j ∈ g} β(i, j): applies the best
     * swap of two ranks of different groups, or move of a rank into another group with room (never
     * emptying a group), while that gains more than 10⁻⁹ · max β; at most n² steps of O(n²).
     * Ties go to the first found (lowest indices), so it is deterministic.
     */
    private static void refine(int[][] members, double[][] beta, int groupSize) {
        int n = members.length;
        int[] slot = new int[n];
        int[] size = new int[n];
        double[][] sum = new double[n][n]; // sum[m][c] = Σ_{x ∈ cluster c} β(m, x)
        double max = 0;
        for (int c = 0; c < n; c++) {
            if (members[c] == null) {
                continue;
            }
            size[c] = members[c].length;
            for (int x : members[c]) {
                slot[x] = c;
                for (int m = 0; m < n; m++) {
                    sum[m][c] += beta[m][x];
                    max = Math.max(max, beta[m][x]);
                }
            }
        }
        double tol = max * 1e-9;
        for (int step = 0; step < n * n && max > 0; step++) {
            double best = tol;
            int bestA = -1;
            int bestB = -1; // a rank to swap with, or -1 - cluster to move into
            for (int a = 0; a < n; a++) {
                int ca = slot[a];
                for (int b = a + 1; b < n; b++) {
                    int cb = slot[b];
                    if (ca == cb) {
                        continue;
                    }
                    double gain = sum[a][cb] + sum[b][ca] - 2 * beta[a][b] - sum[a][ca] - sum[b][cb];
                    if (gain > best) {
                        best = gain;
                        bestA = a;
                        bestB = b;
                    }
                }
                if (size[ca] > 1) {
                    for (int c = 0; c < n; c++) {
                        if (members[c] == null || c == ca || size[c] >= groupSize) {
                            continue;
                        }
                        double gain = sum[a][c] - sum[a][ca];
                        if (gain > best) {
                            best = gain;
                            bestA = a;
                            bestB = -1 - c;
                        }
                    }
                }
            }
            if (bestA < 0) {
                break;
            }
            if (bestB >= 0) {
                int ca = slot[bestA];
                int cb = slot[bestB];
                relocate(bestA, ca, cb, slot, size, sum, beta);
                relocate(bestB, cb, ca, slot, size, sum, beta);
            } else {
                relocate(bestA, slot[bestA], -1 - bestB, slot, size, sum, beta);
            }
        }
        int[] fill = new int[n];
        for (int c = 0; c < n; c++) {
            if (members[c] != null) {
                members[c] = new int[size[c]];
            }
        }
        for (int x = 0; x < n; x++) {
            members[slot[x]][fill[slot[x]]++] = x;
        }
    }

    private static void relocate(int m, int from, int to, int[] slot, int[] size, double[][] sum, double[][] beta) {
        slot[m] = to;
        size[from]--;
        size[to]++;
        for (int x = 0; x < slot.length; x++) {
            sum[x][from] -= beta[x][m];
            sum[x][to] += beta[x][m];
        }
    }

    /** Non-negative, finite, symmetric, zero diagonal. */
    static double[][] sanitise(double[][] benefit) {
        int n = benefit.length;
        double[][] b = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double v = (clean(benefit[i][j]) + clean(benefit[j][i])) / 2;
                b[i][j] = v;
                b[j][i] = v;
            }
        }
        return b;
    }

    private static double clean(double v) {
        return Double.isFinite(v) && v > 0 ? v : 0;
    }

    /**
     * Δ(i, j) = (√Σ_{k≠i,j} (β(i,k) − β(j,k))² + ε) / (β(i,j) + ε); the sum leaves out i and j
     * themselves, whose diagonal zeros would make even identical ranks look apart.
     */
    static double[][] dissimilarity(double[][] beta) {
        int n = beta.length;
        double max = 0;
        for (double[] row : beta) {
            for (double v : row) {
                max = Math.max(max, v);
            }
        }
        double eps = max > 0 ? max * 1e-9 : 1;
        double[][] d = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) {
                    if (k != i && k != j) {
                        double diff = beta[i][k] - beta[j][k];
                        s += diff * diff;
                    }
                }
                double v = (Math.sqrt(s) + eps) / (beta[i][j] + eps);
                d[i][j] = v;
                d[j][i] = v;
            }
        }
        return d;
    }
}
