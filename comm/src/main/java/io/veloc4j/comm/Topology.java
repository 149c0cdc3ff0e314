package io.veloc4j.comm;

import java.util.Arrays;
import java.util.TreeSet;

/**
 * Which rank lives on which node. A node is a machine, or a slice of one when the machine is split
 * into {@code virtualNodes} "virtual nodes" (each with its own scratch directory) so that
 * multi-node behaviour can be exercised on one machine. Virtual node k of a host holds the host's
 * ranks with hostRank * virtualNodes / hostSize == k.
 *
 * @param rank        the caller's rank
 * @param nodeOfRank  node id of every rank
 * @param nodes       number of nodes
 */
public record Topology(int rank, int[] nodeOfRank, int nodes) {

    public Topology {
        nodeOfRank = nodeOfRank.clone();
    }

    /** Collective over {@code comm}. */
    public static Topology of(Comm comm, int virtualNodes) throws CommException {
        if (virtualNodes < 1) {
            throw new CommException("virtual_nodes must be at least 1, got " + virtualNodes);
        }
        long[] leaders = comm.allgather(comm.hostLeader());
        long[] hostRanks = comm.allgather(comm.hostRank());
        long[] hostSizes = comm.allgather(comm.hostSize());
        return compute(comm.rank(), leaders, hostRanks, hostSizes, virtualNodes);
    }

    static Topology compute(int rank, long[] leaders, long[] hostRanks, long[] hostSizes, int virtualNodes)
            throws CommException {
        int[] hosts = new TreeSet<>(Arrays.stream(leaders).boxed().toList())
                .stream().mapToInt(Long::intValue).toArray();
        int perHost = virtualNodes;
        for (long s : hostSizes) {
            if (s < virtualNodes) {
                throw new CommException("virtual_nodes = " + virtualNodes + " but a host runs only " + s
                        + " ranks; use at most " + s + " virtual nodes per host");
            }
        }
        int[] node = new int[leaders.length];
        for (int r = 0; r < leaders.length; r++) {
            int host = Arrays.binarySearch(hosts, (int) leaders[r]);
            node[r] = host * perHost + (int) (hostRanks[r] * virtualNodes / hostSizes[r]);
        }
        return new Topology(rank, node, hosts.length * perHost);
    }

    @Override
    public int[] nodeOfRank() {
        return nodeOfRank.clone();
    }

    public int size() {
        return nodeOfRank.length;
    }

    public int node() {
        return nodeOfRank[rank];
    }

    public int nodeOf(int r) {
        return nodeOfRank[r];
    }

    /** Ranks on {@code node}, ascending. */
    public int[] members(int node) {
        return java.util.stream.IntStream.range(0, nodeOfRank.length).filter(r -> nodeOfRank[r] == node).toArray();
    }

    /** The caller's index among the ranks of its node. */
    public int nodeRank() {
        int[] m = members(node());
        return Arrays.binarySearch(m, rank);
    }

    public int nodeSize() {
        return members(node()).length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Topology t && t.rank == rank && t.nodes == nodes && Arrays.equals(t.nodeOfRank, nodeOfRank);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(nodeOfRank) + rank;
    }

    @Override
    public String toString() {
        return "Topology[rank=" + rank + ", nodes=" + nodes + ", nodeOfRank=" + Arrays.toString(nodeOfRank) + "]";
    }
}
