package io.veloc4j.levels.erasure;

import io.veloc4j.levels.FileIo;
import io.veloc4j.levels.LevelException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The parity holder's side of encoding: XORs the k contributions of codeword c for parity j,
 * stripe by stripe in whatever order they arrive, writes each stripe as soon as its k
 * contributions are in, and at {@link #finish} writes the header (the set, every stripe CRC) and
 * makes the file visible: {@code parity-<set>-<c>.vpar} in the holder's version directory,
 * written to a temp name, fsynced, renamed, rw-------.
 *
 * <p>Memory is one stripe per stripe in progress, at most {@code maxOpenStripes}: the senders must
 * not run further ahead of each other (a window the engine's protocol keeps). Not thread-safe.
 */
public final class ParityAccumulator implements AutoCloseable {

    private final ErasureSet set;
    private final ErasureLayout layout;
    private final int codeword;
    private final int parityIndex;
    private final int maxOpen;
    private final Path target;
    private final Path tmp;
    private final FileChannel channel;
    private final long headerLength;
    private final int[][] dataCrcs;
    private final int[] parityCrcs;
    private final boolean[] done;
    private final Map<Integer, Open> open = new HashMap<>();
    private final Deque<long[]> spare = new ArrayDeque<>();
    private final long[] incoming;
    private final ByteBuffer out;
    private int completed;
    private int prefix;
    private boolean finished;

    /** A stripe in progress: the XOR so far and who has contributed. */
    private static final class Open {
        final long[] sum;
        final boolean[] from;
        int count;

        Open(long[] sum, int k) {
            this.sum = sum;
            this.from = new boolean[k];
        }
    }

    private ParityAccumulator(ErasureSet set, int codeword, int parityIndex, int maxOpen, Path target, Path tmp,
                              FileChannel channel, long headerLength) {
        this.set = set;
        this.layout = set.layout();
        this.codeword = codeword;
        this.parityIndex = parityIndex;
        this.maxOpen = maxOpen;
        this.target = target;
        this.tmp = tmp;
        this.channel = channel;
        this.headerLength = headerLength;
        int stripes = layout.stripes();
        this.dataCrcs = new int[layout.dataSymbols()][stripes];
        this.parityCrcs = new int[stripes];
        this.done = new boolean[stripes];
        int stripe = (int) Math.min(layout.stripeSize(), Math.max(8, layout.pieceLength()));
        this.incoming = new long[Words.of(stripe)];
        this.out = ByteBuffer.allocate(stripe);
    }

    /**
     * Starts the parity file of codeword {@code codeword}, parity {@code parityIndex}, in the
     * holder's {@code versionDir} ({@code <scratch>/<name>/<version>}).
     *
     * @param maxOpenStripes stripes that may be in progress at once (≥ 1)
     */
    public static ParityAccumulator create(Path versionDir, ErasureSet set, int codeword, int parityIndex,
                                           int maxOpenStripes) throws LevelException {
        ErasureLayout layout = set.layout();
        layout.parityHolder(codeword, parityIndex); // checks both
        if (maxOpenStripes < 1) {
            throw new IllegalArgumentException("maxOpenStripes " + maxOpenStripes + " < 1");
        }
        long headerLength = ParityFormat.headerLength(set);
        if (headerLength > ParityFormat.MAX_HEADER) {
            throw new LevelException(set.describe() + ": a parity header would take " + headerLength + " bytes (more than "
                    + ParityFormat.MAX_HEADER + "): " + layout.stripes() + " stripes of " + set.stripeSize()
                    + " bytes; use larger stripes");
        }
        Path target = versionDir.resolve(ParityFile.fileName(set.setId(), codeword));
        Path tmp = versionDir.resolve(target.getFileName() + ".tmp");
        try {
            FileIo.createPrivateDirectories(versionDir);
            FileChannel ch = FileIo.createPrivate(tmp);
            return new ParityAccumulator(set, codeword, parityIndex, maxOpenStripes, target, tmp, ch, headerLength);
        } catch (IOException e) {
            throw failure("cannot create " + tmp, e, versionDir);
        }
    }

    public int codeword() {
        return codeword;
    }

    public int parityIndex() {
        return parityIndex;
    }

    /** Stripes with some but not all contributions. */
    public int openStripes() {
        return open.size();
    }

    /**
     * How many stripes from the first are written, with none missing in between: senders that stay
     * below this plus the window never overflow it.
     */
    public int completedPrefix() {
        while (prefix < done.length && done[prefix]) {
            prefix++;
        }
        return prefix;
    }

    /** Whether every stripe has all its contributions. */
    public boolean complete() {
        return completed == layout.stripes();
    }

    /**
     * Adds one contribution: {@code bytes} (its remaining bytes, {@code c.length()} of them) is
     * {@code C[j][s] · stripe} of data symbol s. A stripe is written once its k contributions
     * are in.
     */
    public void add(Contribution c, ByteBuffer bytes) throws LevelException {
        if (finished) {
            throw new IllegalStateException("the parity file " + target + " is finished");
        }
        int k = layout.dataSymbols();
        if (c.codeword() != codeword || c.dataSymbol() < 0 || c.dataSymbol() >= k || c.stripe() < 0
                || c.stripe() >= layout.stripes() || c.length() != layout.stripeLength(c.stripe())
                || bytes.remaining() != c.length()) {
            throw new LevelException(set.describe() + ": " + c + " with " + bytes.remaining() + " bytes is not a"
                    + " contribution to codeword " + codeword + " (" + k + " data symbols, " + layout.stripes() + " stripes)");
        }
        if (done[c.stripe()]) {
            throw new LevelException(set.describe() + ": stripe " + c.stripe() + " of codeword " + codeword
                    + " is complete; data symbol " + c.dataSymbol() + " contributed it twice");
        }
        Open o = open.get(c.stripe());
        if (o == null) {
            if (open.size() >= maxOpen) {
                throw new LevelException(set.describe() + ": stripe " + c.stripe() + " of codeword " + codeword
                        + " would be the " + (maxOpen + 1) + "th in progress; the senders must stay within " + maxOpen
                        + " stripes of each other");
            }
            long[] sum = spare.isEmpty() ? new long[incoming.length] : spare.pop();
            o = new Open(sum, k);
            open.put(c.stripe(), o);
        }
        if (o.from[c.dataSymbol()]) {
            throw new LevelException(set.describe() + ": data symbol " + c.dataSymbol() + " contributed stripe "
                    + c.stripe() + " of codeword " + codeword + " twice");
        }
        int nw = Words.of(c.length());
        if (o.count == 0) {
            Words.load(bytes, o.sum, nw);
        } else {
            Words.load(bytes, incoming, nw);
            GF256.xor(incoming, o.sum, 0, nw);
        }
        o.from[c.dataSymbol()] = true;
        o.count++;
        dataCrcs[c.dataSymbol()][c.stripe()] = c.dataCrc();
        if (o.count == k) {
            write(c.stripe(), o.sum, c.length());
            open.remove(c.stripe());
            spare.push(o.sum);
        }
    }

    private void write(int stripe, long[] sum, int length) throws LevelException {
        out.clear();
        Words.store(sum, length, out);
        out.flip();
        CRC32C crc = new CRC32C();
        crc.update(out.duplicate());
        parityCrcs[stripe] = (int) crc.getValue();
        try {
            FileIo.writeFully(channel, out, headerLength + (long) stripe * layout.stripeSize());
        } catch (IOException e) {
            throw failure("cannot write " + tmp, e, tmp.getParent());
        }
        done[stripe] = true;
        completed++;
    }

    /**
     * Writes the header, fsyncs, and renames the file into place (replacing an older one).
     *
     * @throws LevelException if a stripe is missing contributions, or on an I/O error (the temp
     *                        file is removed)
     */
    public ParityFileInfo finish() throws LevelException {
        if (!complete()) {
            List<Integer> missing = new ArrayList<>();
            for (int t = 0; t < done.length && missing.size() < 8; t++) {
                if (!done[t]) {
                    missing.add(t);
                }
            }
            throw new LevelException(set.describe() + ": parity " + parityIndex + " of codeword " + codeword + " lacks "
                    + (layout.stripes() - completed) + " stripes (first " + missing + ")");
        }
        List<StripeCrcs> data = new ArrayList<>(dataCrcs.length);
        for (int[] d : dataCrcs) {
            data.add(StripeCrcs.wrap(d));
        }
        ParityHeader header = new ParityHeader(set, codeword, parityIndex, data, StripeCrcs.wrap(parityCrcs));
        ByteBuffer h = ParityFormat.encode(header);
        int headerCrc = h.getInt(12);
        long length = headerLength + layout.pieceLength();
        try {
            FileIo.writeFully(channel, h, 0);
            if (channel.size() < length) {
                channel.write(ByteBuffer.allocate(1), length - 1); // an empty piece: the file still ends at its length
            }
            channel.force(true);
            channel.close();
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            FileIo.syncDir(target.getParent());
        } catch (AtomicMoveNotSupportedException e) {
            FileIo.deleteQuietly(tmp);
            throw new LevelException("cannot rename " + tmp + " to " + target + ": the file system cannot rename atomically", e);
        } catch (IOException e) {
            FileIo.closeQuietly(channel);
            FileIo.deleteQuietly(tmp);
            throw failure("cannot write " + target, e, target.getParent());
        }
        finished = true;
        return new ParityFileInfo(target, length, headerCrc);
    }

    /** Drops an unfinished file (its temp name); a finished one stays. */
    @Override
    public void close() {
        if (!finished) {
            finished = true;
            FileIo.closeQuietly(channel);
            FileIo.deleteQuietly(tmp);
            Arrays.fill(done, false);
        }
    }

    private static LevelException failure(String what, IOException e, Path dir) {
        if (FileIo.isOutOfSpace(e)) {
            return new LevelException(what + ": the file system of " + dir + " is full (" + e.getMessage()
                    + "); free space there (the rank files are untouched)", e);
        }
        return new LevelException(what + ": " + e, e);
    }
}
