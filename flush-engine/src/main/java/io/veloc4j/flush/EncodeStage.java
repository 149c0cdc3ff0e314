package io.veloc4j.flush;

import com.lmax.disruptor.EventHandler;
import io.veloc4j.levels.FileIo;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.persistent.AggregateAssembly;
import io.veloc4j.levels.persistent.AggregateWriter;
import io.veloc4j.levels.persistent.AlreadyCommittedException;
import io.veloc4j.levels.persistent.Encoding;
import io.veloc4j.levels.persistent.PersistentStore;
import io.veloc4j.levels.persistent.SupersededException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.function.Function;

/**
 * Encode: one of {@code workers} parallel handlers; handler i takes the jobs whose sequence is i
 * modulo workers. A group whose ranks are all on this node is written whole (encoding streams
 * into the file); of a group that spans nodes, the writer encodes its own ranks straight into the
 * file (the others' parts are appended later, off the ring) and every other node encodes its
 * ranks into a node-local spool. Never waits for another node.
 */
final class EncodeStage implements EventHandler<FlushSlot> {

    private static final Logger LOG = LoggerFactory.getLogger(EncodeStage.class);

    private final int index;
    private final int workers;
    private final int node;
    private final AggregateWriter writer;
    private final PersistentStore store;
    private final Encoding encoding;
    private final Function<FlushJob, Path> spools;
    private final Spool.Budget budget;

    EncodeStage(int index, int workers, int node, AggregateWriter writer, PersistentStore store, Encoding encoding,
                Function<FlushJob, Path> spools, Spool.Budget budget) {
        this.budget = budget;
        this.index = index;
        this.workers = workers;
        this.node = node;
        this.writer = writer;
        this.store = store;
        this.encoding = encoding;
        this.spools = spools;
    }

    /** In memory if the budget has room for the part at its largest (raw bytes plus a sixteenth), else a file. */
    private Spool spool(FlushJob job) throws LevelException {
        long raw = 0;
        for (AggregateWriter.Source s : job.sources()) {
            try {
                raw += java.nio.file.Files.size(s.path());
            } catch (java.io.IOException e) {
                throw new LevelException("rank file " + s.path() + " of " + job + " cannot be read: " + e, e);
            }
        }
        long bound = raw + raw / 16 + (1 << 20);
        if (budget.reserve(bound)) {
            return new Spool.Memory(budget, bound);
        }
        try {
            return new Spool.File(spools.apply(job));
        } catch (java.io.IOException e) {
            throw new LevelException("cannot spool " + job + " on scratch: " + e, e);
        }
    }

    @Override
    public void onEvent(FlushSlot slot, long sequence, boolean endOfBatch) {
        if (sequence % workers != index) {
            return;
        }
        FlushJob job = slot.job;
        Path dir = store.versionDir(job.name(), job.version());
        String file = PersistentStore.fileName(job.scheme(), job.group(), job.allMembers()[0], job.session());
        try {
            if (!job.writesHere(node)) {
                slot.spool = spool(job);
                try {
                    slot.part = writer.encodePart(slot.spool.sink(), encoding, job.group(), job.sources());
                } catch (LevelException | RuntimeException e) {
                    slot.spool.release();
                    slot.spool = null;
                    throw e;
                }
                if (slot.spool instanceof Spool.Memory m) {
                    m.trim();
                } else if (slot.spool instanceof Spool.File f) {
                    f.closeWriting();
                }
            } else if (job.partNodes().length == 0) {
                slot.written = writer.write(dir, file, encoding, job.group(), job.sources());
            } else {
                AggregateAssembly a = writer.assemble(dir, file, encoding, job.group(), job.version(),
                        8L << 20);
                try {
                    a.addLocal(job.sources());
                } catch (LevelException | RuntimeException e) {
                    FileIo.closeQuietly(a);
                    throw e;
                }
                slot.assembly = a;
            }
        } catch (SupersededException e) {
            slot.superseded = true;
        } catch (AlreadyCommittedException e) {
            slot.alreadyCommitted = e.getMessage();
        } catch (LevelException | RuntimeException e) {
            LOG.debug("encoding {} failed: {}", job, e.toString());
            slot.error = e.getMessage() == null ? e.toString() : e.getMessage();
        }
    }
}
