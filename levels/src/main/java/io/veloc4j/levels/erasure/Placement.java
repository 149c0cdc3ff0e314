package io.veloc4j.levels.erasure;

import io.veloc4j.levels.LevelException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Erasure sets from the node list, FALCON-style: no set has two members in one failure domain,
 * and failure-prone and busy nodes are spread over the sets rather than piled into one (a set
 * loses data only when more than m of its members fail, so two unreliable nodes should not share
 * a set while another set has none; in the rotated layout every member holds one symbol of every
 * codeword, so it does not matter where in a set a node is).
 *
 * <p>Every node is placed: there are max(1, ⌊N / setSize⌋) sets of as equal sizes as possible,
 * so each has at least {@code setSize} members (fewer only when the job has fewer nodes), like
 * SCR's and redset's set size; a set of s members stores m / (s − m) of its data as parity.
 *
 * <p>Deterministic: the same nodes (in any order) give the same sets on every rank. Domains are
 * placed largest first, each into the sets with the most room left (the greedy that finds a
 * placement whenever one exists: one exists iff no domain has more nodes than there are sets);
 * among equally roomy sets, the ones with fewer recorded failures, then less load, get the
 * domain, and its worst node goes to the best of them.
 */
public final class Placement {

    /** A set: its id (0, 1, ... in order of their smallest node id) and its members in set order (ascending ids). */
    public record PlacedSet(int id, List<NodeInfo> members) {
        public PlacedSet {
            members = List.copyOf(members);
        }

        public int[] nodeIds() {
            return members.stream().mapToInt(NodeInfo::id).toArray();
        }
    }

    /** Most failures first, then most load, then by host and id: the order in which nodes are spread. */
    private static final Comparator<NodeInfo> WORST_FIRST = Comparator.comparingInt(NodeInfo::failures).reversed()
            .thenComparing(Comparator.comparingDouble(NodeInfo::load).reversed())
            .thenComparing(NodeInfo::host).thenComparingInt(NodeInfo::id);

    private Placement() {
    }

    /**
     * @param setSize ec_set_size: the least members of a set when the job has that many nodes
     * @param parity  ec_parity: every set needs more members than this
     * @throws LevelException naming the domains when no placement keeps them apart, or when the
     *                        job has too few nodes for the parity
     */
    public static List<PlacedSet> sets(List<NodeInfo> nodes, int setSize, int parity) throws LevelException {
        if (setSize < 2 || parity < 1 || parity >= setSize) {
            throw new IllegalArgumentException("ec_set_size " + setSize + " and ec_parity " + parity
                    + ": need 1 ≤ parity < set size");
        }
        Set<Integer> ids = new HashSet<>();
        for (NodeInfo n : nodes) {
            if (!ids.add(n.id())) {
                throw new IllegalArgumentException("node " + n.id() + " is listed twice");
            }
        }
        int count = nodes.size();
        if (count <= parity) {
            throw new LevelException("the erasure level needs more nodes than ec_parity = " + parity + ", the job has "
                    + count + "; run on more nodes or lower ec_parity");
        }
        int sets = Math.max(1, count / setSize);
        Map<String, List<NodeInfo>> domains = new TreeMap<>();
        for (NodeInfo n : nodes) {
            domains.computeIfAbsent(n.failureDomain(), d -> new ArrayList<>()).add(n);
        }
        List<String> crowded = new ArrayList<>();
        domains.forEach((d, members) -> {
            if (members.size() > sets) {
                crowded.add("'" + d + "' has " + members.size() + " (" + hosts(members) + ")");
            }
        });
        if (!crowded.isEmpty()) {
            throw new LevelException(count + " nodes make " + sets + " erasure set" + (sets == 1 ? "" : "s") + " of at least "
                    + Math.min(setSize, count) + ", and no set may hold two nodes of one failure domain, but failure domain "
                    + String.join(", domain ", crowded) + "; lower ec_set_size, or spread the job over more failure domains"
                    + " (failure_domain)");
        }
        int[] room = new int[sets];
        for (int i = 0; i < sets; i++) {
            room[i] = count / sets + (i < count % sets ? 1 : 0);
        }
        List<List<NodeInfo>> placed = new ArrayList<>();
        long[] failures = new long[sets];
        double[] load = new double[sets];
        for (int i = 0; i < sets; i++) {
            placed.add(new ArrayList<>());
        }
        List<List<NodeInfo>> order = new ArrayList<>(domains.values());
        for (List<NodeInfo> d : order) {
            d.sort(WORST_FIRST);
        }
        // largest domain first (what keeps the greedy complete); among equals, the worst first
        order.sort(Comparator.<List<NodeInfo>>comparingInt(List::size).reversed()
                .thenComparing(d -> d.get(0), WORST_FIRST));
        for (List<NodeInfo> domain : order) {
            List<Integer> targets = new ArrayList<>();
            for (int i = 0; i < sets; i++) {
                targets.add(i);
            }
            targets.sort(Comparator.<Integer>comparingInt(i -> -room[i]).thenComparingLong(i -> failures[i])
                    .thenComparingDouble(i -> load[i]).thenComparingInt(i -> i));
            List<Integer> chosen = new ArrayList<>(targets.subList(0, domain.size()));
            // the worst node of the domain to the best of its sets
            chosen.sort(Comparator.<Integer>comparingLong(i -> failures[i]).thenComparingDouble(i -> load[i])
                    .thenComparingInt(i -> i));
            for (int j = 0; j < domain.size(); j++) {
                int s = chosen.get(j);
                if (room[s] == 0) {
                    throw new IllegalStateException("placement ran out of room: a bug"); // Gale-Ryser says it cannot
                }
                NodeInfo n = domain.get(j);
                placed.get(s).add(n);
                room[s]--;
                failures[s] += n.failures();
                load[s] += n.load();
            }
        }
        for (List<NodeInfo> p : placed) {
            p.sort(Comparator.comparingInt(NodeInfo::id));
        }
        placed.sort(Comparator.comparingInt(p -> p.get(0).id()));
        List<PlacedSet> out = new ArrayList<>();
        for (int i = 0; i < placed.size(); i++) {
            out.add(new PlacedSet(i, placed.get(i)));
        }
        return out;
    }

    private static String hosts(List<NodeInfo> members) {
        Map<String, Integer> byHost = new LinkedHashMap<>();
        for (NodeInfo n : members.stream().sorted(Comparator.comparingInt(NodeInfo::id)).toList()) {
            byHost.merge(n.host() + " (node " + n.id() + ")", 1, Integer::sum);
        }
        List<String> names = new ArrayList<>(byHost.keySet());
        return names.size() <= 6 ? String.join(", ", names) : String.join(", ", names.subList(0, 6)) + ", ...";
    }

    /** Which set each node is in: node id → set id. */
    public static Map<Integer, Integer> setOfNode(List<PlacedSet> sets) {
        Map<Integer, Integer> out = new HashMap<>();
        for (PlacedSet s : sets) {
            for (NodeInfo n : s.members()) {
                out.put(n.id(), s.id());
            }
        }
        return out;
    }
}
