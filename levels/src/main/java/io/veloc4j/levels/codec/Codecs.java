package io.veloc4j.levels.codec;

import io.veloc4j.levels.ElementType;

/** Builds codecs, and picks one per variable for {@code codec = auto}. */
public final class Codecs {

    /** Bytes of a variable {@link #choose} tries the candidates on, at most. */
    public static final int SAMPLE_BYTES = 64 << 10;
    /** A candidate must beat a cheaper one by more than this fraction to be chosen over it. */
    public static final double NEAR_TIE = 0.02;

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
        if (sizes != null) {
            java.util.Arrays.fill(sizes, -1);
        }
        int w = type.width();
        len -= len % w;
        CodecKind[] kinds = candidates(type);
        if (len < 64 * w) {
            return CodecKind.ZSTD; // too small to tell; plain zstd is the cheapest
        }
        int[][] pieces = pieces(len, w, rowLength);
        long[] size = new long[kinds.length];
        int maxPiece = 0;
        for (int[] pc : pieces) {
            maxPiece = Math.max(maxPiece, pc[1]);
        }
        ScratchPool pool = new ScratchPool(level); // one set of zstd contexts and buffers for all candidates
        byte[] out = null;
        for (int k = 0; k < kinds.length; k++) {
            Codec c = of(kinds[k], type, rowLength, level, pool);
            int bound = c.maxEncodedLength(maxPiece);
            if (out == null || out.length < bound) {
                out = new byte[bound];
            }
            for (int[] pc : pieces) {
                size[k] += c.encode(sample, off + pc[0], pc[1], out, 0);
            }
            if (sizes != null) {
                sizes[kinds[k].ordinal()] = size[k];
            }
        }
        int best = 0;
        for (int k = 1; k < kinds.length; k++) {
            if (size[k] < size[best] * (1 - NEAR_TIE)) {
                best = k;
            }
        }
        return kinds[best];
    }

    /**
     * Where to sample: up to {@link #SAMPLE_BYTES} in a few pieces spread over the range, each long
     * enough to hold several rows when rows are short (so the 2-D predictor sees its neighbours).
     * Returns {offset, length} pairs relative to the range, in whole elements.
     */
    static int[][] pieces(int len, int width, int rowLength) {
        if (len <= SAMPLE_BYTES) {
            return new int[][] {{0, len}};
        }
        long rowBytes = (long) Math.max(1, rowLength) * width;
        int count;
        if (rowBytes * 4 <= SAMPLE_BYTES / 4) {
            count = 4;
        } else if (rowBytes * 3 <= SAMPLE_BYTES / 2) {
            count = 2;
        } else {
            count = 1;
        }
        int piece = SAMPLE_BYTES / count / width * width;
        int[][] out = new int[count][];
        for (int i = 0; i < count; i++) {
            // centres at (2i + 1) / 2count of the range
            long centre = (long) len * (2L * i + 1) / (2L * count);
            long start = Math.max(0, Math.min(len - piece, centre - piece / 2));
            start -= start % width;
            out[i] = new int[] {(int) start, piece};
        }
        return out;
    }
}
