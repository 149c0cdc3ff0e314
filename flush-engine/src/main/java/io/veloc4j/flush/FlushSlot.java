package io.veloc4j.flush;

import io.veloc4j.levels.persistent.AggregateAssembly;
import io.veloc4j.levels.persistent.AggregateInfo;
import io.veloc4j.levels.persistent.AggregatePart;

import java.util.concurrent.CompletableFuture;

/**
 * A ring-buffer entry: a job, then what the encode stage made of it. Mutable and reused, as
 * Disruptor entries are; each field is written by one stage and read by the later ones.
 */
final class FlushSlot {
    FlushJob job;
    /** The group's whole file, written here (all its ranks on this node). */
    AggregateInfo written;
    /** The group's file under assembly here, holding this node's part; the other nodes' follow. */
    AggregateAssembly assembly;
    /** This node's part of a group another node writes, held in {@link #spool}. */
    AggregatePart part;
    Spool spool;
    String error;
    /** The rank files were rewritten since: nothing to report, the newer write is flushed on its own. */
    boolean superseded;
    /** The version was committed before this write (by an earlier launch): nothing written, why. */
    String alreadyCommitted;
    /** Completed after the last stage, for callers that wait. */
    CompletableFuture<Void> done;

    void reset(FlushJob job, CompletableFuture<Void> done) {
        this.job = job;
        this.written = null;
        this.assembly = null;
        this.part = null;
        this.spool = null;
        this.error = null;
        this.superseded = false;
        this.alreadyCommitted = null;
        this.done = done;
    }
}
