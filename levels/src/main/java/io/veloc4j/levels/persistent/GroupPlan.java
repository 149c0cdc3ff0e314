package io.veloc4j.levels.persistent;

import io.veloc4j.comm.Topology;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Which ranks aggregate together, and which node writes each group's file. Groups are
 * {@code groupSize} consecutive ranks wherever they run, so a version has ceil(N / groupSize)
 * files whatever the ranks per node (with scheme none, one per rank). A group whose ranks live on
 * several nodes is encoded at the source, each node its own ranks, and written by one of them;
 * writers are spread so that no node writes more than ceil(files / nodes) files of a version.
 */
public record GroupPlan(List<Group> groups) {

    public GroupPlan {
        groups = List.copyOf(groups);
    }

    public static GroupPlan byRank(Topology topology, Scheme scheme, int groupSize) {
        int size = scheme == Scheme.NONE ? 1 : groupSize;
        int ranks = topology.size();
        int count = (ranks + size - 1) / size;
        int cap = (count + topology.nodes() - 1) / topology.nodes();
        int[] load = new int[topology.nodes()];
        List<Group> out = new ArrayList<>();
        for (int first = 0; first < ranks; first += size) {
            int[] members = java.util.stream.IntStream.range(first, Math.min(ranks, first + size)).toArray();
            int writer = writer(topology, members, load, cap);
            load[writer]++;
            out.add(new Group(out.size(), writer, members));
        }
        return new GroupPlan(out);
    }

    /**
     * Groups that never leave a node (grouping = cluster: a node's engine clusters its own ranks
     * once it has seen their data): consecutive ranks of each node, {@code groupSize} at a time,
     * Σ_nodes ceil(ranks_on_node / groupSize) files.
     */
    public static GroupPlan withinNodes(Topology topology, Scheme scheme, int groupSize) {
        int size = scheme == Scheme.NONE ? 1 : groupSize;
        List<Group> out = new ArrayList<>();
        for (int node = 0; node < topology.nodes(); node++) {
            int[] members = topology.members(node);
            for (int i = 0; i < members.length; i += size) {
                out.add(new Group(out.size(), node, Arrays.copyOfRange(members, i, Math.min(members.length, i + size))));
            }
        }
        return new GroupPlan(out);
    }

    /**
     * The member node holding most of the group's ranks (fewest bytes to ship) that still has room
     * under the cap, lowest id first; if every member node is full, the least loaded node.
     */
    private static int writer(Topology topology, int[] members, int[] load, int cap) {
        Map<Integer, Integer> held = new java.util.TreeMap<>();
        for (int r : members) {
            held.merge(topology.nodeOf(r), 1, Integer::sum);
        }
        int best = -1;
        for (Map.Entry<Integer, Integer> e : held.entrySet()) {
            if (load[e.getKey()] < cap && (best < 0 || e.getValue() > held.get(best))) {
                best = e.getKey();
            }
        }
        if (best >= 0) {
            return best;
        }
        int least = 0;
        for (int n = 1; n < load.length; n++) {
            if (load[n] < load[least]) {
                least = n;
            }
        }
        return least;
    }

    /**
     * For grouping = cluster: one gate group per node holding all its ranks, with the id of the
     * node's first file group; the engine splits it into {@code files}' count of groups once it
     * has seen the data.
     */
    public static GroupPlan byNode(Topology topology, GroupPlan files) {
        List<Group> out = new ArrayList<>();
        for (int node = 0; node < topology.nodes(); node++) {
            int first = files.onNode(node).stream().mapToInt(Group::id).min().orElse(0);
            out.add(new Group(first, node, topology.members(node)));
        }
        return new GroupPlan(out);
    }

    public Group groupOf(int rank) {
        return groups.stream().filter(g -> g.contains(rank)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("rank " + rank + " is in no group"));
    }

    /** The groups {@code node} writes. */
    public List<Group> onNode(int node) {
        return groups.stream().filter(g -> g.node() == node).toList();
    }

    /** The groups with at least one rank on {@code node} (its engine encodes their part). */
    public List<Group> withMembersOn(Topology topology, int node) {
        return groups.stream().filter(g -> Arrays.stream(g.members()).anyMatch(r -> topology.nodeOf(r) == node)).toList();
    }

    public int count() {
        return groups.size();
    }
}
