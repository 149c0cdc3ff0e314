package io.veloc4j.levels.scratch;

import io.veloc4j.levels.Level;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.RankCheckpoint;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Node-local scratch as seen by one rank: {@code <root>/<name>/<version>/rank-<r>.vck}. The level
 * the application thread writes to; the nearest one at restart.
 *
 * <p>With recycling on ({@code scratch_recycle}), a pruned version's rank file is kept (one at a
 * time) and written again by the next checkpoint instead of being deleted ({@link RecycledFiles}).
 * With in-memory staging ({@code staging_budget}), {@link #stage} lays a checkpoint out in an
 * off-heap buffer and {@link #writeInBackground} writes it to scratch on this
 * level's background thread.
 */
public final class ScratchLevel implements Level, AutoCloseable {

    public static final String NAME = "scratch";

    private final Path root;
    private final int rank;
    private final int jobSize;
    private final boolean checksum;
    private final boolean fsync;
    private final long session;
    private final RankFileWriter writer;
    private final RecycledFiles recycled;
    /** Writes staged checkpoints; created at the first. */
    private java.util.concurrent.ExecutorService background;

    public ScratchLevel(Path root, int rank, int jobSize, boolean checksum, boolean fsync) {
        this(root, rank, jobSize, checksum, fsync, 0);
    }

    /** @param session the launch writing: recorded in every rank file this level writes */
    public ScratchLevel(Path root, int rank, int jobSize, boolean checksum, boolean fsync, long session) {
        this(root, rank, jobSize, checksum, fsync, session, false);
    }

    /** @param recycle keep a pruned version's rank file to write the next checkpoint into (scratch_recycle) */
    public ScratchLevel(Path root, int rank, int jobSize, boolean checksum, boolean fsync, long session, boolean recycle) {
        this.session = session;
        this.root = root;
        this.rank = rank;
        this.jobSize = jobSize;
        this.checksum = checksum;
        this.fsync = fsync;
        this.recycled = recycle ? new RecycledFiles(root, session, rank, 1) : null;
        this.writer = new RankFileWriter(4 << 20, recycled);
    }

    /**
     * Deletes the rank files that launches other than {@code session} kept for recycling under
     * {@code root}: a killed launch could not. For the node's first rank at init.
     */
    public static void deleteKeptFilesOfOtherLaunches(Path root, long session) {
        RecycledFiles.deleteOtherLaunches(root, session);
    }

    @Override
    public String name() {
        return NAME;
    }

    public Path root() {
        return root;
    }

    public Path versionDir(String name, int version) {
        return root.resolve(name).resolve(Integer.toString(version));
    }

    public Path rankFile(String name, int version) {
        return versionDir(name, version).resolve(fileName(rank));
    }

    public static String fileName(int rank) {
        return "rank-" + rank + ".vck";
    }

    /** Direct memory this rank's write buffer holds (sized to its largest variable, at most 4 MiB). */
    public int bufferBytes() {
        return writer.bufferBytes();
    }

    /** Off-heap memory this rank's staging buffer holds (the largest checkpoint staged; 0 without staging). */
    public long stagingBytes() {
        return writer.stagingBytes();
    }

    /** Scratch bytes held by rank files kept for recycling (0 or one rank file). */
    public long keptBytes() {
        return recycled == null ? 0 : recycled.keptBytes();
    }

    /**
     * Lays this rank's checkpoint out in the staging buffer; null when it would take more than
     * {@code budget} bytes (write it with {@link #write}). The previous staged checkpoint must be
     * written ({@link #writeInBackground}'s future done) first: there is one buffer.
     */
    public RankFileWriter.Image stage(String name, int version, List<RankFileWriter.Entry> entries, long budget)
            throws LevelException {
        return writer.stage(name, version, rank, jobSize, session, entries, checksum, budget);
    }

    /**
     * Writes a staged checkpoint as this rank's file of its version, on this level's background
     * thread; the future completes with what was written (or the LevelException that stopped it).
     */
    public synchronized java.util.concurrent.CompletableFuture<RankFileInfo> writeInBackground(RankFileWriter.Image image) {
        if (background == null) {
            background = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "veloc4j-staging-r" + rank);
                t.setDaemon(true);
                return t;
            });
        }
        java.util.concurrent.CompletableFuture<RankFileInfo> done = new java.util.concurrent.CompletableFuture<>();
        background.execute(() -> {
            try {
                done.complete(writer.writeImage(rankFile(image.name(), image.version()), image, fsync));
            } catch (LevelException | RuntimeException | Error e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /**
     * Writes this rank's checkpoint under a name the node's engine does not look at
     * ({@code rank-<r>.vck.staged}): for a checkpoint phase that the application may still end
     * as failed. {@link #publish} makes it the rank file, {@link #discardStaged} drops it.
     */
    public RankFileInfo writeStaged(String name, int version, List<RankFileWriter.Entry> entries) throws LevelException {
        Path staged = stagedFile(name, version);
        return writer.write(staged, name, version, rank, jobSize, session, entries, checksum, fsync);
    }

    /** The staged copy becomes this rank's file of the version (an atomic rename: the record the engine finds). */
    public RankFileInfo publish(String name, int version, RankFileInfo staged) throws LevelException {
        Path target = rankFile(name, version);
        try {
            java.nio.file.Files.move(staged.path(), target, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            if (fsync) {
                io.veloc4j.levels.FileIo.syncDir(target.getParent());
            }
            return new RankFileInfo(target, staged.bytes(), staged.crc());
        } catch (IOException e) {
            throw new LevelException("cannot publish " + staged.path() + " as " + target + ": " + e, e);
        }
    }

    /** Drops a staged copy (the application ended its checkpoint phase as failed). */
    public void discardStaged(String name, int version) {
        io.veloc4j.levels.FileIo.deleteQuietly(stagedFile(name, version));
    }

    private Path stagedFile(String name, int version) {
        return versionDir(name, version).resolve(fileName(rank) + ".staged");
    }

    /** Writes this rank's checkpoint (the blocking part of checkpoint()). */
    public RankFileInfo write(String name, int version, List<RankFileWriter.Entry> entries) throws LevelException {
        return writer.write(rankFile(name, version), name, version, rank, jobSize, session, entries, checksum, fsync);
    }

    @Override
    public List<Integer> versions(String name) {
        List<Integer> out = new ArrayList<>();
        Path dir = root.resolve(name);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                Integer v = parseVersion(p.getFileName().toString());
                if (v != null && Files.isRegularFile(p.resolve(fileName(rank)))) {
                    out.add(v);
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            return List.of(); // an unreadable scratch holds nothing we can restore from
        }
        out.sort(Comparator.reverseOrder());
        return out;
    }

    @Override
    public boolean canRestore(String name, int version) {
        try (RankFile f = RankFile.open(rankFile(name, version))) {
            if (!f.name().equals(name) || f.version() != version || f.rank() != rank) {
                return false;
            }
            f.verify();
            return true;
        } catch (LevelException e) {
            return false;
        }
    }

    @Override
    public RankCheckpoint open(String name, int version) throws LevelException {
        RankFile f = RankFile.open(rankFile(name, version));
        if (!f.name().equals(name) || f.version() != version || f.rank() != rank) {
            f.close();
            throw new LevelException("rank file " + f.path() + " holds " + f.name() + " v" + f.version() + " of rank "
                    + f.rank() + ", not " + name + " v" + version + " of rank " + rank);
        }
        return f;
    }

    /**
     * Deletes this rank's copy of a version (with recycling on: keeps the file out of sight for the
     * next checkpoint to write into), and the version directory once no rank has a file in it.
     */
    public void delete(String name, int version) throws LevelException {
        Path dir = versionDir(name, version);
        Path file = dir.resolve(fileName(rank));
        try {
            if (recycled == null || !recycled.keep(file)) {
                Files.deleteIfExists(file);
                if (recycled != null) {
                    recycled.forget(file);
                }
            }
            Files.deleteIfExists(dir);
        } catch (DirectoryNotEmptyException e) {
            // other ranks' files are still there (the last one to go removes the directory), or
            // only the version's parity is left, which goes with the last rank file
            deleteIfOnlyParity(dir);
        } catch (IOException e) {
            throw new LevelException("cannot delete " + dir.resolve(fileName(rank)) + ": " + e, e);
        }
    }

    private static void deleteIfOnlyParity(Path dir) {
        List<Path> parity = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                String base = n.endsWith(".tmp") ? n.substring(0, n.length() - 4) : n;
                if (!io.veloc4j.levels.erasure.ParityFile.isParityFile(base)) {
                    return;
                }
                parity.add(p);
            }
        } catch (IOException e) {
            return;
        }
        parity.forEach(io.veloc4j.levels.FileIo::deleteQuietly);
        io.veloc4j.levels.FileIo.deleteQuietly(dir);
    }

    static Integer parseVersion(String s) {
        if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(Character::isDigit)) {
            return null;
        }
        long v = Long.parseLong(s);
        return v <= Integer.MAX_VALUE ? (int) v : null;
    }

    /**
     * Waits for a staged write in progress, then deletes the files kept for recycling and unmaps
     * their pages. The level can still read afterwards; it writes no more staged checkpoints.
     */
    @Override
    public void close() {
        java.util.concurrent.ExecutorService bg;
        synchronized (this) {
            bg = background;
            background = null;
        }
        if (bg != null) {
            bg.shutdown();
            boolean interrupted = false;
            while (true) {
                try {
                    if (bg.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES)) {
                        break;
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (recycled != null) {
            recycled.close();
        }
    }

    @Override
    public String toString() {
        return "ScratchLevel[" + root + ", rank " + rank + "]";
    }
}
