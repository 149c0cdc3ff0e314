package io.veloc4j.flush;

import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.catalog.Event;
import io.veloc4j.levels.grouping.BenefitEstimator;
import io.veloc4j.levels.grouping.Clustering;
import io.veloc4j.levels.persistent.AggregateWriter;
import io.veloc4j.levels.persistent.Scheme;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The first stage: waits until every member of an aggregation group has written a version, then
 * releases the group as a {@link FlushJob}. A rank writing the same version again replaces its
 * earlier record (latest wins). With grouping = cluster a gate group is a whole node: once all
 * its ranks have written, it is split into groups of ranks whose data compress well together
 * (sampled from their rank files), as many as rank-wise grouping would make.
 */
final class Gate {

    record Key(long session, String name, int version, int group) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(Gate.class);

    private final Scheme scheme;
    private final int ranks;
    /** 0: groups are as the ranks announced them; else the cap of a cluster group. */
    private final int clusterSize;
    private final BenefitEstimator estimator = BenefitEstimator.defaults();
    private final Map<Key, TreeMap<Integer, Event.Written>> open = new HashMap<>();

    Gate(Scheme scheme, int ranks, int clusterSize) {
        this.scheme = scheme;
        this.ranks = ranks;
        this.clusterSize = scheme == Scheme.NONE ? 0 : clusterSize;
    }

    /** Adds a Written record; returns the group's jobs once it is complete (several if it is clustered). */
    List<FlushJob> add(Event.Written w) {
        Key k = key(w);
        TreeMap<Integer, Event.Written> got = open.computeIfAbsent(k, x -> new TreeMap<>());
        got.put(w.rank(), w);
        if (got.size() < w.members().length) {
            return List.of();
        }
        open.remove(k);
        List<AggregateWriter.Source> sources = new ArrayList<>();
        for (Event.Written m : got.values()) {
            sources.add(new AggregateWriter.Source(m.rank(), Path.of(m.path()), m.crc()));
        }
        if (clusterSize == 0 || sources.size() <= clusterSize) {
            return List.of(job(w, w.group(), sources));
        }
        List<FlushJob> jobs = new ArrayList<>();
        List<int[]> parts = clusters(w, sources);
        for (int i = 0; i < parts.size(); i++) {
            List<AggregateWriter.Source> part = new ArrayList<>();
            for (int s : parts.get(i)) {
                part.add(sources.get(s));
            }
            jobs.add(job(w, w.group() + i, part));
        }
        return jobs;
    }

    /** Benefit-aware split of a node's ranks; rank order if the samples cannot be read (the flush reports that file). */
    private List<int[]> clusters(Event.Written w, List<AggregateWriter.Source> sources) {
        try {
            double[][] benefit = estimator.estimate(sources.stream().map(AggregateWriter.Source::path).toList());
            return Clustering.partition(benefit, clusterSize);
        } catch (LevelException | RuntimeException e) {
            LOG.warn("cannot cluster " + w.name() + " v" + w.version() + " (" + e.getMessage()
                    + "); grouping its ranks in rank order");
            return Clustering.partition(new double[sources.size()][sources.size()], clusterSize);
        }
    }

    private FlushJob job(Event.Written w, int group, List<AggregateWriter.Source> sources) {
        int[] members = sources.stream().mapToInt(AggregateWriter.Source::rank).toArray();
        return new FlushJob(w.session(), w.name(), w.version(), group, members, sources, w.groups(), ranks, scheme);
    }

    static Key key(Event.Written w) {
        return new Key(w.session(), w.name(), w.version(), w.group());
    }

    int waiting() {
        return open.size();
    }
}
