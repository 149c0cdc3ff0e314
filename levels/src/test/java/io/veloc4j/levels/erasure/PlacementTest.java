package io.veloc4j.levels.erasure;

import io.veloc4j.levels.LevelException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Failure domains kept apart, unreliable and busy nodes spread, the same sets from any order, errors that name the domains. */
class PlacementTest {

    private static NodeInfo node(int id, String domain, int failures, double load) {
        return new NodeInfo(id, "host" + id, domain, failures, load);
    }

    private static List<NodeInfo> ownDomains(int n) {
        List<NodeInfo> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            nodes.add(node(i, "d" + i, 0, 0));
        }
        return nodes;
    }

    private static void checkDomainsApart(List<Placement.PlacedSet> sets) {
        for (Placement.PlacedSet s : sets) {
            Set<String> domains = new HashSet<>();
            for (NodeInfo n : s.members()) {
                assertTrue(domains.add(n.failureDomain()), "set " + s.id() + " holds two nodes of " + n.failureDomain());
            }
        }
    }

    @Test
    void noSetHasTwoMembersOfOneDomainOnRandomClusters() throws Exception {
        Random r = new Random(6);
        for (int trial = 0; trial < 2000; trial++) {
            int setSize = 2 + r.nextInt(15);
            int parity = 1 + r.nextInt(setSize - 1);
            int count = parity + 1 + r.nextInt(80);
            int sets = Math.max(1, count / setSize);
            List<NodeInfo> nodes = new ArrayList<>();
            int domain = 0;
            int left = count;
            int id = 0;
            while (left > 0) { // domains of 1..sets nodes: always placeable
                int size = Math.min(left, 1 + r.nextInt(sets));
                for (int i = 0; i < size; i++) {
                    nodes.add(node(id++, "rack" + domain, r.nextInt(3), r.nextInt(4)));
                }
                left -= size;
                domain++;
            }
            Collections.shuffle(nodes, r);
            List<Placement.PlacedSet> placed = Placement.sets(nodes, setSize, parity);
            assertEquals(sets, placed.size());
            checkDomainsApart(placed);
            Set<Integer> seen = new HashSet<>();
            for (Placement.PlacedSet s : placed) {
                assertTrue(s.members().size() >= Math.min(setSize, count) && s.members().size() > parity,
                        "set of " + s.members().size());
                s.members().forEach(n -> assertTrue(seen.add(n.id())));
            }
            assertEquals(count, seen.size(), "every node placed once");
            int min = placed.stream().mapToInt(s -> s.members().size()).min().orElseThrow();
            int max = placed.stream().mapToInt(s -> s.members().size()).max().orElseThrow();
            assertTrue(max - min <= 1, "sizes as equal as possible");
        }
    }

    @Test
    void sameSetsFromAnyOrder() throws Exception {
        List<NodeInfo> nodes = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            nodes.add(node(i, "rack" + i % 6, i % 5 == 0 ? 2 : 0, (i * 7) % 3));
        }
        List<Placement.PlacedSet> first = Placement.sets(nodes, 4, 2);
        Random r = new Random(7);
        for (int trial = 0; trial < 20; trial++) {
            List<NodeInfo> shuffled = new ArrayList<>(nodes);
            Collections.shuffle(shuffled, r);
            assertEquals(first, Placement.sets(shuffled, 4, 2));
        }
        assertEquals(List.of(0, 1, 2, 3, 4, 5), first.stream().map(Placement.PlacedSet::id).toList());
    }

    @Test
    void aNodeWithABadHistoryIsNotPutWithAnotherWhenAnAlternativeExists() throws Exception {
        // 8 nodes, own domains, 2 sets of 4: the two nodes that failed before land in different sets
        List<NodeInfo> nodes = ownDomains(8);
        nodes.set(2, node(2, "d2", 3, 0));
        nodes.set(3, node(3, "d3", 1, 0));
        List<Placement.PlacedSet> sets = Placement.sets(nodes, 4, 1);
        assertNotEquals(setOf(sets, 2), setOf(sets, 3));
        // 12 nodes in 3 sets, three unreliable: one per set
        nodes = ownDomains(12);
        for (int bad : new int[] {0, 1, 2}) {
            nodes.set(bad, node(bad, "d" + bad, 1 + bad, 0));
        }
        sets = Placement.sets(nodes, 4, 2);
        assertEquals(Set.of(0, 1, 2), Set.of(setOf(sets, 0), setOf(sets, 1), setOf(sets, 2)));
        // domains of two: a bad node of rack a goes to the set without rack b's bad node
        nodes = List.of(node(0, "a", 5, 0), node(1, "a", 0, 0), node(2, "b", 4, 0), node(3, "b", 0, 0),
                node(4, "c", 0, 0), node(5, "c", 0, 0), node(6, "d", 0, 0), node(7, "d", 0, 0));
        sets = Placement.sets(nodes, 4, 2);
        checkDomainsApart(sets);
        assertNotEquals(setOf(sets, 0), setOf(sets, 2));
    }

    @Test
    void busyNodesAreSpreadToo() throws Exception {
        List<NodeInfo> nodes = ownDomains(8);
        nodes.set(5, node(5, "d5", 0, 9.5));
        nodes.set(6, node(6, "d6", 0, 7.0));
        List<Placement.PlacedSet> sets = Placement.sets(nodes, 4, 2);
        assertNotEquals(setOf(sets, 5), setOf(sets, 6));
    }

    @Test
    void sizesWhenTheNodeCountIsNoMultiple() throws Exception {
        assertEquals(List.of(5, 4), sizes(Placement.sets(ownDomains(9), 4, 2)));
        assertEquals(List.of(7), sizes(Placement.sets(ownDomains(7), 4, 2)));
        assertEquals(List.of(3), sizes(Placement.sets(ownDomains(3), 8, 2)), "fewer nodes than a set: one set of all");
        LevelException e = assertThrows(LevelException.class, () -> Placement.sets(ownDomains(2), 4, 2));
        assertTrue(e.getMessage().contains("more nodes than ec_parity = 2, the job has 2"), e.getMessage());
    }

    @Test
    void anImpossiblePlacementNamesTheDomains() {
        List<NodeInfo> nodes = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            nodes.add(node(i, i < 3 ? "rack-a" : i < 6 ? "rack-b" : "rack-" + i, 0, 0));
        }
        // 8 nodes, sets of 4: two sets, but rack-a and rack-b have three nodes each
        LevelException e = assertThrows(LevelException.class, () -> Placement.sets(nodes, 4, 1));
        assertTrue(e.getMessage().contains("'rack-a' has 3 (host0 (node 0), host1 (node 1), host2 (node 2))"), e.getMessage());
        assertTrue(e.getMessage().contains("'rack-b' has 3"), e.getMessage());
        assertTrue(e.getMessage().contains("lower ec_set_size"), e.getMessage());
    }

    private static int setOf(List<Placement.PlacedSet> sets, int node) {
        return Placement.setOfNode(sets).get(node);
    }

    private static List<Integer> sizes(List<Placement.PlacedSet> sets) {
        return sets.stream().map(s -> s.members().size()).toList();
    }
}
