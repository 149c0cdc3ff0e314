package io.veloc4j.flush;

import com.lmax.disruptor.EventHandler;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.persistent.AggregateWriter;
import io.veloc4j.levels.persistent.AlreadyCommittedException;
import io.veloc4j.levels.persistent.Encoding;
import io.veloc4j.levels.persistent.PersistentStore;
import io.veloc4j.levels.persistent.SupersededException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encode + write: one of {@code workers} parallel handlers; handler i takes the jobs whose
 * sequence is i modulo workers. Encoding streams into the write (compressed chunks go straight to
 * the temp file), so a group never has to fit in memory.
 */
final class AggregateStage implements EventHandler<FlushSlot> {

    private static final Logger LOG = LoggerFactory.getLogger(AggregateStage.class);

    private final int index;
    private final int workers;
    private final AggregateWriter writer;
    private final PersistentStore store;
    private final Encoding encoding;

    AggregateStage(int index, int workers, AggregateWriter writer, PersistentStore store, Encoding encoding) {
        this.encoding = encoding;
        this.index = index;
        this.workers = workers;
        this.writer = writer;
        this.store = store;
    }

    @Override
    public void onEvent(FlushSlot slot, long sequence, boolean endOfBatch) {
        if (sequence % workers != index) {
            return;
        }
        FlushJob job = slot.job;
        try {
            String file = PersistentStore.fileName(job.scheme(), job.group(), job.sources().get(0).rank(), job.session());
            slot.written = writer.write(store.versionDir(job.name(), job.version()), file, encoding, job.group(), job.sources());
        } catch (SupersededException e) {
            slot.superseded = true;
        } catch (AlreadyCommittedException e) {
            slot.alreadyCommitted = e.getMessage();
        } catch (LevelException | RuntimeException e) {
            slot.error = e.getMessage() == null ? e.toString() : e.getMessage();
            // said now, not only when a rank next calls checkpointWait: a full or unwritable
            // persistent storage must be seen while it can still be fixed
            LOG.error("flush of {} failed, its scratch copies are kept: {}", job, slot.error);
        }
    }
}
