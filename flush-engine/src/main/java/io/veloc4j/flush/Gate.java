package io.veloc4j.flush;

import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.grouping.BenefitEstimator;
import io.veloc4j.levels.grouping.Clustering;
import io.veloc4j.levels.persistent.AggregateWriter;
import io.veloc4j.levels.persistent.Group;
import io.veloc4j.levels.persistent.Scheme;
import io.veloc4j.levels.scratch.ScratchEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The first stage: waits until every member of an aggregation group has a rank file of a version
 * on scratch, then releases the group as a {@link FlushJob}. A rank writing the same version again
 * replaces its earlier file (latest wins). With grouping = cluster a gate group is a whole node:
 * once all its ranks have written, it is split into groups of ranks whose data compress well
 * together (sampled from their rank files), as many as rank-wise grouping would make.
 *
 * <p>The gate never waits silently: a group still missing members after {@code patienceNanos}
 * is reported once, naming the ranks and version; one whose later version completes first is
 * abandoned (its members hear why), so no rank waits forever for a record that cannot come.
 */
final class Gate {

    record Key(long session, String name, int version, int group) {
    }

    /** A group that will not complete: the members that did write, and why. */
    record Abandoned(Key key, int[] members, String reason) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(Gate.class);

    private static final class Open {
        final Group group;
        final long since;
        final TreeMap<Integer, ScratchEntry> got = new TreeMap<>();
        boolean reported;

        Open(Group group, long since) {
            this.group = group;
            this.since = since;
        }
    }

    private final Scheme scheme;
    private final int ranks;
    private final int files;
    /** 0: groups are as planned; else the cap of a cluster group. */
    private final int clusterSize;
    /** The whole group (every rank, its writer, the other nodes with ranks of it) of a gate group id. */
    interface Whole {
        FlushJob complete(long session, String name, int version, int group, int[] members,
                          List<AggregateWriter.Source> sources);
    }

    private final Whole whole;
    private final BenefitEstimator estimator = BenefitEstimator.defaults();
    private final Map<Key, Open> open = new HashMap<>();
    /** The newest version released per (session, name, gate group), keyed with version -1. */
    private final Map<Key, Integer> released = new HashMap<>();

    /**
     * @param ranks ranks of the job
     * @param files files a version has (all nodes), for the commit
     */
    Gate(Scheme scheme, int ranks, int files, int clusterSize, Whole whole) {
        this.whole = whole;
        this.scheme = scheme;
        this.ranks = ranks;
        this.files = files;
        this.clusterSize = scheme == Scheme.NONE ? 0 : clusterSize;
    }

    /** Adds a rank file of {@code group}; returns the group's jobs once it is complete (several if it is clustered). */
    List<FlushJob> add(ScratchEntry e, Group group, long session, long now) {
        Key k = new Key(session, e.name(), e.version(), group.id());
        Open o = open.computeIfAbsent(k, x -> new Open(group, now));
        o.got.put(e.rank(), e);
        if (o.got.size() < group.members().length) {
            return List.of();
        }
        open.remove(k);
        released.merge(new Key(session, k.name(), -1, group.id()), k.version(), Math::max);
        List<AggregateWriter.Source> sources = new ArrayList<>();
        for (ScratchEntry m : o.got.values()) {
            sources.add(new AggregateWriter.Source(m.rank(), m.path(), m.headerCrc()));
        }
        if (clusterSize == 0 || sources.size() <= clusterSize) {
            return List.of(job(k, sources));
        }
        List<FlushJob> jobs = new ArrayList<>();
        List<int[]> parts = clusters(k, sources);
        for (int i = 0; i < parts.size(); i++) {
            List<AggregateWriter.Source> part = new ArrayList<>();
            for (int s : parts.get(i)) {
                part.add(sources.get(s));
            }
            jobs.add(job(new Key(session, k.name(), k.version(), k.group() + i), part));
        }
        return jobs;
    }

    /**
     * Groups that will not complete: waiting longer than {@code patienceNanos} while a later version
     * of the same checkpoint and gate group was released. Their members must not wait forever (a
     * rank skipped a version, or died before writing it); the files stay on scratch.
     */
    List<Abandoned> abandon(long now, long patienceNanos) {
        List<Abandoned> out = new ArrayList<>();
        for (Iterator<Map.Entry<Key, Open>> it = open.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key, Open> en = it.next();
            Key k = en.getKey();
            Open o = en.getValue();
            Integer later = released.get(new Key(k.session(), k.name(), -1, o.group.id()));
            if (later != null && later > k.version() && now - o.since > patienceNanos) {
                it.remove();
                out.add(new Abandoned(k, o.got.keySet().stream().mapToInt(Integer::intValue).toArray(),
                        "rank(s) " + missing(o) + " never wrote " + k.name() + " v" + k.version() + " (v" + later
                                + " of the same group is complete); not flushed"));
            }
        }
        return out;
    }

    /** Logs (once per group) every group that has waited longer than {@code patienceNanos} for members. */
    void reportOverdue(long now, long patienceNanos, int node) {
        for (Map.Entry<Key, Open> en : open.entrySet()) {
            Open o = en.getValue();
            if (!o.reported && now - o.since > patienceNanos) {
                o.reported = true;
                Key k = en.getKey();
                LOG.warn("node {}: {} v{} group {} has waited {} s for rank(s) {}: their rank files are not on this "
                                + "node's scratch (did every rank call checkpoint(\"{}\", {})?); the others' files stay on scratch",
                        node, k.name(), k.version(), k.group(), (now - o.since) / 1_000_000_000L, missing(o), k.name(),
                        k.version());
            }
        }
    }

    private static List<Integer> missing(Open o) {
        return Arrays.stream(o.group.members()).filter(r -> !o.got.containsKey(r)).boxed().toList();
    }

    /** Benefit-aware split of a node's ranks; rank order if the samples cannot be read (the flush reports that file). */
    private List<int[]> clusters(Key k, List<AggregateWriter.Source> sources) {
        try {
            double[][] benefit = estimator.estimate(sources.stream().map(AggregateWriter.Source::path).toList());
            return Clustering.partition(benefit, clusterSize);
        } catch (LevelException | RuntimeException e) {
            LOG.warn("cannot cluster {} v{} ({}); grouping its ranks in rank order", k.name(), k.version(), e.getMessage());
            return Clustering.partition(new double[sources.size()][sources.size()], clusterSize);
        }
    }

    private FlushJob job(Key k, List<AggregateWriter.Source> sources) {
        int[] members = sources.stream().mapToInt(AggregateWriter.Source::rank).toArray();
        return whole.complete(k.session(), k.name(), k.version(), k.group(), members, sources);
    }

    int waiting() {
        return open.size();
    }
}
