package io.veloc4j.levels.persistent;

import io.veloc4j.levels.ElementType;
import io.veloc4j.levels.codec.CodecKind;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code codec = auto}'s choices, remembered per group and segment across one writer's aggregates:
 * a job checkpoints the same variables version after version, and trying every candidate on every
 * segment of every version costs about as much as encoding it. A remembered choice is used
 * {@link #REPROBE} - 1 times, then the segment is probed again, so data that changes character is
 * followed. Any choice decodes bit-exact; a stale one only costs ratio.
 */
final class AutoChoices {

    /**
     * A segment is probed on its first write and then on every REPROBE-th. 12 (it was 8 before
     * small segments were probed exactly): a probed write of the real data costs 1.9x a steady
     * one (was 1.7x), and 12 keeps the probes' share of all writes' CPU where 8 had it.
     */
    static final int REPROBE = 12;
    /** Entries kept at most: a job whose variables keep changing names must not grow this forever. */
    static final int MAX_ENTRIES = 1 << 14;

    /** Identifies a segment across versions of one group. */
    record Key(int group, String segment, ElementType type, int rowLength, int level) {
    }

    private record Entry(CodecKind kind, int uses) {
    }

    private final Map<Key, Entry> entries = new ConcurrentHashMap<>();

    /** The remembered kind for {@code key}, counting this use; null when the segment is to be probed. */
    CodecKind recall(Key key) {
        Entry e = entries.computeIfPresent(key, (k, v) -> v.uses() >= REPROBE ? null : new Entry(v.kind(), v.uses() + 1));
        return e == null ? null : e.kind();
    }

    /** Records the kind just chosen for {@code key} by probing. */
    void remember(Key key, CodecKind kind) {
        if (entries.size() >= MAX_ENTRIES) {
            entries.clear();
        }
        entries.put(key, new Entry(kind, 1));
    }
}
