package io.veloc4j.levels.scratch;

import io.veloc4j.levels.FileIo;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;

/**
 * One rank's rank files of pruned scratch versions, kept to be written again instead of being
 * deleted: on tmpfs a new file pays a page allocation per 4 KiB, an old file's pages are there
 * already, and through a mapping kept from its last write the copy runs at memory speed.
 *
 * <p>A kept file lives in {@code <scratch>/.veloc4j/recycle/<session>/}, a name the node's engine
 * never looks at, and goes back into a version directory only under the rank file's temp name;
 * the final rename is unchanged, so a rank file appears whole or not at all. At most
 * {@code capacity} files are kept (their pages are what recycling costs: one rank file per kept
 * file, beyond scratch_versions). The mappings of this rank's live rank files are remembered too,
 * and a mapping is only ever used for the file (device and inode) it maps. Thread-safe: the
 * application thread prunes while a staged checkpoint is written in the background.
 */
final class RecycledFiles implements AutoCloseable {

    /** A kept file, renamed to where it will be written: its length and mapping (null: none yet). */
    record Taken(Path path, long length, FileMapping mapping) {
    }

    private record Kept(Path path, long length, FileMapping mapping, FutureTask<Void> touched) {
    }

    private record Live(FileMapping mapping, long length) {
    }

    static final String DIR = "recycle";

    private final Path dir;
    private final String prefix;
    private final int capacity;
    private final Deque<Kept> kept = new ArrayDeque<>();
    private final Map<Path, Live> live = new HashMap<>();
    private ExecutorService toucher;
    private int serial;
    private volatile boolean closed;

    /** Files of rank {@code rank} under {@code <root>/.veloc4j/recycle/<session>}. */
    RecycledFiles(Path root, long session, int rank, int capacity) {
        this.dir = dir(root).resolve(Long.toHexString(session));
        this.prefix = "rank-" + rank + ".";
        this.capacity = capacity;
    }

    static Path dir(Path root) {
        return root.resolve(".veloc4j").resolve(DIR);
    }

    /**
     * Deletes what launches other than {@code session} kept under {@code root} (a killed launch
     * never deleted its kept files, and they hold memory on tmpfs). For the node's first rank at
     * init, before the ranks write.
     */
    static void deleteOtherLaunches(Path root, long session) {
        Path d = dir(root);
        String mine = Long.toHexString(session);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
            for (Path launch : ds) {
                if (launch.getFileName().toString().equals(mine)) {
                    continue;
                }
                try (DirectoryStream<Path> files = Files.newDirectoryStream(launch)) {
                    for (Path f : files) {
                        FileIo.deleteQuietly(f);
                    }
                } catch (IOException e) {
                    // gone already
                }
                FileIo.deleteQuietly(launch);
            }
        } catch (IOException e) {
            // no kept files
        }
    }

    /**
     * Renames a kept file to {@code to} (replacing what is there), once any background touch of
     * it is done; null when none is kept.
     */
    Taken take(Path to) throws IOException {
        Kept k;
        synchronized (this) {
            k = kept.pollFirst();
        }
        if (k == null) {
            return null;
        }
        k.touched().run(); // runs it here unless the toucher has started it
        finish(k.touched()); // a touch still running would write old bytes over the new ones
        try {
            Files.move(k.path(), to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (NoSuchFileException e) {
            release(k.mapping());
            return null; // someone removed it (a relaunch cleaning up): write a new file
        }
        return new Taken(to, k.length(), k.mapping());
    }

    /** After {@code file} was written (through {@code mapping}, or null), {@code length} bytes long. */
    synchronized void written(Path file, FileMapping mapping, long length) {
        Live old = live.put(file, new Live(mapping, length));
        if (old != null && old.mapping() != mapping) {
            release(old.mapping());
        }
    }

    /**
     * Instead of deleting rank file {@code file} of this rank: keeps it if there is room.
     * Returns false when it was not kept (the caller deletes it).
     */
    boolean keep(Path file) {
        Live l;
        synchronized (this) {
            l = live.remove(file);
            if (closed || kept.size() >= capacity) {
                if (l != null) {
                    release(l.mapping());
                }
                return false;
            }
        }
        FileMapping m = l == null ? null : l.mapping();
        Path to = null;
        try {
            FileIo.createPrivateDirectories(dir);
            long length = Files.size(file);
            Object key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
            if (m != null && (key == null || !key.equals(m.fileKey()) || m.capacity() < length)) {
                release(m); // the path holds another file now (a restore replaced it)
                m = null;
            }
            boolean cold = m == null;
            if (cold && key != null && length > 0) {
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    m = FileMapping.map(ch, length, key);
                }
            }
            synchronized (this) {
                to = dir.resolve(prefix + (serial++) + ".free");
            }
            Files.move(file, to, StandardCopyOption.ATOMIC_MOVE);
            FileMapping mapping = m;
            long len = length;
            // a fresh mapping faults once per page at its first copy: touch it in the background instead
            FutureTask<Void> touch = new FutureTask<>(() -> {
                if (cold && mapping != null) {
                    mapping.touch(len, () -> closed);
                }
                return null;
            });
            synchronized (this) {
                if (closed || kept.size() >= capacity) {
                    release(mapping);
                    FileIo.deleteQuietly(to);
                    return true; // gone as if deleted
                }
                kept.addLast(new Kept(to, length, mapping, touch));
                if (cold && mapping != null) {
                    toucher().execute(touch);
                }
            }
            return true;
        } catch (IOException | RuntimeException e) {
            release(m);
            if (to != null) {
                FileIo.deleteQuietly(to);
            }
            return false;
        }
    }

    /** Drops what is remembered of {@code file} (deleted or replaced by someone else). */
    synchronized void forget(Path file) {
        Live l = live.remove(file);
        if (l != null) {
            release(l.mapping());
        }
    }

    /** Files kept now (for tests and the memory a rank holds). */
    synchronized int keptCount() {
        return kept.size();
    }

    /** Bytes of the files kept now. */
    synchronized long keptBytes() {
        return kept.stream().mapToLong(Kept::length).sum();
    }

    /** Waits until {@code task} has run, whatever interrupts come (an interrupt is kept for the caller). */
    private static void finish(FutureTask<Void> task) {
        boolean interrupted = false;
        while (true) {
            try {
                task.get();
                break;
            } catch (ExecutionException e) {
                break; // failed: over all the same (an untouched mapping still works, its first copy faults)
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private ExecutorService toucher() {
        if (toucher == null) {
            toucher = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "veloc4j-scratch-recycle");
                t.setDaemon(true);
                return t;
            });
        }
        return toucher;
    }

    private static void release(FileMapping m) {
        if (m != null) {
            m.release();
        }
    }

    /** Deletes the kept files and unmaps every mapping. */
    @Override
    public void close() {
        Deque<Kept> k;
        Map<Path, Live> l;
        ExecutorService t;
        synchronized (this) {
            closed = true;
            k = new ArrayDeque<>(kept);
            kept.clear();
            l = new HashMap<>(live);
            live.clear();
            t = toucher;
            toucher = null;
        }
        for (Kept f : k) {
            // a touch not started returns at once (closed); one running stops at its next check:
            // either way it is over before its mapping goes
            f.touched().run();
            finish(f.touched());
            release(f.mapping());
            FileIo.deleteQuietly(f.path());
        }
        if (t != null) {
            t.shutdown();
        }
        l.values().forEach(v -> release(v.mapping()));
        FileIo.deleteQuietly(dir);
    }
}
