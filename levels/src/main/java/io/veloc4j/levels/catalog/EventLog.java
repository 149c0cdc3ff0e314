package io.veloc4j.levels.catalog;

import io.veloc4j.levels.FileIo;
import io.veloc4j.levels.LevelException;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.io.SingleThreadedChecked;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.StoreFileListener;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * An append-only, durable, multi-process log of {@link Event}s on a Chronicle Queue: ranks of
 * several JVMs append to it, engines and clients tail it. Appends are serialised here because a
 * Chronicle appender belongs to one thread at a time.
 */
public final class EventLog implements AutoCloseable {

    private final Path dir;
    private final ChronicleQueue queue;
    private final ExcerptAppender appender;

    private EventLog(Path dir, ChronicleQueue queue) {
        this.dir = dir;
        this.queue = queue;
        this.appender = queue.createAppender();
        shareable(appender);
    }

    /** We serialise access ourselves (appends under a lock; a reader handed from thread to thread). */
    private static void shareable(Object component) {
        if (component instanceof SingleThreadedChecked c) {
            c.singleThreadedCheckDisabled(true);
        }
    }

    public static EventLog open(Path dir) throws LevelException {
        try {
            FileIo.createPrivateDirectories(dir);
            ChronicleQueue queue = SingleChronicleQueueBuilder.single(dir.toString())
                    .storeFileListener(new PrivateFiles()).build();
            try (Stream<Path> files = Files.list(dir)) {
                files.forEach(FileIo::makePrivate); // the metadata file, and files of older launches
            }
            return new EventLog(dir, queue);
        } catch (Exception e) {
            throw new LevelException("cannot open the event log (Chronicle Queue) at " + dir + ": " + e
                    + "; check that the directory is writable", e);
        }
    }

    public Path dir() {
        return dir;
    }

    public synchronized void append(Event e) {
        try (DocumentContext dc = appender.writingDocument()) {
            EventCodec.write(e, dc.wire().bytes());
        }
    }

    /** A reader from the start of the log; each reader belongs to one thread. */
    public Reader reader() {
        return new Reader(queue.createTailer());
    }

    /** Every event in the log, oldest first. */
    public List<Event> readAll() {
        try (Reader r = reader()) {
            List<Event> all = new ArrayList<>();
            for (Optional<Event> e = r.next(); e.isPresent(); e = r.next()) {
                all.add(e.get());
            }
            return all;
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            appender.close();
        }
        queue.close();
    }

    /**
     * Chronicle creates its files with the umask's mode: each cycle file is made rw------- when a
     * queue first acquires it (once per cycle, not per append).
     */
    private static final class PrivateFiles implements StoreFileListener {
        @Override
        public void onAcquired(int cycle, File file) {
            FileIo.makePrivate(file.toPath());
        }

        @Override
        public void onReleased(int cycle, File file) {
            // nothing to do
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
