package io.veloc4j.levels.erasure;

import io.veloc4j.levels.CorruptCheckpointException;
import io.veloc4j.levels.FileIo;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.scratch.RankFile;
import io.veloc4j.levels.scratch.RankFileInfo;
import io.veloc4j.levels.scratch.ScratchLevel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A lost member's data stream written back as its rank files: temp files
 * ({@code rank-<r>.vck.rebuild.tmp}, never taken for rank files) that become
 * {@code rank-<r>.vck} only once each one is the file the parity recorded (length, header CRC,
 * name, version, rank, every variable's CRC).
 */
final class RebuiltFiles implements AutoCloseable {

    private static final String SUFFIX = ".rebuild.tmp";

    private final ErasureSet set;
    private final Path dir;
    private final List<RankEntry> ranks;
    private final List<Path> temps = new ArrayList<>();
    private final List<FileChannel> channels = new ArrayList<>();
    private final long[] starts;
    private boolean committed;

    RebuiltFiles(ErasureSet set, int member, Path dir) throws LevelException {
        this.set = set;
        this.dir = dir;
        this.ranks = set.member(member).ranks();
        this.starts = new long[ranks.size() + 1];
        try {
            FileIo.createPrivateDirectories(dir);
            for (int i = 0; i < ranks.size(); i++) {
                Path tmp = dir.resolve(ScratchLevel.fileName(ranks.get(i).rank()) + SUFFIX);
                temps.add(tmp);
                channels.add(FileIo.createPrivate(tmp));
                starts[i + 1] = starts[i] + ranks.get(i).length();
            }
        } catch (IOException e) {
            close();
            throw new LevelException("cannot create the rebuilt rank files of " + set.describe() + " in " + dir + ": " + e
                    + (FileIo.isOutOfSpace(e) ? "; the file system is full" : ""), e);
        }
    }

    /** Writes {@code bytes} at {@code offset} of the data stream (spanning files as needed). */
    void write(long offset, ByteBuffer bytes) throws LevelException {
        long at = offset;
        int i = 0;
        while (bytes.hasRemaining()) {
            while (starts[i + 1] <= at) {
                i++;
            }
            int n = (int) Math.min(bytes.remaining(), starts[i + 1] - at);
            ByteBuffer part = bytes.duplicate();
            part.limit(part.position() + n);
            try {
                FileIo.writeFully(channels.get(i), part, at - starts[i]);
            } catch (IOException e) {
                throw new LevelException("cannot write " + temps.get(i) + ": " + e
                        + (FileIo.isOutOfSpace(e) ? "; the file system of " + dir + " is full" : ""), e);
            }
            bytes.position(bytes.position() + n);
            at += n;
        }
    }

    /** Checks every file and renames it into place; any mismatch leaves none of them behind. */
    List<RankFileInfo> commit(boolean fsync) throws LevelException {
        List<RankFileInfo> out = new ArrayList<>();
        try {
            for (int i = 0; i < ranks.size(); i++) {
                FileChannel ch = channels.get(i);
                if (fsync) {
                    ch.force(true);
                }
                ch.close();
                check(temps.get(i), ranks.get(i));
            }
            for (int i = 0; i < ranks.size(); i++) {
                Path target = dir.resolve(ScratchLevel.fileName(ranks.get(i).rank()));
                Files.move(temps.get(i), target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                out.add(new RankFileInfo(target, ranks.get(i).length(), ranks.get(i).headerCrc()));
            }
            if (fsync) {
                FileIo.syncDir(dir);
            }
            committed = true;
            return out;
        } catch (IOException e) {
            throw new LevelException("cannot write the rebuilt rank files of " + set.describe() + " in " + dir + ": " + e, e);
        } finally {
            if (!committed) {
                close();
            }
        }
    }

    private void check(Path tmp, RankEntry expected) throws LevelException {
        try (RankFile f = RankFile.open(tmp)) {
            if (f.length() != expected.length() || f.headerCrc() != expected.headerCrc() || f.rank() != expected.rank()
                    || !f.name().equals(set.name()) || f.version() != set.version()) {
                throw new CorruptCheckpointException("the rank file rebuilt as " + tmp + " is '" + f.name() + "' v"
                        + f.version() + " of rank " + f.rank() + ", " + f.length() + " bytes, header CRC "
                        + Integer.toHexString(f.headerCrc()) + ", not the one " + set.describe() + " recorded (rank "
                        + expected.rank() + ", " + expected.length() + " bytes, CRC " + Integer.toHexString(expected.headerCrc())
                        + ")");
            }
            f.verify();
        } catch (CorruptCheckpointException e) {
            throw new CorruptCheckpointException("rebuilding rank " + expected.rank() + " of " + set.describe()
                    + " gave a damaged file: " + e.getMessage());
        }
    }

    /** Removes the temp files (after a failure). */
    @Override
    public void close() {
        channels.forEach(FileIo::closeQuietly);
        if (!committed) {
            temps.forEach(FileIo::deleteQuietly);
        }
    }
}
