package io.veloc4j.levels.persistent;

import io.veloc4j.comm.Topology;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which ranks share a file, and which node writes it. */
class GroupPlanTest {

    /** {@code ranks} ranks, {@code perNode} consecutive ranks per node. */
    private static Topology topology(int ranks, int perNode) {
        return new Topology(0, IntStream.range(0, ranks).map(r -> r / perNode).toArray(), (ranks + perNode - 1) / perNode);
    }

    @ParameterizedTest
    @CsvSource({"8, 1, 4", "8, 2, 4", "8, 4, 4", "8, 8, 4", "10, 1, 4", "32, 8, 4", "12, 3, 5", "64, 1, 8", "7, 2, 3"})
    void ceilOfRanksOverGroupSizeFilesAndNoWriterAboveItsShare(int ranks, int perNode, int groupSize) {
        Topology t = topology(ranks, perNode);
        GroupPlan plan = GroupPlan.byRank(t, Scheme.AGNOSTIC, groupSize);
        int files = (ranks + groupSize - 1) / groupSize;
        assertEquals(files, plan.count(), "files per version, whatever the ranks per node");
        int cap = (files + t.nodes() - 1) / t.nodes();
        Map<Integer, Integer> writes = new HashMap<>();
        int next = 0;
        for (Group g : plan.groups()) {
            assertArrayEquals(IntStream.range(next, Math.min(ranks, next + groupSize)).toArray(), g.members(), "consecutive ranks");
            next += groupSize;
            writes.merge(g.node(), 1, Integer::sum);
            boolean writerHoldsOne = Arrays.stream(g.members()).anyMatch(r -> t.nodeOf(r) == g.node());
            assertTrue(writerHoldsOne || writes.values().stream().allMatch(w -> w <= cap), g + " is written by a node of its own");
        }
        writes.values().forEach(w -> assertTrue(w <= cap, "a node writes at most ceil(" + files + "/" + t.nodes() + ") = " + cap
                + " files: " + writes));
        int[] covered = plan.groups().stream().flatMapToInt(g -> Arrays.stream(g.members())).sorted().toArray();
        assertArrayEquals(IntStream.range(0, ranks).toArray(), covered, "every rank in exactly one group");
    }

    @Test
    void theWriterIsTheNodeHoldingMostOfTheGroup() {
        // nodes of 3 ranks, groups of 4: group 0 = ranks 0..3 (3 on node 0), group 1 = 4..7 (2 on node 1, 2 on node 2)
        GroupPlan plan = GroupPlan.byRank(topology(12, 3), Scheme.AWARE, 4);
        assertEquals(0, plan.groups().get(0).node());
        assertEquals(1, plan.groups().get(1).node(), "a tie goes to the lower node");
        assertEquals(3, plan.groups().get(2).node(), "ranks 8..11: one on node 2, three on node 3");
    }

    @Test
    void schemeNoneIsAFilePerRankWrittenWhereTheRankLives() {
        Topology t = topology(6, 2);
        GroupPlan plan = GroupPlan.byRank(t, Scheme.NONE, 4);
        assertEquals(6, plan.count());
        for (Group g : plan.groups()) {
            assertEquals(t.nodeOf(g.members()[0]), g.node());
        }
    }

    @Test
    void withinNodesKeepsEveryGroupOnOneNode() {
        Topology t = topology(10, 5);
        GroupPlan plan = GroupPlan.withinNodes(t, Scheme.AWARE, 4);
        assertEquals(4, plan.count(), "ceil(5/4) per node");
        for (Group g : plan.groups()) {
            assertTrue(Arrays.stream(g.members()).allMatch(r -> t.nodeOf(r) == g.node()), g.toString());
        }
        assertEquals(2, plan.withMembersOn(t, 1).size());
    }
}
