package io.veloc4j.levels.codec;

import io.veloc4j.levels.ElementType;

/** Builds codecs, and picks one per variable for {@code codec = auto}. */
public final class Codecs {

    /** Bytes of a variable {@link #choose} tries the candidates on, at most. */
    public static final int SAMPLE_BYTES = 64 << 10;
    /** A segment's sample is at least this long (or the whole segment): smaller ones mislead. */
    public static final int MIN_SAMPLE_BYTES = 16 << 10;

    /** A candidate must beat a cheaper one by more than this fraction to be chosen over it (on a sample). */
    public static final double NEAR_TIE = 0.02;
    /**
     * The same on whole chunks ({@link #chooseExact}): there the sizes are the stored sizes, and a
     * cheaper codec within half a percent keeps auto within 1 % of its best candidate.
     */
    public static final double EXACT_TIE = 0.005;

    private Codecs() {
    }

    /**
     * The codec of {@code kind} for elements of {@code type}.
     *
     * @param rowLength elements per row of the variable's trailing extent (product of its shape
     *                  without the first axis), used by 2-D predictors; 0 when unknown
     * @param level     zstd level
     * @throws IllegalArgumentException if {@code kind} does not apply to {@code type}
     */
    public static Codec of(CodecKind kind, ElementType type, int rowLength, int level) {
        return of(kind, type, rowLength, level, new ScratchPool(level));
    }

    static Codec of(CodecKind kind, ElementType type, int rowLength, int level, ScratchPool pool) {
        if (!kind.appliesTo(type)) {
            throw new IllegalArgumentException("codec " + kind.label() + " does not apply to " + type);
        }
        return switch (kind) {
            case ZSTD -> new ZstdCodec(type, level, pool);
            case SHUFFLE -> new ShuffleCodec(type, level, pool);
            case DELTA -> new DeltaCodec(type, level, pool);
            case XOR -> new XorCodec(type, level, pool);
            case FPC -> new FpcCodec(type, level, pool);
            case LORENZO -> new LorenzoCodec(type, Math.max(0, rowLength), level, LorenzoCodec.RANK_DIVISOR, pool);
        };
    }

    /**
     * Switches this JVM's codecs to their Vector API kernels now (they otherwise do so after
     * transforming {@value Simd#WARM_UP_AFTER_BYTES} bytes) and waits until they are compiled, at
     * most {@code timeoutMillis}: for benchmarks, which should not time the warm-up. Returns which
     * kernels run, e.g. "Vector API, 512-bit" or "scalar".
     */
    public static String warmUpKernels(long timeoutMillis) throws InterruptedException {
        boolean vector = Simd.awaitWarmUp(timeoutMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
        return vector ? Simd.describe() : "scalar";
    }

    /** What to use when {@code wanted} does not apply to {@code type}: shuffle if elements are wider than a byte, else zstd. */
    public static CodecKind resolve(CodecKind wanted, ElementType type) {
        if (wanted.appliesTo(type)) {
            return wanted;
        }
        return CodecKind.SHUFFLE.appliesTo(type) ? CodecKind.SHUFFLE : CodecKind.ZSTD;
    }

    /**
     * The kinds {@link #choose} tries for {@code type}, cheapest first. FPC is left out: on real
     * model output it never beat Lorenzo or XOR by the near-tie margin (see the measurements in the
     * package's test CodecProbe) and it is the slowest transform.
     */
    public static CodecKind[] candidates(ElementType type) {
        boolean floating = type == ElementType.FLOAT64 || type == ElementType.FLOAT32;
        if (floating) {
            return new CodecKind[] {CodecKind.ZSTD, CodecKind.SHUFFLE, CodecKind.XOR, CodecKind.LORENZO};
        }
        if (type.width() == 1) {
            return new CodecKind[] {CodecKind.ZSTD, CodecKind.DELTA, CodecKind.LORENZO};
        }
        return new CodecKind[] {CodecKind.ZSTD, CodecKind.SHUFFLE, CodecKind.DELTA, CodecKind.LORENZO};
    }

    /**
     * {@code codec = auto}: tries the candidate codecs for {@code type} on the sample and returns
     * the kind with the smallest output within the speed bound.
     */
    public static CodecKind choose(ElementType type, int rowLength, byte[] sample, int off, int len, int level) {
        return choose(type, rowLength, sample, off, len, level, null);
    }

    /**
     * {@link #choose}, also reporting each candidate's encoded size on the sample in
     * {@code sizes[kind.ordinal()]} (-1 for kinds not tried) when {@code sizes} is not null.
     */
    public static CodecKind choose(ElementType type, int rowLength, byte[] sample, int off, int len, int level, long[] sizes) {
        java.util.Objects.checkFromIndexSize(off, len, sample.length);
        int w = type.width();
        long[][] at = pieces(len - len % w, w, rowLength, SAMPLE_BYTES);
        int[][] pieces = new int[at.length][];
        for (int i = 0; i < at.length; i++) {
            pieces[i] = new int[] {off + (int) at[i][0], (int) at[i][1]};
        }
        ScratchPool pool = new ScratchPool(level); // one set of zstd contexts and buffers for all candidates
        return choose(type, sample, pieces, k -> of(k, type, rowLength, level, pool), null, sizes).kind();
    }

    /**
     * Bytes to sample of a variable of {@code length} bytes: proportional to it (an eighth), at
     * least {@link #MIN_SAMPLE_BYTES}, at most {@link #SAMPLE_BYTES}, never more than the variable.
     * Each candidate encodes the sample, so a larger share would cost more than the encoding itself.
     */
    public static int sampleBudget(long length) {
        long share = length / 8;
        return (int) Math.min(length, Math.min(SAMPLE_BYTES, Math.max(MIN_SAMPLE_BYTES, share)));
    }

    /**
     * What {@link #choose} decided.
     *
     * @param encodedLength when the sample was one piece and an output buffer was given: the length
     *                      of the chosen codec's encoding of it, left in that buffer; else -1
     */
    public record Choice(CodecKind kind, int encodedLength) {
    }

    /** Bytes an output buffer for {@link CodecCache#choose} must hold for a sample of {@code len} bytes. */
    public static int trialBound(int len) {
        return Math.max((int) com.github.luben.zstd.Zstd.compressBound(len),
                (int) Math.min(Integer.MAX_VALUE - 8, TransformCodec.OVERHEAD + com.github.luben.zstd.Zstd.compressBound(len)
                        + com.github.luben.zstd.Zstd.compressBound(len / 4 + 8)));
    }

    /**
     * The choice on {@code pieces} ({offset, length} in {@code sample}, whole elements): each
     * candidate encodes every piece, the smallest total wins unless a cheaper kind is within
     * {@link #NEAR_TIE}. With one piece and {@code keep} not null, the winner's encoding stays in
     * {@code keep}: when the sample is the whole chunk, the chunk need not be encoded again.
     */
    static Choice choose(ElementType type, byte[] sample, int[][] pieces, java.util.function.Function<CodecKind, Codec> codecs,
                         byte[] keep, long[] sizes) {
        if (sizes != null) {
            java.util.Arrays.fill(sizes, -1);
        }
        int w = type.width();
        long total = 0;
        int maxPiece = 0;
        for (int[] pc : pieces) {
            java.util.Objects.checkFromIndexSize(pc[0], pc[1], sample.length);
            total += pc[1] - pc[1] % w;
            maxPiece = Math.max(maxPiece, pc[1] - pc[1] % w);
        }
        if (total < 64L * w) {
            return new Choice(CodecKind.ZSTD, -1); // too small to tell; plain zstd is the cheapest
        }
        boolean keeping = keep != null && pieces.length == 1;
        if (keeping && keep.length < trialBound(maxPiece)) {
            throw new IllegalArgumentException("output buffer of " + keep.length + " bytes for a sample of " + maxPiece);
        }
        CodecKind[] kinds = candidates(type);
        long[] size = new long[kinds.length];
        byte[] out = new byte[trialBound(maxPiece)];
        int best = 0;
        int bestLength = -1;
        for (int k = 0; k < kinds.length; k++) {
            Codec c = codecs.apply(kinds[k]);
            int last = 0;
            for (int[] pc : pieces) {
                last = c.encode(sample, pc[0], pc[1] - pc[1] % w, out, 0);
                size[k] += last;
            }
            if (sizes != null) {
                sizes[kinds[k].ordinal()] = size[k];
            }
            if (k == 0 || size[k] < size[best] * (1 - NEAR_TIE)) {
                best = k;
                if (keeping) {
                    System.arraycopy(out, 0, keep, 0, last);
                    bestLength = last;
                }
            }
        }
        return new Choice(kinds[best], keeping && pieces[0][1] % w == 0 ? bestLength : -1);
    }

    /**
     * What {@link #chooseExact} decided: the kind, and its encoding of every chunk (buffers from
     * the caller's supply, each {@code lengths[i]} bytes).
     */
    public record Exact(CodecKind kind, byte[][] encoded, int[] lengths) {
    }

    /**
     * {@code codec = auto} on the chunks themselves: every candidate encodes every chunk
     * ({@code chunks[i][0, sizes[i])}, whole elements), the smallest total wins unless a cheaper
     * kind is within {@link #EXACT_TIE}, and the winner's encodings are returned, so nothing is
     * encoded twice. Exact where a sample can mislead (a chunk's frame overheads, the rank
     * transform's thresholds); for segments small enough that this costs no more than sampling.
     * Buffers come from {@code buffers} (at least the requested size) and losers' go back to
     * {@code recycle}.
     */
    public static Exact chooseExact(ElementType type, byte[][] chunks, int[] sizes, java.util.function.Function<CodecKind, Codec> codecs,
                                    java.util.function.IntFunction<byte[]> buffers, java.util.function.Consumer<byte[]> recycle) {
        CodecKind[] kinds = candidates(type);
        long total = 0;
        for (int sz : sizes) {
            total += sz;
        }
        if (total < 64L * type.width()) {
            kinds = new CodecKind[] {CodecKind.ZSTD}; // too small to tell; plain zstd is the cheapest
        }
        byte[][] best = null;
        int[] bestLen = null;
        long bestSize = Long.MAX_VALUE;
        CodecKind bestKind = null;
        for (int k = 0; k < kinds.length; k++) {
            Codec c = codecs.apply(kinds[k]);
            byte[][] enc = new byte[chunks.length][];
            int[] len = new int[chunks.length];
            long size = 0;
            for (int i = 0; i < chunks.length; i++) {
                enc[i] = buffers.apply(c.maxEncodedLength(sizes[i]));
                len[i] = c.encode(chunks[i], 0, sizes[i], enc[i], 0);
                size += len[i];
            }
            if (best == null || size < bestSize * (1 - EXACT_TIE)) {
                if (best != null) {
                    for (byte[] b : best) {
                        recycle.accept(b);
                    }
                }
                best = enc;
                bestLen = len;
                bestSize = size;
                bestKind = kinds[k];
            } else {
                for (byte[] b : enc) {
                    recycle.accept(b);
                }
            }
        }
        return new Exact(bestKind, best, bestLen);
    }

    /**
     * Where to sample: up to {@link #SAMPLE_BYTES} in a few pieces spread over the range, each long
     * enough to hold several rows when rows are short (so the 2-D predictor sees its neighbours).
     * Returns {offset, length} pairs relative to the range, in whole elements.
     */
    static int[][] pieces(int len, int width, int rowLength) {
        long[][] p = pieces(len, width, rowLength, SAMPLE_BYTES);
        int[][] out = new int[p.length][];
        for (int i = 0; i < p.length; i++) {
            out[i] = new int[] {(int) p[i][0], (int) p[i][1]};
        }
        return out;
    }

    /**
     * {@link #pieces(int, int, int)} for a range of any length and a sample of at most
     * {@code budget} bytes (the whole range if it is not longer).
     */
    public static long[][] pieces(long len, int width, int rowLength, int budget) {
        if (len <= budget) {
            return new long[][] {{0, len}};
        }
        long rowBytes = (long) Math.max(1, rowLength) * width;
        int count;
        if (rowBytes * 4 <= budget / 4) {
            count = 4;
        } else if (rowBytes * 3 <= budget / 2) {
            count = 2;
        } else {
            count = 1;
        }
        int piece = budget / count / width * width;
        long[][] out = new long[count][];
        for (int i = 0; i < count; i++) {
            // centres at (2i + 1) / 2count of the range
            long centre = len * (2L * i + 1) / (2L * count);
            long start = Math.max(0, Math.min(len - piece, centre - piece / 2));
            start -= start % width;
            out[i] = new long[] {start, piece};
        }
        return out;
    }
}
