package io.veloc4j.runtime;

import io.veloc4j.comm.Comm;
import io.veloc4j.comm.CommException;
import io.veloc4j.comm.Topology;
import io.veloc4j.flush.FlushEngine;
import io.veloc4j.levels.erasure.ErasureSet;
import io.veloc4j.levels.erasure.Member;
import io.veloc4j.levels.erasure.ParityHeader;
import io.veloc4j.levels.erasure.RankEntry;
import io.veloc4j.levels.scratch.ScratchLevel;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the erasure level can restore of one checkpoint name, learnt at restartTest in one
 * collective: every rank tells which versions its scratch holds (and their sizes), every engine
 * which parity its node holds. The same on every rank, so every rank draws the same conclusions:
 * a member of a set is intact when all its ranks' files are there at their recorded sizes and its
 * node still holds all its parity pieces; a set whose lost members are at most ec_parity rebuilds
 * them; a version is restorable by erasure when its sets cover every rank of this job.
 */
final class ErasureRecovery {

    /** A member to rebuild: on {@code node}, member {@code member} of {@code set}; {@code unavailable} are the set's other lost members. */
    record Rebuild(int node, ErasureSet set, int member, Set<Integer> unavailable) {
    }

    /** Per version: the sets that decode it, and the members to rebuild. */
    private record Outcome(List<ErasureSet> sets, List<Rebuild> rebuilds) {
    }

    private final Map<Integer, Outcome> byVersion = new TreeMap<>(Comparator.reverseOrder());

    private ErasureRecovery() {
    }

    /** Collective over {@code comm}; {@code engine} is this rank's engine, or null. */
    static ErasureRecovery gather(Comm comm, Topology topology, FlushEngine engine, ScratchLevel scratch, String name)
            throws CommException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (DataOutputStream o = new DataOutputStream(b)) {
            List<Integer> versions = scratch.versions(name);
            List<long[]> present = new ArrayList<>();
            for (int v : versions) {
                try {
                    present.add(new long[] {v, Files.size(scratch.rankFile(name, v))});
                } catch (IOException e) {
                    // gone meanwhile
                }
            }
            o.writeInt(present.size());
            for (long[] p : present) {
                o.writeInt((int) p[0]);
                o.writeLong(p[1]);
            }
            byte[] h = engine == null ? new byte[0] : engine.erasureHoldings(name);
            o.writeInt(h.length);
            o.write(h);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        byte[][] all = comm.allgatherBytes(b.toByteArray());
        Map<Integer, Map<Integer, Long>> sizes = new HashMap<>(); // rank → version → bytes
        Map<Integer, List<ParityHeader>> parity = new HashMap<>(); // node → what it holds
        for (int r = 0; r < all.length; r++) {
            Map<Integer, Long> mine = new HashMap<>();
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(all[r]))) {
                int n = in.readInt();
                for (int i = 0; i < n; i++) {
                    mine.put(in.readInt(), in.readLong());
                }
                byte[] h = in.readNBytes(in.readInt());
                if (h.length > 0) {
                    parity.computeIfAbsent(topology.nodeOf(r), x -> new ArrayList<>())
                            .addAll(FlushEngine.decodeHoldings(h, "node " + topology.nodeOf(r)));
                }
            } catch (IOException e) {
                throw new IllegalStateException("rank " + r + "'s erasure state is malformed", e);
            }
            sizes.put(r, mine);
        }
        ErasureRecovery out = new ErasureRecovery();
        out.decide(name, topology, sizes, parity);
        return out;
    }

    private void decide(String name, Topology topology, Map<Integer, Map<Integer, Long>> sizes,
                        Map<Integer, List<ParityHeader>> parity) {
        // version → launch → set id → the set, and which (member → pieces) its holders still have
        Map<Integer, Map<Long, Map<Integer, ErasureSet>>> sets = new HashMap<>();
        Map<List<Object>, Set<List<Integer>>> held = new HashMap<>();
        parity.forEach((node, headers) -> {
            for (ParityHeader h : headers) {
                ErasureSet s = h.set();
                if (!s.name().equals(name)) {
                    continue;
                }
                sets.computeIfAbsent(s.version(), x -> new HashMap<>()).computeIfAbsent(s.session(), x -> new HashMap<>())
                        .putIfAbsent(s.setId(), s);
                // a piece counts for its holder only where that holder's ranks live now
                int holder = h.holder();
                if (nodeOfMember(s.member(holder), topology) == node) {
                    held.computeIfAbsent(List.of(s.version(), s.session(), s.setId(), holder), x -> new HashSet<>())
                            .add(List.of(h.codeword(), h.parityIndex()));
                }
            }
        });
        for (Map.Entry<Integer, Map<Long, Map<Integer, ErasureSet>>> v : sets.entrySet()) {
            int version = v.getKey();
            // the newest launch that protected the version and whose sets decode it
            for (long session : new TreeSet<>(v.getValue().keySet()).descendingSet()) {
                Outcome o = outcome(version, session, v.getValue().get(session), held, sizes, topology);
                if (o != null) {
                    byVersion.put(version, o);
                    break;
                }
            }
        }
    }

    /** Null when some set lost more than it can rebuild or the sets do not cover this job's ranks. */
    private static Outcome outcome(int version, long session, Map<Integer, ErasureSet> sets, Map<List<Object>, Set<List<Integer>>> held,
                                   Map<Integer, Map<Integer, Long>> sizes, Topology topology) {
        Set<Integer> ranks = new HashSet<>();
        List<Rebuild> rebuilds = new ArrayList<>();
        for (ErasureSet s : sets.values()) {
            Set<Integer> lost = new HashSet<>();
            Set<Integer> dataLost = new HashSet<>();
            for (int i = 0; i < s.size(); i++) {
                Member m = s.member(i);
                boolean data = true;
                for (RankEntry e : m.ranks()) {
                    ranks.add(e.rank());
                    Long have = sizes.getOrDefault(e.rank(), Map.of()).get(version);
                    data &= have != null && have == e.length();
                }
                int pieces = held.getOrDefault(List.of(version, session, s.setId(), i), Set.of()).size();
                if (!data || pieces < s.parity() || nodeOfMember(m, topology) < 0) {
                    lost.add(i);
                }
                if (!data) {
                    dataLost.add(i);
                }
            }
            if (!s.layout().survives(lost)) {
                return null;
            }
            for (int i : dataLost) {
                int node = nodeOfMember(s.member(i), topology);
                if (node < 0) {
                    return null;
                }
                Set<Integer> others = new HashSet<>(lost);
                others.remove(i);
                rebuilds.add(new Rebuild(node, s, i, others));
            }
        }
        if (ranks.size() != topology.size() || !ranks.stream().allMatch(r -> r >= 0 && r < topology.size())) {
            return null; // another job's ranks
        }
        return new Outcome(List.copyOf(sets.values()), rebuilds);
    }

    /** The node where all of a member's ranks live in this launch, or -1 when they are spread out (or not in this job). */
    private static int nodeOfMember(Member m, Topology topology) {
        int node = -1;
        for (RankEntry e : m.ranks()) {
            if (e.rank() < 0 || e.rank() >= topology.size()) {
                return -1;
            }
            int n = topology.nodeOf(e.rank());
            if (node >= 0 && n != node) {
                return -1;
            }
            node = n;
        }
        return node;
    }

    /** Versions the erasure level can restore for every rank, newest first. */
    List<Integer> versions() {
        return List.copyOf(byVersion.keySet());
    }

    boolean restorable(int version) {
        return byVersion.containsKey(version);
    }

    /** The members to rebuild before {@code version} is restored (on whichever node). */
    List<Rebuild> rebuilds(int version) {
        Outcome o = byVersion.get(version);
        return o == null ? List.of() : o.rebuilds();
    }
}
