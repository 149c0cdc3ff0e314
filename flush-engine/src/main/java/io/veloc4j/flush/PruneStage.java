package io.veloc4j.flush;

import com.lmax.disruptor.EventHandler;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.catalog.Event;
import io.veloc4j.levels.catalog.EventLog;
import io.veloc4j.levels.persistent.PersistentLevel;
import io.veloc4j.levels.persistent.PersistentStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps max_versions committed versions per checkpoint name on persistent storage. Only committed
 * versions older than the newest max_versions go, so neither the newest restorable version nor
 * one still in flight is ever touched. The last stage: it completes the slot for waiters.
 */
final class PruneStage implements EventHandler<FlushSlot> {

    private static final Logger LOG = LoggerFactory.getLogger(PruneStage.class);

    private final PersistentStore store;
    private final EventLog catalog;
    private final int maxVersions;

    PruneStage(PersistentStore store, EventLog catalog, int maxVersions) {
        this.store = store;
        this.catalog = catalog;
        this.maxVersions = maxVersions;
    }

    @Override
    public void onEvent(FlushSlot slot, long sequence, boolean endOfBatch) {
        try {
            if (slot.error == null && !slot.superseded && maxVersions > 0) {
                for (int v : store.prune(slot.job.name(), maxVersions)) {
                    Announce.to(catalog, new Event.Pruned(slot.job.name(), v, PersistentLevel.NAME, -1));
                }
            }
        } catch (LevelException | RuntimeException e) {
            LOG.warn("pruning " + slot.job.name() + " on persistent storage failed: " + e.getMessage());
        } finally {
            if (slot.done != null) {
                slot.done.complete(null);
            }
        }
    }
}
