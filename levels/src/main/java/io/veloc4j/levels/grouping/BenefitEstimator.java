package io.veloc4j.levels.grouping;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.Variable;
import io.veloc4j.levels.scratch.RankFile;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Pairwise benefit of compressing ranks together, estimated on sampled chunks of their rank files.
 *
 * <p>Each rank file contributes one sample: {@code samples} chunks of {@code sampleBytes} taken from
 * its variables' data (the header and the alignment padding are skipped), centred at the fractions
 * (k + ½) / samples of the data, so every rank file is sampled at the same relative positions and
 * β compares like with like. The benefit of ranks i and j is what compressing their samples in one
 * zstd frame saves over compressing them apart, per sampled byte:
 * <pre>  β(i, j) = max(0, |z(s_i)| + |z(s_j)| − |z(s_i ‖ s_j)|) / (|s_i| + |s_j|)</pre>
 * Each pair is concatenated in one order fixed by the samples' content (not their indices), since
 * z(a ‖ b) and z(b ‖ a) differ by a few bytes; so identical ranks get identical rows of β.
 *
 * <p>Cost: n compressions of one sample and n(n−1)/2 of two. So that a node with many ranks does not
 * pay quadratically for full-size samples, {@link #sample} shrinks the chunks once the pairs would
 * exceed {@value #PAIR_BUDGET} bytes in all (never below {@value #MIN_CHUNK} bytes a chunk): with the
 * defaults, full 256 KiB samples up to 32 ranks, 64 KiB at 64 ranks, 16 KiB at 128.
 *
 * <p>Not thread-safe to share during one call; instances hold no state besides their parameters.
 */
public final class BenefitEstimator {

    /** Bytes of pair concatenations one {@link #estimate(List)} may compress (see above). */
    static final long PAIR_BUDGET = 256L << 20;
    /** Smallest chunk {@link #sample} shrinks to for many ranks. */
    static final int MIN_CHUNK = 1 << 10;
    /** Chunk starts are aligned to this, so elements of every type line up across rank files. */
    private static final int ALIGN = 8;

    private final int sampleBytes;
    private final int samples;
    private final int level;

    /**
     * @param sampleBytes bytes per sample chunk
     * @param samples     sample chunks per rank file
     * @param level       zstd level
     */
    public BenefitEstimator(int sampleBytes, int samples, int level) {
        if (sampleBytes < 1 || samples < 1) {
            throw new IllegalArgumentException("sample size " + sampleBytes + " × " + samples + " must be positive");
        }
        if ((long) sampleBytes * samples > Integer.MAX_VALUE / 4) {
            throw new IllegalArgumentException("samples of " + sampleBytes + " × " + samples + " bytes are too large");
        }
        if (level < Zstd.minCompressionLevel() || level > Zstd.maxCompressionLevel()) {
            throw new IllegalArgumentException("zstd level " + level + " is outside " + Zstd.minCompressionLevel()
                    + ".." + Zstd.maxCompressionLevel());
        }
        this.sampleBytes = sampleBytes;
        this.samples = samples;
        this.level = level;
    }

    /**
     * 4 chunks of 64 KiB per rank file, zstd level 1. On 32 ranks × 1 MiB of float64 in four
     * families (ClusterFamiliesTest) 4 × 4 KiB already finds the families that share data; 64 KiB
     * chunks leave margin for data whose sharing is sparser, at 0.25–0.5 s for 32 ranks of float64
     * on one core (0.05–0.2 s for the near-constant synthetic set), timed on a loaded 2-core machine. Level 3 found the same groups at about 1.5× the time; zstd's long-distance mode
     * added nothing at 64 KiB chunks (a pair is 512 KiB, inside level 1's window).
     */
    public static BenefitEstimator defaults() {
        return new BenefitEstimator(64 << 10, 4, 1);
    }

    public int sampleBytes() {
        return sampleBytes;
    }

    public int samples() {
        return samples;
    }

    public int level() {
        return level;
    }

    /** Samples the rank files and estimates their pairwise benefit. */
    public double[][] estimate(List<Path> rankFiles) throws LevelException {
        return estimateSamples(sample(rankFiles));
    }

    /**
     * β over given samples: symmetric, diagonal 0, every entry ≥ 0 (a pair that compresses worse
     * together than apart gains nothing). Not an overload of {@link #estimate(List)}: a
     * {@code List<byte[]>} and a {@code List<Path>} parameter erase to the same signature.
     */
    public double[][] estimateSamples(List<byte[]> samples) {
        Objects.requireNonNull(samples, "samples");
        int n = samples.size();
        double[][] beta = new double[n][n];
        if (n < 2) {
            return beta;
        }
        int longest = 0;
        for (int i = 0; i < n; i++) {
            longest = Math.max(longest, Objects.requireNonNull(samples.get(i), "sample " + i).length);
        }
        byte[] pair = new byte[2 * longest];
        byte[] out = new byte[(int) Zstd.compressBound(2L * longest)];
        try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
            ctx.setLevel(level);
            long[] alone = new long[n];
            for (int i = 0; i < n; i++) {
                byte[] s = samples.get(i);
                alone[i] = compressed(ctx, s, s.length, out);
            }
            // z(a ‖ b) depends a little on the order (zeros then a pattern is not a pattern then zeros):
            // compress every pair in one canonical order, by content, so that β(i, ·) and β(j, ·) of
            // identical samples are identical, whatever their indices
            int[] order = canonicalOrder(samples, alone);
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    byte[] a = samples.get(order[i] <= order[j] ? i : j);
                    byte[] b = samples.get(order[i] <= order[j] ? j : i);
                    long raw = (long) a.length + b.length;
                    if (raw == 0) {
                        continue;
                    }
                    System.arraycopy(a, 0, pair, 0, a.length);
                    System.arraycopy(b, 0, pair, a.length, b.length);
                    long together = compressed(ctx, pair, a.length + b.length, out);
                    double v = Math.max(0L, alone[i] + alone[j] - together) / (double) raw;
                    beta[i][j] = v;
                    beta[j][i] = v;
                }
            }
        }
        return beta;
    }

    /** Position of each sample when sorted by compressed size, then length, then bytes; equal samples tie. */
    private static int[] canonicalOrder(List<byte[]> samples, long[] alone) {
        int n = samples.size();
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        Comparator<Integer> byContent = Comparator.<Integer>comparingLong(i -> alone[i])
                .thenComparingInt(i -> samples.get(i).length)
                .thenComparing((x, y) -> Arrays.compare(samples.get(x), samples.get(y)));
        Arrays.sort(idx, byContent);
        int[] pos = new int[n];
        for (int r = 0; r < n; r++) {
            pos[idx[r]] = r > 0 && byContent.compare(idx[r - 1], idx[r]) == 0 ? pos[idx[r - 1]] : r;
        }
        return pos;
    }

    private static long compressed(ZstdCompressCtx ctx, byte[] src, int length, byte[] out) {
        return ctx.compressByteArray(out, 0, out.length, src, 0, length);
    }

    /**
     * One sample per rank file: the chunks at the same fractions of every file's data, concatenated.
     * A file with no more data than the sample takes all of it.
     */
    public List<byte[]> sample(List<Path> rankFiles) throws LevelException {
        Objects.requireNonNull(rankFiles, "rankFiles");
        int chunk = chunkBytes(rankFiles.size());
        List<byte[]> out = new ArrayList<>(rankFiles.size());
        for (Path p : rankFiles) {
            out.add(sampleFile(p, chunk));
        }
        return out;
    }

    /** The chunk size for n ranks: the configured one, shrunk so the pairs fit {@link #PAIR_BUDGET}. */
    int chunkBytes(int n) {
        if (n < 2) {
            return sampleBytes;
        }
        // n(n-1)/2 pairs of two samples of `samples` chunks each
        long perChunk = PAIR_BUDGET / ((long) n * (n - 1) * samples);
        return (int) Math.min(sampleBytes, Math.max(Math.min(MIN_CHUNK, sampleBytes), perChunk));
    }

    private byte[] sampleFile(Path path, int chunk) throws LevelException {
        List<Variable> vars;
        try (RankFile rf = RankFile.open(path)) {
            vars = new ArrayList<>(rf.variables());
        }
        vars.removeIf(v -> v.length() == 0);
        vars.sort(Comparator.comparingLong(Variable::offset));
        long data = 0;
        for (Variable v : vars) {
            data += v.length();
        }
        long want = (long) chunk * samples;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            if (data <= want) {
                byte[] all = new byte[(int) data];
                read(ch, vars, 0, all, 0, all.length, path);
                return all;
            }
            byte[] s = new byte[(int) want];
            for (int k = 0; k < samples; k++) {
                // centred at (k + 1/2) / samples of the data; data > want, so chunks do not overlap
                long centre = (long) ((k + 0.5) / samples * data);
                long start = Math.max(0, Math.min(data - chunk, centre - chunk / 2));
                start -= start % ALIGN;
                read(ch, vars, start, s, k * chunk, chunk, path);
            }
            return s;
        } catch (IOException e) {
            throw new LevelException("cannot sample rank file " + path + ": " + e, e);
        }
    }

    /** Reads {@code length} bytes at {@code pos} of the variables' data, laid end to end, into dst. */
    private static void read(FileChannel ch, List<Variable> vars, long pos, byte[] dst, int off, int length, Path path)
            throws IOException, LevelException {
        long base = 0;
        int done = 0;
        for (Variable v : vars) {
            if (done == length) {
                break;
            }
            long end = base + v.length();
            long at = pos + done;
            if (at < end) {
                long inVar = at - base;
                int n = (int) Math.min(length - done, v.length() - inVar);
                ByteBuffer b = ByteBuffer.wrap(dst, off + done, n);
                long filePos = v.offset() + inVar;
                while (b.hasRemaining()) {
                    if (ch.read(b, filePos + (b.position() - off - done)) < 0) {
                        throw new LevelException("rank file " + path + " is truncated in variable '" + v.name() + "'");
                    }
                }
                done += n;
            }
            base = end;
        }
        if (done != length) {
            throw new LevelException("rank file " + path + ": sample runs past the variables' data");
        }
    }
}
