package io.veloc4j.levels.catalog;

import io.veloc4j.levels.FileIo;
import io.veloc4j.levels.LevelException;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.io.SingleThreadedChecked;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.StoreFileListener;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * An append-only, durable log of {@link Event}s on a Chronicle Queue with ONE writer: the
 * instance made by {@link #open}, whose appends (from any of its threads) are serialised here
 * because a Chronicle appender belongs to one thread at a time. Any number of readers, in this or
 * other JVMs, open it with {@link #openReader}.
 *
 * <p>Why one writer: with one queue instance per rank appending to a shared directory, records
 * went missing and appenders timed out on the queue's metadata lock once a few hundred ranks
 * shared two cores (issue #15). Nothing here depends on Chronicle's multi-writer locking any more:
 * a rank's "I wrote version v" is its rank file on scratch, and only the node's engine writes the
 * node's journal and its own catalog.
 */
public final class EventLog implements AutoCloseable {

    /**
     * Chronicle maps a queue in blocks of this size; its default, 64 MiB, costs every reader 64 MiB
     * of address space, which at 256 ranks in one JVM was most of a 37 GB virtual size. Records here
     * are ~100 bytes.
     */
    private static final long BLOCK_SIZE = 256 << 10;

    /** Room an append may need: the next mapped block, and its index. */
    private static final long SPACE_NEEDED = 4 * BLOCK_SIZE;

    /**
     * How often a log starts a new cycle file: the unit {@link #trim} deletes. Five minutes keeps a
     * node journal at a few files however long the run.
     */
    static final RollCycle CYCLE = RollCycles.FIVE_MINUTELY;

    private final Path dir;
    private final SingleChronicleQueue queue;
    private final ExcerptAppender appender;
    /** The cycle files this writer acquired (Chronicle tells us as it goes), by cycle. */
    private final Map<Integer, File> acquired;

    private EventLog(Path dir, SingleChronicleQueue queue, boolean writer) {
        this(dir, queue, writer, new ConcurrentSkipListMap<>());
    }

    private EventLog(Path dir, SingleChronicleQueue queue, boolean writer, Map<Integer, File> acquired) {
        this.dir = dir;
        this.queue = queue;
        this.acquired = acquired;
        this.appender = writer ? queue.createAppender() : null;
        if (appender != null) {
            shareable(appender);
        }
    }

    /** We serialise access ourselves (appends under a lock; a reader handed from thread to thread). */
    private static void shareable(Object component) {
        if (component instanceof SingleThreadedChecked c) {
            c.singleThreadedCheckDisabled(true);
        }
    }

    /** The writer: creates the log if needed. Open one per directory at a time. */
    public static EventLog open(Path dir) throws LevelException {
        return open(dir, CYCLE);
    }

    static EventLog open(Path dir, RollCycle cycle) throws LevelException {
        try {
            FileIo.createPrivateDirectories(dir);
            Map<Integer, File> files = new ConcurrentSkipListMap<>();
            SingleChronicleQueue q = SingleChronicleQueueBuilder.single(dir.toString()).blockSize(BLOCK_SIZE).rollCycle(cycle)
                    .storeFileListener(new CycleFiles(files)).build();
            try (Stream<Path> all = Files.list(dir)) {
                all.forEach(FileIo::makePrivate); // the metadata file, and files of older launches
            }
            return new EventLog(dir, q, true, files);
        } catch (Exception e) {
            throw new LevelException("cannot open the event log (Chronicle Queue) at " + dir + ": " + e
                    + "; check that the directory is writable", e);
        }
    }

    /** A reader of a live log its writer has created (fails if there is none): never appends, never locks. */
    public static EventLog openReader(Path dir) throws LevelException {
        return openReader(dir, false);
    }

    /**
     * A reader of a log that may have been left by a dead writer (the catalogs {@code ls} reads): a
     * cycle file cut short is refused, as mapping past its end would fault at the first read. A file
     * changed in the last seconds is taken as one its live writer is growing.
     */
    public static EventLog openArchived(Path dir) throws LevelException {
        return openReader(dir, true);
    }

    private static EventLog openReader(Path dir, boolean checkFiles) throws LevelException {
        if (!Files.isRegularFile(dir.resolve("metadata.cq4t"))) {
            throw new LevelException("no event log at " + dir + " (its writer, the node's engine, creates it at init)");
        }
        if (checkFiles) {
            checkCycleFiles(dir);
        }
        try {
            SingleChronicleQueue q = SingleChronicleQueueBuilder.single(dir.toString()).blockSize(BLOCK_SIZE).rollCycle(CYCLE)
                    .readOnly(true).build();
            return new EventLog(dir, q, false);
        } catch (Exception e) {
            throw new LevelException("cannot read the event log (Chronicle Queue) at " + dir + ": " + e
                    + "; check that the directory is readable", e);
        }
    }

    private static void checkCycleFiles(Path dir) throws LevelException {
        long recent = System.currentTimeMillis() - 10_000;
        try (Stream<Path> all = Files.list(dir)) {
            for (Path f : all.filter(f -> f.getFileName().toString().endsWith(".cq4")).toList()) {
                long size = Files.size(f);
                // Chronicle grows a cycle file in whole 64 KiB steps: anything else was cut short
                if ((size < 65536 || size % 65536 != 0) && Files.getLastModifiedTime(f).toMillis() < recent) {
                    throw new LevelException("event log file " + f + " is damaged (" + size + " bytes, cut short)");
                }
            }
        } catch (IOException e) {
            throw new LevelException("cannot list the event log at " + dir + ": " + e, e);
        }
    }

    public Path dir() {
        return dir;
    }

    /**
     * Appends {@code e}. Chronicle extends its mapped file by writing into the mapping, so on a full
     * file system an append would fault (InternalError) instead of failing: the free space is
     * checked first, and a fault that gets through anyway is reported the same way.
     */
    public synchronized void append(Event e) throws LevelException {
        if (appender == null) {
            throw new IllegalStateException("the event log at " + dir + " was opened for reading");
        }
        FileIo.requireSpace(dir, SPACE_NEEDED);
        try (DocumentContext dc = appender.writingDocument()) {
            EventCodec.write(e, dc.wire().bytes());
        } catch (InternalError fault) {
            throw new LevelException("cannot append to the event log at " + dir + " (" + fault.getMessage()
                    + "): its file system is probably full; free space there", fault);
        }
    }

    /** A reader from the start of the log; each reader belongs to one thread. */
    public Reader reader() {
        return new Reader(queue.createTailer());
    }

    /** Every event in the log, oldest first; a damaged log is a LevelException naming it. */
    public List<Event> readAll() throws LevelException {
        try (Reader r = reader()) {
            List<Event> all = new ArrayList<>();
            for (Optional<Event> e = r.next(); e.isPresent(); e = r.next()) {
                all.add(e.get());
            }
            return all;
        } catch (InternalError | RuntimeException e) {
            // InternalError: a read faulted in a mapped page past the end of a damaged file
            throw new LevelException("the event log at " + dir + " is damaged: " + e, e);
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (appender != null) {
                appender.close();
            }
        }
        queue.close();
    }

    /**
     * Deletes the cycle files, but the one being written, that hold no event {@code needed} still
     * accepts: the log's size is then bounded by what its readers can still be waiting for, not by
     * the run's length. Readers that already passed a deleted cycle are not affected. Returns the
     * number of files deleted. Writer only; call from one thread.
     */
    public int trim(Predicate<Event> needed) {
        if (appender == null) {
            throw new IllegalStateException("the event log at " + dir + " was opened for reading");
        }
        int last = queue.lastCycle();
        int deleted = 0;
        for (Map.Entry<Integer, File> c : new ArrayList<>(acquired.entrySet())) {
            int cycle = c.getKey();
            if (cycle >= last || anyNeeded(cycle, needed)) {
                continue;
            }
            if (c.getValue().delete() || !c.getValue().exists()) {
                acquired.remove(cycle);
                deleted++;
            }
        }
        if (deleted > 0) {
            queue.refreshDirectoryListing();
        }
        return deleted;
    }

    private boolean anyNeeded(int cycle, Predicate<Event> needed) {
        try (ExcerptTailer t = queue.createTailer()) {
            if (!t.moveToCycle(cycle)) {
                return false;
            }
            while (true) {
                try (DocumentContext dc = t.readingDocument()) {
                    if (!dc.isPresent() || queue.rollCycle().toCycle(dc.index()) != cycle) {
                        return false;
                    }
                    Event e = dc.isData() ? EventCodec.read(dc.wire().bytes()) : null;
                    if (e != null && needed.test(e)) {
                        dc.rollbackOnClose();
                        return true;
                    }
                }
            }
        }
    }

    /**
     * Chronicle creates its files with the umask's mode: each cycle file is made rw------- when a
     * queue first acquires it (once per cycle, not per append), and remembered for {@link #trim}.
     */
    private record CycleFiles(Map<Integer, File> files) implements StoreFileListener {
        @Override
        public void onAcquired(int cycle, File file) {
            FileIo.makePrivate(file.toPath());
            files.put(cycle, file);
        }

        @Override
        public void onReleased(int cycle, File file) {
            // kept until trim deletes it
        }
    }

    /** Reads events in order; {@link #next} returns empty at the current end (call again later). */
    public static final class Reader implements AutoCloseable {
        private final ExcerptTailer tailer;

        private Reader(ExcerptTailer tailer) {
            this.tailer = tailer;
            shareable(tailer);
        }

        public Optional<Event> next() {
            while (true) {
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        return Optional.empty();
                    }
                    if (dc.isData()) {
                        Bytes<?> b = dc.wire().bytes();
                        return Optional.ofNullable(EventCodec.read(b));
                    }
                }
            }
        }

        @Override
        public void close() {
            tailer.close();
        }
    }
}
