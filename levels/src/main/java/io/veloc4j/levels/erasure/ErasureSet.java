package io.veloc4j.levels.erasure;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What one erasure set's parity protects, and how: the checkpoint version, the launch that encoded
 * it, the set, its members in set order (member i is position i of every codeword's rotation) and
 * the code's parameters. Every parity file carries it in its header, so the survivors of a set
 * describe it completely even when the lost nodes' scratch and the job's placement are gone.
 *
 * @param name       checkpoint name
 * @param version    checkpoint version
 * @param session    the launch that wrote the parity
 * @param setId      the set's number in its placement
 * @param parity     m: parity symbols per codeword, the member losses the set survives
 * @param stripeSize bytes per stripe: the unit of coding, of transfer and of a CRC
 * @param members    n members, in set order
 */
public record ErasureSet(String name, int version, long session, int setId, int parity, int stripeSize,
                         List<Member> members) {

    static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,128}");
    /** The default stripe: 256 KiB keeps a (16, 4) rebuild's buffers at a few MiB and its CRC tables small. */
    public static final int DEFAULT_STRIPE = 256 << 10;
    /** Stripes are whole longs, at most 64 MiB. */
    public static final int MAX_STRIPE = 64 << 20;

    public ErasureSet {
        members = List.copyOf(members);
        if (!NAME.matcher(name).matches() || name.contains("..")) {
            throw new IllegalArgumentException("'" + name + "' is not a checkpoint name");
        }
        if (version < 0 || setId < 0) {
            throw new IllegalArgumentException("version " + version + ", set " + setId + ": both must be ≥ 0");
        }
        int n = members.size();
        if (n < 2 || n > ReedSolomon.MAX_SYMBOLS) {
            throw new IllegalArgumentException("an erasure set has 2 to " + ReedSolomon.MAX_SYMBOLS + " members, not " + n);
        }
        if (parity < 1 || parity >= n) {
            throw new IllegalArgumentException("parity " + parity + " for a set of " + n
                    + ": it must be at least 1 and less than the set size");
        }
        if (stripeSize < 8 || stripeSize > MAX_STRIPE || stripeSize % 8 != 0) {
            throw new IllegalArgumentException("stripe size " + stripeSize + " is not a multiple of 8 in 8.." + MAX_STRIPE);
        }
        Set<Integer> nodes = new HashSet<>();
        Set<Integer> ranks = new HashSet<>();
        for (Member m : members) {
            if (!nodes.add(m.node())) {
                throw new IllegalArgumentException("node " + m.node() + " is a member of set " + setId + " twice");
            }
            for (RankEntry r : m.ranks()) {
                if (!ranks.add(r.rank())) {
                    throw new IllegalArgumentException("rank " + r.rank() + " belongs to two members of set " + setId);
                }
            }
        }
    }

    public int size() {
        return members.size();
    }

    public Member member(int i) {
        return members.get(i);
    }

    /** The member whose node id is {@code node}, or -1. */
    public int memberOfNode(int node) {
        for (int i = 0; i < members.size(); i++) {
            if (members.get(i).node() == node) {
                return i;
            }
        }
        return -1;
    }

    /** The member that holds {@code rank}'s file, or -1. */
    public int memberOfRank(int rank) {
        for (int i = 0; i < members.size(); i++) {
            for (RankEntry r : members.get(i).ranks()) {
                if (r.rank() == rank) {
                    return i;
                }
            }
        }
        return -1;
    }

    public ErasureLayout layout() {
        long[] lengths = new long[members.size()];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = members.get(i).dataLength();
        }
        return new ErasureLayout(members.size(), parity, lengths, stripeSize);
    }

    /** "checkpoint 'heat' v40, erasure set 2": for messages. */
    String describe() {
        return "checkpoint '" + name + "' v" + version + ", erasure set " + setId;
    }
}
