package io.veloc4j.levels.erasure;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A node of an erasure set: its node id, its host, and its rank files in rank order, whose
 * concatenation is the member's data stream.
 */
public record Member(int node, String host, List<RankEntry> ranks) {

    /** Host names as long as DNS allows, in UTF-8 bytes. */
    static final int MAX_HOST_BYTES = 255;

    public Member {
        ranks = List.copyOf(ranks);
        if (node < 0) {
            throw new IllegalArgumentException("node id " + node + " is negative");
        }
        int hostBytes = host.getBytes(StandardCharsets.UTF_8).length;
        if (hostBytes == 0 || hostBytes > MAX_HOST_BYTES) {
            throw new IllegalArgumentException("host name '" + host + "' is empty or longer than " + MAX_HOST_BYTES + " bytes");
        }
        for (int i = 1; i < ranks.size(); i++) {
            if (ranks.get(i).rank() <= ranks.get(i - 1).rank()) {
                throw new IllegalArgumentException("node " + node + ": ranks must be listed once each, in ascending order: "
                        + ranks.stream().map(RankEntry::rank).toList());
            }
        }
        long total = 0;
        for (RankEntry r : ranks) {
            total = Math.addExact(total, r.length());
        }
    }

    /** Bytes of the data stream: the rank files one after another. */
    public long dataLength() {
        return ranks.stream().mapToLong(RankEntry::length).sum();
    }
}
