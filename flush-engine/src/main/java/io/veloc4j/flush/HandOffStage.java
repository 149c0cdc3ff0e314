package io.veloc4j.flush;

import com.lmax.disruptor.EventHandler;

/**
 * After encoding: a whole group's file goes to the committer, a file under assembly to the
 * assembler (which appends the other nodes' parts), a spooled part is offered to its writer; a
 * failure is reported to whoever waits for it. The last stage: it completes the slot for waiters.
 */
final class HandOffStage implements EventHandler<FlushSlot> {

    private final FlushEngine engine;

    HandOffStage(FlushEngine engine) {
        this.engine = engine;
    }

    @Override
    public void onEvent(FlushSlot slot, long sequence, boolean endOfBatch) {
        FlushJob job = slot.job;
        try {
            if (slot.superseded) {
                return;
            }
            if (slot.alreadyCommitted != null) {
                engine.jobFailed(job, slot.alreadyCommitted, true);
            } else if (slot.error != null) {
                engine.jobFailed(job, slot.error, false);
            } else if (slot.written != null) {
                engine.groupWritten(job, slot.written);
            } else if (slot.assembly != null) {
                engine.ownPartIn(job, slot.assembly);
            } else if (slot.part != null) {
                engine.partSpooled(job, slot.part, slot.spool);
            }
        } finally {
            if (slot.done != null) {
                slot.done.complete(null);
            }
        }
    }
}
