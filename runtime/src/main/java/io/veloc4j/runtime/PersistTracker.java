package io.veloc4j.runtime;

import io.veloc4j.levels.catalog.Event;
import io.veloc4j.levels.catalog.EventLog;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What this rank knows about its own versions on their way to persistent storage, learnt by
 * reading the node journal the engine answers in. Polled on demand (no thread of its own).
 */
final class PersistTracker implements AutoCloseable {

    enum State { PENDING, PERSISTED, SKIPPED, FAILED }

    record Key(String name, int version) {
    }

    private final EventLog.Reader reader;
    private final long session;
    private final int rank;
    private final Map<Key, State> states = new HashMap<>();
    private final Map<Key, String> reasons = new HashMap<>();
    private final List<String> unreported = new ArrayList<>();
    private final Map<String, Integer> lastPersisted = new HashMap<>();

    PersistTracker(EventLog journal, long session, int rank) {
        this.reader = journal.reader();
        this.session = session;
        this.rank = rank;
    }

    void written(String name, int version) {
        states.put(new Key(name, version), State.PENDING);
    }

    /** Reads what the engine has said since the last poll. */
    void poll() {
        for (Optional<Event> e = reader.next(); e.isPresent(); e = reader.next()) {
            Event ev = e.get();
            if (ev instanceof Event.Persisted p && p.session() == session && p.covers(rank)) {
                resolve(p.name(), p.version(), State.PERSISTED, null);
                lastPersisted.merge(p.name(), p.version(), Math::max);
            } else if (ev instanceof Event.Skipped s && s.session() == session && s.covers(rank)) {
                resolve(s.name(), s.version(), State.SKIPPED, null);
            } else if (ev instanceof Event.FlushFailed f && f.session() == session && f.covers(rank)) {
                resolve(f.name(), f.version(), State.FAILED, f.reason());
            }
        }
    }

    private void resolve(String name, int version, State state, String reason) {
        Key k = new Key(name, version);
        if (states.get(k) != State.PENDING) {
            return; // an event about an earlier write of the same version
        }
        states.put(k, state);
        if (reason != null) {
            reasons.put(k, reason);
            unreported.add(name + " v" + version + ": " + reason);
        }
    }

    /** Versions still waiting for the engine's answer. */
    List<Key> pendingVersions() {
        return states.entrySet().stream().filter(e -> e.getValue() == State.PENDING).map(Map.Entry::getKey).toList();
    }

    /**
     * A pending version found committed on persistent storage without the engine's record (it
     * could not append it, or the journal was lost): persisted all the same.
     */
    void committed(String name, int version) {
        resolve(name, version, State.PERSISTED, null);
        lastPersisted.merge(name, version, Math::max);
    }

    /** A pending version that will never be persisted, for a reason found on this side (its staged write failed). */
    void failed(String name, int version, String reason) {
        resolve(name, version, State.FAILED, reason);
    }

    int pending() {
        return (int) states.values().stream().filter(s -> s == State.PENDING).count();
    }

    Optional<State> state(String name, int version) {
        return Optional.ofNullable(states.get(new Key(name, version)));
    }

    String reason(String name, int version) {
        return reasons.get(new Key(name, version));
    }

    /** Failures not yet reported by checkpointWait, and forgets them. */
    List<String> takeFailures() {
        List<String> out = List.copyOf(unreported);
        unreported.clear();
        return out;
    }

    int lastPersisted(String name) {
        return lastPersisted.getOrDefault(name, -1);
    }

    @Override
    public void close() {
        reader.close();
    }
}
