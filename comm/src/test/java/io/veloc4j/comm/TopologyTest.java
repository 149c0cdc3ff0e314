package io.veloc4j.comm;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which rank is on which (virtual) node. */
class TopologyTest {

    private static final Duration HANG_GUARD = Duration.ofSeconds(30);

    @Test
    void sixteenRanksOnFourVirtualNodes() throws Exception {
        List<Topology> ts = assertTimeoutPreemptively(HANG_GUARD, () -> LocalComm.run(16, c -> Topology.of(c, 4)));
        int[] expected = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3};
        for (int r = 0; r < 16; r++) {
            Topology t = ts.get(r);
            assertEquals(r, t.rank());
            assertEquals(4, t.nodes());
            assertEquals(16, t.size());
            assertArrayEquals(expected, t.nodeOfRank());
            assertEquals(r / 4, t.node());
            assertEquals(r % 4, t.nodeRank());
            assertEquals(4, t.nodeSize());
            assertArrayEquals(new int[] {(r / 4) * 4, (r / 4) * 4 + 1, (r / 4) * 4 + 2, (r / 4) * 4 + 3}, t.members(t.node()));
        }
    }

    @Test
    void unevenSplitKeepsNodesContiguousAndNonEmpty() throws Exception {
        List<Topology> ts = LocalComm.run(10, c -> Topology.of(c, 4));
        int[] nodes = ts.get(0).nodeOfRank();
        assertEquals(4, ts.get(0).nodes());
        for (int r = 1; r < nodes.length; r++) {
            assertTrue(nodes[r] == nodes[r - 1] || nodes[r] == nodes[r - 1] + 1, Arrays.toString(nodes));
        }
        assertEquals(0, nodes[0]);
        assertEquals(3, nodes[9]);
        int total = 0;
        for (int n = 0; n < 4; n++) {
            int members = ts.get(0).members(n).length;
            assertTrue(members >= 2 && members <= 3, "node " + n + " has " + members + " ranks");
            total += members;
        }
        assertEquals(10, total);
    }

    @Test
    void oneVirtualNodeHoldsEveryone() throws Exception {
        List<Topology> ts = LocalComm.run(3, c -> Topology.of(c, 1));
        assertArrayEquals(new int[] {0, 0, 0}, ts.get(2).nodeOfRank());
        assertEquals(1, ts.get(2).nodes());
        assertEquals(2, ts.get(2).nodeRank());
    }

    @Test
    void asManyVirtualNodesAsRanks() throws Exception {
        List<Topology> ts = LocalComm.run(4, c -> Topology.of(c, 4));
        assertArrayEquals(new int[] {0, 1, 2, 3}, ts.get(0).nodeOfRank());
    }

    @Test
    void tooManyVirtualNodesIsAnError() {
        CommException e = assertTimeoutPreemptively(HANG_GUARD,
                () -> assertThrows(CommException.class, () -> LocalComm.run(4, c -> Topology.of(c, 5))));
        assertTrue(e.getCause().getMessage().contains("virtual_nodes = 5"), e.getCause().getMessage());
        assertTrue(e.getCause().getMessage().contains("at most 4"), e.getCause().getMessage());
    }

    @Test
    void zeroVirtualNodesIsAnError() {
        CommException e = assertThrows(CommException.class, () -> Topology.of(LocalComm.single(), 0));
        assertTrue(e.getMessage().contains("at least 1"), e.getMessage());
    }

    /** Two hosts (as MPI would report them), each split into two virtual nodes. */
    @Test
    void multipleHostsAreNumberedHostByHost() throws Exception {
        long[] leaders = {0, 0, 0, 0, 4, 4, 4, 4};
        long[] hostRanks = {0, 1, 2, 3, 0, 1, 2, 3};
        long[] hostSizes = {4, 4, 4, 4, 4, 4, 4, 4};
        Topology t = Topology.compute(5, leaders, hostRanks, hostSizes, 2);
        assertEquals(4, t.nodes());
        assertArrayEquals(new int[] {0, 0, 1, 1, 2, 2, 3, 3}, t.nodeOfRank());
        assertEquals(2, t.node());
        assertEquals(1, t.nodeRank());

        // ranks placed round-robin over hosts (mpirun --map-by node)
        long[] rrLeaders = {0, 1, 0, 1};
        long[] rrHostRanks = {0, 0, 1, 1};
        long[] rrSizes = {2, 2, 2, 2};
        Topology rr = Topology.compute(0, rrLeaders, rrHostRanks, rrSizes, 1);
        assertArrayEquals(new int[] {0, 1, 0, 1}, rr.nodeOfRank());
        assertArrayEquals(new int[] {0, 2}, rr.members(0));

        CommException e = assertThrows(CommException.class,
                () -> Topology.compute(0, new long[] {0, 0, 2}, new long[] {0, 1, 0}, new long[] {2, 2, 1}, 2));
        assertTrue(e.getMessage().contains("only 1"), e.getMessage());
    }

    @Test
    void nodeOfRankIsACopy() throws Exception {
        Topology t = LocalComm.run(2, c -> Topology.of(c, 2)).get(0);
        t.nodeOfRank()[1] = 0;
        assertEquals(1, t.nodeOf(1));
        assertEquals(t, new Topology(0, new int[] {0, 1}, 2));
    }
}
