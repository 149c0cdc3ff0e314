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
 */
public final class ScratchLevel implements Level {

    public static final String NAME = "scratch";

    private final Path root;
    private final int rank;
    private final int jobSize;
    private final boolean checksum;
    private final boolean fsync;
    private final long session;
    private final RankFileWriter writer;

    public ScratchLevel(Path root, int rank, int jobSize, boolean checksum, boolean fsync) {
        this(root, rank, jobSize, checksum, fsync, 0);
    }

    /** @param session the launch writing: recorded in every rank file this level writes */
    public ScratchLevel(Path root, int rank, int jobSize, boolean checksum, boolean fsync, long session) {
        this.session = session;
        this.root = root;
        this.rank = rank;
        this.jobSize = jobSize;
        this.checksum = checksum;
        this.fsync = fsync;
        this.writer = new RankFileWriter(4 << 20);
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

    /** Deletes this rank's copy of a version, and the version directory once no rank has a file in it. */
    public void delete(String name, int version) throws LevelException {
        Path dir = versionDir(name, version);
        try {
            Files.deleteIfExists(dir.resolve(fileName(rank)));
            Files.deleteIfExists(dir);
        } catch (DirectoryNotEmptyException e) {
            // other ranks' files are still there; the last one to go removes the directory
        } catch (IOException e) {
            throw new LevelException("cannot delete " + dir.resolve(fileName(rank)) + ": " + e, e);
        }
    }

    static Integer parseVersion(String s) {
        if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(Character::isDigit)) {
            return null;
        }
        long v = Long.parseLong(s);
        return v <= Integer.MAX_VALUE ? (int) v : null;
    }

    @Override
    public String toString() {
        return "ScratchLevel[" + root + ", rank " + rank + "]";
    }
}
