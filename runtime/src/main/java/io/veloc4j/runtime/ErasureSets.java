package io.veloc4j.runtime;

import io.veloc4j.comm.Comm;
import io.veloc4j.comm.CommException;
import io.veloc4j.comm.Topology;
import io.veloc4j.config.HostName;
import io.veloc4j.config.VelocConfig;
import io.veloc4j.flush.FlushEngine;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.erasure.FailureHistory;
import io.veloc4j.levels.erasure.NodeInfo;
import io.veloc4j.levels.erasure.Placement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The erasure sets of a launch, decided at init (collective): every node's engine rank tells its
 * host and failure domain; rank 0 updates the failure history on shared storage (a host of the
 * last launch missing from this one failed once more) and tells every rank the counts; every rank
 * then computes the same sets ({@link Placement}). A placement that cannot keep the domains apart
 * (or too few nodes for ec_parity) turns the erasure level off for this launch with a warning: a
 * job is never stopped for it.
 */
final class ErasureSets {

    private static final Logger LOG = LoggerFactory.getLogger(ErasureSets.class);

    private ErasureSets() {
    }

    /** This node's host as the sets record it: with virtual nodes, one per node. */
    static String host(VelocConfig config, Topology topology) {
        return config.virtualNodes() > 1 ? HostName.get() + "-n" + topology.node() : HostName.get();
    }

    /** Null when ec_interval = -1 (no collective then: every rank has the same config). */
    static FlushEngine.Erasure plan(VelocConfig config, Comm comm, Topology topology, long session) throws CommException {
        if (config.ecInterval() < 0) {
            return null;
        }
        String host = host(config, topology);
        String domain = config.failureDomain(topology.node());
        byte[] mine = topology.nodeRank() == 0 ? (host + "\n" + domain).getBytes(StandardCharsets.UTF_8) : new byte[0];
        byte[][] all = comm.allgatherBytes(mine);
        List<String> hosts = new ArrayList<>();
        List<String> domains = new ArrayList<>();
        for (int n = 0; n < topology.nodes(); n++) {
            String[] hd = new String(all[topology.members(n)[0]], StandardCharsets.UTF_8).split("\n", 2);
            hosts.add(hd[0]);
            domains.add(hd.length > 1 ? hd[1] : hd[0]);
        }
        byte[] counts = comm.broadcastBytes(comm.rank() == 0 ? encode(history(config, session, hosts)) : new byte[0], 0);
        Map<String, Integer> failures = decode(counts);
        List<NodeInfo> nodes = new ArrayList<>();
        for (int n = 0; n < hosts.size(); n++) {
            nodes.add(new NodeInfo(n, hosts.get(n), domains.get(n), failures.getOrDefault(hosts.get(n), 0), 0));
        }
        List<Placement.PlacedSet> sets;
        try {
            sets = Placement.sets(nodes, config.ecSetSize(), config.ecParity());
        } catch (LevelException e) {
            if (comm.rank() == 0) {
                LOG.warn("ec_interval = {} asks for erasure coding, but no erasure sets can be placed: {}; this launch "
                        + "checkpoints without it (what earlier launches protected can still be rebuilt)",
                        config.ecInterval(), e.getMessage());
            }
            sets = List.of();
        }
        if (comm.rank() == 0 && !sets.isEmpty()) {
            LOG.info("erasure sets: {}", sets.stream().map(s -> s.id() + "=" + s.members().stream().map(NodeInfo::host).toList())
                    .toList());
        }
        return new FlushEngine.Erasure(config.ecInterval(), config.ecParity(), sets, host, config.scratchFsync());
    }

    /** Rank 0: the failure history after this launch started on {@code hosts}; a damaged one starts over. */
    private static Map<String, Integer> history(VelocConfig config, long session, List<String> hosts) {
        Path file = config.meta().resolve("erasure").resolve(FailureHistory.FILE);
        FailureHistory before;
        try {
            before = FailureHistory.read(file);
        } catch (LevelException e) {
            LOG.warn("{}; the failure history starts over", e.getMessage());
            before = FailureHistory.empty();
        }
        FailureHistory now;
        try {
            now = before.relaunch(session, hosts);
        } catch (IllegalArgumentException e) {
            LOG.warn("the failure history cannot record hosts {} ({}); placing without it", hosts, e.getMessage());
            return Map.of();
        }
        if (!before.disappeared(hosts).isEmpty()) {
            LOG.info("hosts of the last launch missing from this one (one more failure each): {}", before.disappeared(hosts));
        }
        try {
            now.write(file);
        } catch (LevelException e) {
            LOG.warn("{}; the failure history is not updated", e.getMessage());
        }
        return now.failures();
    }

    private static byte[] encode(Map<String, Integer> failures) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (DataOutputStream o = new DataOutputStream(b)) {
            o.writeInt(failures.size());
            for (Map.Entry<String, Integer> e : failures.entrySet()) {
                o.writeUTF(e.getKey());
                o.writeInt(e.getValue());
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return b.toByteArray();
    }

    private static Map<String, Integer> decode(byte[] bytes) {
        Map<String, Integer> out = new HashMap<>();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                out.put(in.readUTF(), in.readInt());
            }
        } catch (IOException e) {
            throw new IllegalStateException("rank 0's failure counts are malformed", e);
        }
        return out;
    }
}
