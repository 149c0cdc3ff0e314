package io.veloc4j.levels.scratch;

import io.veloc4j.levels.LevelException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the rank files that appear on a node's scratch ({@code <root>/<name>/<version>/rank-<r>.vck}).
 * The final rename of a rank file is the record that a rank's checkpoint is complete, so nothing
 * can be lost between the file and a separate record of it, whichever process wrote it.
 *
 * <p>A poll lists the root and each checkpoint's directory, and lists a version directory again
 * only when its modification time changed or is still within {@link #SETTLE_MILLIS} of now: file
 * systems stamp directories with a coarse clock, so two renames within one tick leave the time
 * unchanged, but never for a whole second. A file is read (its header only) when it is new or was
 * replaced (a new inode). Not thread-safe: one scanning thread.
 *
 * <p>{@link #awaitChange} waits for a change in the directories the last poll listed
 * ({@link ScratchWatch}), so a scanning loop need not poll while nothing happens; {@link #close}
 * stops watching.
 */
public final class ScratchScan implements AutoCloseable {

    static final long SETTLE_MILLIS = 1_000;
    private static final Logger LOG = LoggerFactory.getLogger(ScratchScan.class);
    private static final String SUFFIX = ".vck";

    private record Seen(Object key, long mtime, long size) {
    }

    private static final class VersionDir {
        long mtime = Long.MIN_VALUE;
        final Map<Path, Seen> files = new HashMap<>();
    }

    private final Path root;
    private final Map<Path, VersionDir> versions = new HashMap<>();
    private final Set<Path> reported = new HashSet<>();
    /** Created by the first {@link #awaitChange}: a one-off scan watches nothing. */
    private ScratchWatch watch;

    public ScratchScan(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /**
     * Rank files that appeared, or were replaced, since the last poll, oldest first (by modification
     * time, then version): the engine flushes in the order the ranks wrote. The first poll returns
     * every one.
     */
    public List<ScratchEntry> poll() {
        List<Found> found = new ArrayList<>();
        Set<Path> present = new HashSet<>();
        long now = System.currentTimeMillis();
        Set<Path> watched = new HashSet<>();
        if (watch != null) {
            // before listing: an entry created between the listing and the registration is not missed
            watch.watch(root);
            watched.add(root);
        }
        for (Path nameDir : list(root, true)) {
            if (watch != null) {
                watch.watch(nameDir);
                watched.add(nameDir);
            }
            for (Path versionDir : list(nameDir, true)) {
                if (ScratchLevel.parseVersion(versionDir.getFileName().toString()) == null) {
                    continue;
                }
                present.add(versionDir);
                if (watch != null) {
                    watch.watch(versionDir);
                    watched.add(versionDir);
                }
                scanVersion(versionDir, now, found);
            }
        }
        versions.keySet().retainAll(present);
        if (watch != null) {
            watch.retain(watched);
        }
        found.sort(Comparator.comparingLong(Found::mtime).thenComparingInt(f -> f.entry().version())
                .thenComparingInt(f -> f.entry().rank()));
        return found.stream().map(Found::entry).toList();
    }

    private record Found(ScratchEntry entry, long mtime) {
    }

    /**
     * Waits up to {@code timeoutMillis} for a rank file to appear or go in what the last poll
     * listed (or a checkpoint or version directory to be created); true if something changed and
     * a poll is worth it. The first call starts watching and returns true: the next poll registers
     * the directories it lists.
     */
    public boolean awaitChange(long timeoutMillis) throws InterruptedException {
        if (watch == null) {
            watch = ScratchWatch.open();
            return true;
        }
        return watch.await(timeoutMillis);
    }

    @Override
    public void close() {
        if (watch != null) {
            watch.close();
        }
    }

    private void scanVersion(Path dir, long now, List<Found> found) {
        long mtime;
        try {
            mtime = Files.getLastModifiedTime(dir).toMillis();
        } catch (IOException e) {
            return; // pruned meanwhile
        }
        VersionDir state = versions.computeIfAbsent(dir, d -> new VersionDir());
        if (mtime == state.mtime && now - mtime > SETTLE_MILLIS) {
            return;
        }
        state.mtime = mtime;
        Set<Path> present = new HashSet<>();
        for (Path file : list(dir, false)) {
            String f = file.getFileName().toString();
            if (!f.startsWith("rank-") || !f.endsWith(SUFFIX)) {
                continue; // temp files, restore staging
            }
            present.add(file);
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(file, BasicFileAttributes.class);
            } catch (IOException e) {
                continue;
            }
            Seen seen = new Seen(a.fileKey(), a.lastModifiedTime().toMillis(), a.size());
            if (seen.equals(state.files.get(file))) {
                continue;
            }
            state.files.put(file, seen);
            ScratchEntry e = read(file);
            if (e != null) {
                found.add(new Found(e, seen.mtime()));
            }
        }
        state.files.keySet().retainAll(present);
    }

    /** The header of a rank file; null (reported once) if it cannot be read: the flush of its group reports it. */
    private ScratchEntry read(Path file) {
        try (RankFile f = RankFile.open(file)) {
            reported.remove(file);
            return new ScratchEntry(f.name(), f.version(), f.rank(), f.jobSize(), f.session(), file, f.length(),
                    f.headerCrc());
        } catch (LevelException e) {
            if (reported.add(file)) {
                LOG.warn("scratch: cannot read {}: {}; its rank's checkpoint is not flushed", file, e.getMessage());
            }
            return null;
        }
    }

    private static List<Path> list(Path dir, boolean directories) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.startsWith(".")) {
                    continue; // .veloc4j (journal)
                }
                if (!directories || Files.isDirectory(p)) {
                    out.add(p);
                }
            }
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            LOG.debug("scratch: cannot list {}: {}", dir, e.toString());
        }
        return out;
    }

    /**
     * The oldest version of each checkpoint name with a rank file on scratch at the last poll. A
     * rank deletes a version's file only after it has heard how its flush ended, so the node's
     * journal records of older versions have been read by every rank that will ever read them.
     */
    public Map<String, Integer> oldestVersions() {
        Map<String, Integer> out = new HashMap<>();
        for (Map.Entry<Path, VersionDir> e : versions.entrySet()) {
            if (!e.getValue().files.isEmpty()) {
                Path dir = e.getKey();
                Integer v = ScratchLevel.parseVersion(dir.getFileName().toString());
                out.merge(dir.getParent().getFileName().toString(), v, Math::min);
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "ScratchScan[" + root + ", " + versions.size() + " version directories]";
    }
}
