package io.veloc4j.flush;

import com.lmax.disruptor.EventHandler;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.catalog.Event;
import io.veloc4j.levels.catalog.EventLog;
import io.veloc4j.levels.persistent.Manifest;
import io.veloc4j.levels.persistent.PersistentStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;

/**
 * Tells the node's ranks (journal) and the job's history (catalog) how a group's flush ended, and
 * writes the version's MANIFEST once every group of every node is on persistent storage.
 */
final class CommitStage implements EventHandler<FlushSlot> {

    private static final Logger LOG = LoggerFactory.getLogger(CommitStage.class);

    private final EventLog journal;
    private final EventLog catalog;
    private final PersistentStore store;

    CommitStage(EventLog journal, EventLog catalog, PersistentStore store) {
        this.journal = journal;
        this.catalog = catalog;
        this.store = store;
    }

    @Override
    public void onEvent(FlushSlot slot, long sequence, boolean endOfBatch) {
        FlushJob job = slot.job;
        if (slot.superseded) {
            return;
        }
        if (slot.alreadyCommitted != null) {
            // the committed copy of this version (an earlier launch's) is what restart will find
            LOG.warn("{}: {}; the scratch copy of this launch is not persisted", job, slot.alreadyCommitted);
            Announce.to(journal, new Event.Persisted(job.session(), job.name(), job.version(), job.group(), job.members(),
                    "", 0, 0, job.scheme().label()));
            return;
        }
        if (slot.error == null) {
            try {
                Optional<Manifest> m = store.tryCommit(job.name(), job.version(), job.ranks(), job.scheme(), job.groups(),
                        job.session());
                Event.Persisted p = new Event.Persisted(job.session(), job.name(), job.version(), job.group(), job.members(),
                        slot.written.file(), slot.written.rawBytes(), slot.written.storedBytes(), job.scheme().label());
                Announce.to(journal, p); // the ranks first: they wait for it
                Announce.to(catalog, p);
                m.ifPresent(x -> Announce.to(catalog, new Event.Committed(x.name(), x.version(), x.ranks(),
                        x.files().size(), x.rawBytes(), x.storedBytes(), x.scheme().label())));
                return;
            } catch (LevelException | RuntimeException e) {
                slot.error = "commit of " + job + " failed: " + e.getMessage();
            }
        }
        LOG.warn("flush of '{}' v{} (group {}, ranks {}) into {} failed: {}; the scratch copies are kept and later "
                + "checkpoints try again", job.name(), job.version(), job.group(), java.util.Arrays.toString(job.members()),
                store.versionDir(job.name(), job.version()), slot.error);
        Event.FlushFailed f = new Event.FlushFailed(job.session(), job.name(), job.version(), job.group(), job.members(),
                slot.error);
        Announce.to(journal, f);
        Announce.to(catalog, f);
    }
}
