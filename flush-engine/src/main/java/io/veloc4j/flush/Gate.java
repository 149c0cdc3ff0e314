package io.veloc4j.flush;

import io.veloc4j.levels.catalog.Event;
import io.veloc4j.levels.persistent.AggregateWriter;
import io.veloc4j.levels.persistent.Scheme;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The first stage: waits until every member of an aggregation group has written a version, then
 * releases the group as a {@link FlushJob}. A rank writing the same version again replaces its
 * earlier record (latest wins).
 */
final class Gate {

    record Key(long session, String name, int version, int group) {
    }

    private final Scheme scheme;
    private final int ranks;
    private final Map<Key, TreeMap<Integer, Event.Written>> open = new HashMap<>();

    Gate(Scheme scheme, int ranks) {
        this.scheme = scheme;
        this.ranks = ranks;
    }

    /** Adds a Written record; returns the group's job once complete. */
    Optional<FlushJob> add(Event.Written w) {
        Key k = key(w);
        TreeMap<Integer, Event.Written> got = open.computeIfAbsent(k, x -> new TreeMap<>());
        got.put(w.rank(), w);
        if (got.size() < w.members().length) {
            return Optional.empty();
        }
        open.remove(k);
        List<AggregateWriter.Source> sources = new ArrayList<>();
        for (Event.Written m : got.values()) {
            sources.add(new AggregateWriter.Source(m.rank(), Path.of(m.path()), m.crc()));
        }
        return Optional.of(new FlushJob(w.session(), w.name(), w.version(), w.group(), w.members(), sources, w.groups(),
                ranks, scheme));
    }

    static Key key(Event.Written w) {
        return new Key(w.session(), w.name(), w.version(), w.group());
    }

    int waiting() {
        return open.size();
    }
}
