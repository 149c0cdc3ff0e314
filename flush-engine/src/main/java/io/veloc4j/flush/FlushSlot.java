package io.veloc4j.flush;

import io.veloc4j.levels.persistent.AggregateInfo;

import java.util.concurrent.CompletableFuture;

/**
 * A ring-buffer entry: a job, then what the stages made of it. Mutable and reused, as Disruptor
 * entries are; each field is written by one stage and read by the later ones.
 */
final class FlushSlot {
    FlushJob job;
    AggregateInfo written;
    String error;
    /** The rank files were rewritten since: nothing to report, the newer write is flushed on its own. */
    boolean superseded;
    /** The version was committed before this write (by an earlier launch): nothing written, why. */
    String alreadyCommitted;
    /** Completed after the last stage, for callers that wait (replay at init). */
    CompletableFuture<Void> done;

    void reset(FlushJob job, CompletableFuture<Void> done) {
        this.job = job;
        this.written = null;
        this.error = null;
        this.superseded = false;
        this.alreadyCommitted = null;
        this.done = done;
    }
}
