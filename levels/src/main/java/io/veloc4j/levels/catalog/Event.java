package io.veloc4j.levels.catalog;

import java.util.Arrays;

/**
 * What happens to checkpoint versions, as recorded in a node's journal and the job's catalog.
 * Records are immutable; {@code session} tells one launch of the job from the next. That a rank
 * wrote a version is not an event here: its rank file on scratch is that record.
 */
public sealed interface Event {

    String name();

    int version();

    /** A group's aggregate is durable on persistent storage. */
    record Persisted(long session, String name, int version, int group, int[] members, String file, long rawBytes,
                     long storedBytes, String scheme) implements Event {
        public Persisted {
            members = members.clone();
        }

        @Override
        public int[] members() {
            return members.clone();
        }

        public boolean covers(int rank) {
            return Arrays.stream(members).anyMatch(r -> r == rank);
        }
    }

    /** A group's flush failed; its scratch copies are kept. */
    record FlushFailed(long session, String name, int version, int group, int[] members, String reason) implements Event {
        public FlushFailed {
            members = members.clone();
        }

        @Override
        public int[] members() {
            return members.clone();
        }

        public boolean covers(int rank) {
            return Arrays.stream(members).anyMatch(r -> r == rank);
        }
    }

    /** A version stays on scratch only (persistent_interval not yet elapsed). */
    record Skipped(long session, String name, int version, int group, int[] members) implements Event {
        public Skipped {
            members = members.clone();
        }

        @Override
        public int[] members() {
            return members.clone();
        }

        public boolean covers(int rank) {
            return Arrays.stream(members).anyMatch(r -> r == rank);
        }
    }

    /** Every group of a version is persisted and its MANIFEST written: restorable from persistent. */
    record Committed(String name, int version, int ranks, int files, long rawBytes, long storedBytes, String scheme)
            implements Event {
    }

    /** A version left a level ({@code rank} -1: every rank's copy). */
    record Pruned(String name, int version, String level, int rank) implements Event {
    }

    /** Every parity piece of every erasure set of a version is written: it survives {@code parity} node losses per set. */
    record Protected(String name, int version, int sets, int parity) implements Event {
    }
}
