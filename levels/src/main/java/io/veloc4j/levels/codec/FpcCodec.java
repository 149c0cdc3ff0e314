package io.veloc4j.levels.codec;

import io.veloc4j.levels.ElementType;

import java.util.Arrays;

/**
 * Floats: FPC's context predictors (Burtscher &amp; Ratanaworabhan): an FCM table (value after the
 * recent values' hash) and a DFCM table (stride after the recent strides' hash); each value is
 * XORed with the closer prediction, the choice kept as one bit per value. Then shuffle + zstd.
 * Flags: log2 of the hash table size. Body: selector section ((n + 7) / 8 bytes, bit i = value i
 * used DFCM), then one planes block.
 */
final class FpcCodec extends TransformCodec {

    static final int MIN_TABLE_BITS = 10;
    static final int MAX_TABLE_BITS = 16;

    FpcCodec(ElementType type, int level) {
        this(type, level, new ScratchPool(level));
    }

    FpcCodec(ElementType type, int level, ScratchPool pool) {
        super(type, level, pool);
        if (!CodecKind.FPC.appliesTo(type)) {
            throw new IllegalArgumentException("fpc does not apply to " + type);
        }
    }

    @Override
    public CodecKind kind() {
        return CodecKind.FPC;
    }

    /** Smaller tables for small chunks: cheaper to clear, and they fill faster. */
    static int tableBits(int n) {
        int bits = 32 - Integer.numberOfLeadingZeros(Math.max(1, n - 1));
        return Math.max(MIN_TABLE_BITS, Math.min(MAX_TABLE_BITS, bits - 2));
    }

    @Override
    int encodeBody(Scratch s, byte[] raw, int off, int n, byte[] out, int pos, int flagsAt) {
        int bits = tableBits(n);
        out[flagsAt] = (byte) bits;
        int selLen = (n + 7) >>> 3;
        byte[] sel = s.small(selLen);
        Arrays.fill(sel, 0, selLen, (byte) 0);
        byte[] p = s.planes(n * width);
        long or;
        if (width == 8) {
            long[] fcm = s.fcm64(1 << bits);
            long[] dfcm = s.dfcm64();
            Arrays.fill(fcm, 0);
            Arrays.fill(dfcm, 0);
            or = Kernels.fpc64(raw, off, n, fcm, dfcm, sel, p);
        } else {
            int[] fcm = s.fcm32(1 << bits);
            int[] dfcm = s.dfcm32();
            Arrays.fill(fcm, 0);
            Arrays.fill(dfcm, 0);
            or = Kernels.fpc32(raw, off, n, fcm, dfcm, sel, p) & 0xffffffffL;
        }
        pos = putSection(s, sel, 0, selLen, out, pos);
        return putPlanes(s, p, n, width, or, out, pos);
    }

    @Override
    void decodeBody(Scratch s, In in, int flags, int n, byte[] raw, int rawOff) {
        int bits = flags;
        if (bits < MIN_TABLE_BITS || bits > MAX_TABLE_BITS) {
            throw new IllegalArgumentException("fpc table bits " + bits);
        }
        int selLen = (n + 7) >>> 3;
        byte[] sel = s.small(selLen);
        getSection(s, in, sel, 0, selLen);
        byte[] p = s.planes(n * width);
        getPlanes(s, in, p, n, width);
        if (width == 8) {
            long[] fcm = s.fcm64(1 << bits);
            long[] dfcm = s.dfcm64();
            Arrays.fill(fcm, 0);
            Arrays.fill(dfcm, 0);
            Kernels.unfpc64(p, n, fcm, dfcm, sel, raw, rawOff);
        } else {
            int[] fcm = s.fcm32(1 << bits);
            int[] dfcm = s.dfcm32();
            Arrays.fill(fcm, 0);
            Arrays.fill(dfcm, 0);
            Kernels.unfpc32(p, n, fcm, dfcm, sel, raw, rawOff);
        }
    }
}
