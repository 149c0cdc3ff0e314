package io.veloc4j.levels.persistent;

import java.util.Arrays;

/**
 * An aggregation group: ranks whose checkpoints become one file on persistent storage. They may
 * live on several nodes; each node encodes its own ranks' part.
 *
 * @param id      global group id (unique across nodes)
 * @param node    the node whose engine writes its file
 * @param members ranks, ascending
 */
public record Group(int id, int node, int[] members) {

    public Group {
        members = members.clone();
    }

    @Override
    public int[] members() {
        return members.clone();
    }

    public boolean contains(int rank) {
        return Arrays.stream(members).anyMatch(r -> r == rank);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Group g && g.id == id && g.node == node && Arrays.equals(g.members, members);
    }

    @Override
    public int hashCode() {
        return id;
    }

    @Override
    public String toString() {
        return "Group[" + id + " on node " + node + ": " + Arrays.toString(members) + "]";
    }
}
