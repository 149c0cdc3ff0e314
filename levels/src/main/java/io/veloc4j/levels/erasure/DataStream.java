package io.veloc4j.levels.erasure;

import io.veloc4j.levels.FileIo;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.scratch.RankFile;
import io.veloc4j.levels.scratch.ScratchLevel;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A member's data stream: its rank files of one version, {@code <dir>/rank-<r>.vck}, one after
 * another in rank order, read in place (the data symbols are the rank files themselves: no second
 * copy). Not thread-safe.
 */
public final class DataStream implements AutoCloseable {

    private final List<RankFile> files;
    private final List<RankEntry> entries;
    /** starts[i]: where file i begins in the stream; starts[size] = the stream's length. */
    private final long[] starts;

    private DataStream(List<RankFile> files) {
        this.files = List.copyOf(files);
        this.entries = files.stream().map(f -> new RankEntry(f.rank(), f.length(), f.headerCrc())).toList();
        this.starts = new long[files.size() + 1];
        for (int i = 0; i < files.size(); i++) {
            starts[i + 1] = starts[i] + files.get(i).length();
        }
    }

    /**
     * The stream of {@code ranks} (any order; the stream is in rank order) in {@code versionDir}:
     * what the encoding member reads. Each file's header must name checkpoint {@code name} v
     * {@code version} and its rank.
     */
    public static DataStream open(Path versionDir, String name, int version, int[] ranks) throws LevelException {
        int[] sorted = ranks.clone();
        Arrays.sort(sorted);
        List<RankFile> files = new ArrayList<>();
        try {
            for (int r : sorted) {
                RankFile f = RankFile.open(versionDir.resolve(ScratchLevel.fileName(r)));
                files.add(f);
                if (!f.name().equals(name) || f.version() != version || f.rank() != r) {
                    throw new LevelException("rank file " + f.path() + " holds '" + f.name() + "' v" + f.version()
                            + " of rank " + f.rank() + ", not '" + name + "' v" + version + " of rank " + r);
                }
            }
        } catch (LevelException | RuntimeException e) {
            files.forEach(FileIo::closeQuietly);
            throw e;
        }
        return new DataStream(files);
    }

    /**
     * The stream of member {@code member} of {@code set} in {@code versionDir}, for a rebuild:
     * every rank file must be the one the parity recorded (rank, length, header CRC, name, version).
     */
    public static DataStream open(Path versionDir, ErasureSet set, int member) throws LevelException {
        Member m = set.member(member);
        int[] ranks = m.ranks().stream().mapToInt(RankEntry::rank).toArray();
        DataStream s = open(versionDir, set.name(), set.version(), ranks);
        if (!s.entries.equals(m.ranks())) {
            s.close();
            throw new LevelException("the rank files of node " + m.node() + " in " + versionDir + " are " + s.entries
                    + ", not the ones " + set.describe() + " protects (" + m.ranks() + ")");
        }
        return s;
    }

    /** Its rank files: rank, length, header CRC, in rank order. */
    public List<RankEntry> ranks() {
        return entries;
    }

    public long length() {
        return starts[files.size()];
    }

    /** Fills {@code dst} with the stream's bytes from {@code offset}; offset + dst.remaining() ≤ length. */
    public void read(long offset, ByteBuffer dst) throws LevelException {
        if (!dst.hasRemaining()) {
            return;
        }
        if (offset < 0 || offset > length() - dst.remaining()) {
            throw new IllegalArgumentException("bytes [" + offset + ", " + (offset + dst.remaining())
                    + ") of a data stream of " + length());
        }
        int i = Arrays.binarySearch(starts, offset);
        i = i >= 0 ? i : -i - 2;
        long at = offset;
        while (dst.hasRemaining()) {
            while (starts[i + 1] <= at) {
                i++; // an empty file, or the end of the previous one
            }
            int n = (int) Math.min(dst.remaining(), starts[i + 1] - at);
            ByteBuffer part = dst.duplicate();
            part.limit(part.position() + n);
            files.get(i).readBytes(at - starts[i], part);
            dst.position(dst.position() + n);
            at += n;
        }
    }

    @Override
    public void close() {
        files.forEach(FileIo::closeQuietly);
    }
}
