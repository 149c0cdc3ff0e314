package io.veloc4j.levels.persistent;

import io.veloc4j.comm.Topology;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which ranks aggregate together. Groups never span nodes (a node's engine reads only its own
 * scratch): consecutive ranks of a node, {@code groupSize} at a time, so a version has
 * Σ_nodes ceil(ranks_on_node / groupSize) files; with scheme none, one group per rank.
 */
public record GroupPlan(List<Group> groups) {

    public GroupPlan {
        groups = List.copyOf(groups);
    }

    public static GroupPlan byRank(Topology topology, Scheme scheme, int groupSize) {
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

    public List<Group> onNode(int node) {
        return groups.stream().filter(g -> g.node() == node).toList();
    }

    public int count() {
        return groups.size();
    }
}
