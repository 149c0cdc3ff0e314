package io.veloc4j.levels.persistent;

import java.util.concurrent.atomic.LongAdder;

/**
 * What one process asked of persistent storage's metadata, counted where it asks: directory
 * listings, MANIFEST lookups (stats), MANIFEST reads and writes, opens of aggregates. At scale
 * these, not the bytes, are what a parallel file system's metadata servers choke on; the tests
 * assert the per-version formula the README states.
 */
public final class StorageOps {

    /** A snapshot of the counts. */
    public record Counts(long listings, long manifestStats, long manifestReads, long manifestWrites, long aggregateOpens) {

        public Counts plus(Counts o) {
            return new Counts(listings + o.listings, manifestStats + o.manifestStats, manifestReads + o.manifestReads,
                    manifestWrites + o.manifestWrites, aggregateOpens + o.aggregateOpens);
        }
    }

    final LongAdder listings = new LongAdder();
    final LongAdder manifestStats = new LongAdder();
    final LongAdder manifestReads = new LongAdder();
    final LongAdder manifestWrites = new LongAdder();
    final LongAdder aggregateOpens = new LongAdder();

    public Counts counts() {
        return new Counts(listings.sum(), manifestStats.sum(), manifestReads.sum(), manifestWrites.sum(), aggregateOpens.sum());
    }
}
