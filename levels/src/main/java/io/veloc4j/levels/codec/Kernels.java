package io.veloc4j.levels.codec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The reversible element transforms, fused with the byte shuffle: every forward kernel reads
 * {@code n} little-endian elements at {@code raw[off]} and writes the transformed values' byte
 * planes to {@code p} (plane {@code k}, the {@code k}-th byte of every value, at {@code p[k * n]});
 * it returns the OR of all transformed values, from which the caller learns which planes are all
 * zero. Every inverse kernel reads full planes and writes the elements back. Stateless.
 *
 * <p>Predictors work on integers: floats are first mapped to integers whose order is the order of
 * the floats ({@link #map32}); the residual (value − prediction, wrapping) is zigzag-encoded so
 * that small negative residuals have zero high bytes.
 */
final class Kernels {

    static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    /** {@code fm} argument of the Lorenzo kernels: map float bits to ordered integers. */
    static final int FLOAT_MAP_32 = -1;
    static final long FLOAT_MAP_64 = -1L;

    private Kernels() {
    }

    /** Sign-magnitude float bits to two's-complement order (an involution); identity when {@code fm == 0}. */
    static int map32(int b, int fm) {
        return b ^ (((b >> 31) >>> 1) & fm);
    }

    static long map64(long b, long fm) {
        return b ^ (((b >> 63) >>> 1) & fm);
    }

    /** The row length the 2-D kernels actually use: 0 for 1-D prediction. */
    static int effectiveRow(int rowLength, int n) {
        return rowLength <= 1 || rowLength >= n ? 0 : rowLength;
    }

    // ---------------------------------------------------------------- tiles
    //
    // The 32- and 64-bit encoders work in tiles of TILE elements: the transformed values of a tile go
    // to a small buffer t (L1-resident) and are then scattered to the planes, 8 values at a time
    // transposed in 64-bit registers (delta swaps), which beats storing every byte on its own. The
    // predictive decoders gather a tile plane by plane (skipping all-zero planes) and then undo the
    // prediction; the plain ones (shuffle, xor) gather value by value, which measured fastest there.
    // (Measured on JDK 17 C2; see CodecProbe.)

    static final int TILE = 2048;

    /** [a0 a1 a2 a3 b0 b1 b2 b3] to [a0 b0 a1 b1 a2 b2 a3 b3] (bytes, low first). */
    private static long zip(long x) {
        long t = ((x >>> 16) ^ x) & 0x00000000FFFF0000L;
        x ^= t ^ (t << 16);
        t = ((x >>> 8) ^ x) & 0x0000FF000000FF00L;
        return x ^ t ^ (t << 8);
    }

    private static long unzip(long x) {
        long t = ((x >>> 8) ^ x) & 0x0000FF000000FF00L;
        x ^= t ^ (t << 8);
        t = ((x >>> 16) ^ x) & 0x00000000FFFF0000L;
        return x ^ t ^ (t << 16);
    }

    /** Bytes of {@code t[0, len)} to the 4 planes of {@code n} values, at element {@code at}. */
    static void scatter32(int[] t, int len, byte[] p, int n, int at) {
        if (Simd.ints()) {
            VectorKernels.scatter32(t, len, p, n, at);
        } else {
            scatter32Scalar(t, len, p, n, at);
        }
    }

    static void scatter32Scalar(int[] t, int len, byte[] p, int n, int at) {
        final int p1 = n + at, p2 = 2 * n + at, p3 = 3 * n + at;
        int j = 0;
        for (; j + 8 <= len; j += 8) {
            long a = zip((t[j] & 0xFFFFFFFFL) | ((long) t[j + 1] << 32));
            long b = zip((t[j + 2] & 0xFFFFFFFFL) | ((long) t[j + 3] << 32));
            long c = zip((t[j + 4] & 0xFFFFFFFFL) | ((long) t[j + 5] << 32));
            long d = zip((t[j + 6] & 0xFFFFFFFFL) | ((long) t[j + 7] << 32));
            long u = ((a >>> 16) ^ b) & 0x0000FFFF0000FFFFL;
            b ^= u;
            a ^= u << 16;
            u = ((c >>> 16) ^ d) & 0x0000FFFF0000FFFFL;
            d ^= u;
            c ^= u << 16;
            u = ((a >>> 32) ^ c) & 0x00000000FFFFFFFFL;
            c ^= u;
            a ^= u << 32;
            u = ((b >>> 32) ^ d) & 0x00000000FFFFFFFFL;
            d ^= u;
            b ^= u << 32;
            I64.set(p, at + j, a);
            I64.set(p, p1 + j, b);
            I64.set(p, p2 + j, c);
            I64.set(p, p3 + j, d);
        }
        for (; j < len; j++) {
            int z = t[j];
            p[at + j] = (byte) z;
            p[p1 + j] = (byte) (z >>> 8);
            p[p2 + j] = (byte) (z >>> 16);
            p[p3 + j] = (byte) (z >>> 24);
        }
    }

    /**
     * Values {@code at .. at + len} assembled from the planes in {@code mask} (the others are zero)
     * into {@code t[to ..]}, one plane at a time.
     */
    static void gather32(byte[] p, int n, int mask, int at, int len, int[] t, int to) {
        if (Simd.ints()) {
            VectorKernels.gather32(p, n, mask, at, len, t, to);
        } else {
            gather32Scalar(p, n, mask, at, len, t, to);
        }
    }

    static void gather32Scalar(byte[] p, int n, int mask, int at, int len, int[] t, int to) {
        boolean first = true;
        for (int k = 0; k < 4; k++) {
            if ((mask & (1 << k)) == 0) {
                continue;
            }
            int base = k * n + at - to;
            int shift = 8 * k;
            if (first) {
                for (int j = to; j < to + len; j++) {
                    t[j] = (p[base + j] & 0xff) << shift;
                }
                first = false;
            } else {
                for (int j = to; j < to + len; j++) {
                    t[j] |= (p[base + j] & 0xff) << shift;
                }
            }
        }
        if (first) {
            java.util.Arrays.fill(t, to, to + len, 0);
        }
    }

    /** Bytes of {@code t[0, len)} to the 8 planes of {@code n} values, at element {@code at}. */
    static void scatter64(long[] t, int len, byte[] p, int n, int at) {
        long x0, x1, x2, x3, x4, x5, x6, x7, u;
        int j = 0;
        for (; j + 8 <= len; j += 8) {
            x0 = t[j];
            x1 = t[j + 1];
            x2 = t[j + 2];
            x3 = t[j + 3];
            x4 = t[j + 4];
            x5 = t[j + 5];
            x6 = t[j + 6];
            x7 = t[j + 7];
            u = ((x0 >>> 32) ^ x4) & 0x00000000FFFFFFFFL; x4 ^= u; x0 ^= u << 32;
            u = ((x1 >>> 32) ^ x5) & 0x00000000FFFFFFFFL; x5 ^= u; x1 ^= u << 32;
            u = ((x2 >>> 32) ^ x6) & 0x00000000FFFFFFFFL; x6 ^= u; x2 ^= u << 32;
            u = ((x3 >>> 32) ^ x7) & 0x00000000FFFFFFFFL; x7 ^= u; x3 ^= u << 32;
            u = ((x0 >>> 16) ^ x2) & 0x0000FFFF0000FFFFL; x2 ^= u; x0 ^= u << 16;
            u = ((x1 >>> 16) ^ x3) & 0x0000FFFF0000FFFFL; x3 ^= u; x1 ^= u << 16;
            u = ((x4 >>> 16) ^ x6) & 0x0000FFFF0000FFFFL; x6 ^= u; x4 ^= u << 16;
            u = ((x5 >>> 16) ^ x7) & 0x0000FFFF0000FFFFL; x7 ^= u; x5 ^= u << 16;
            u = ((x0 >>> 8) ^ x1) & 0x00FF00FF00FF00FFL; x1 ^= u; x0 ^= u << 8;
            u = ((x2 >>> 8) ^ x3) & 0x00FF00FF00FF00FFL; x3 ^= u; x2 ^= u << 8;
            u = ((x4 >>> 8) ^ x5) & 0x00FF00FF00FF00FFL; x5 ^= u; x4 ^= u << 8;
            u = ((x6 >>> 8) ^ x7) & 0x00FF00FF00FF00FFL; x7 ^= u; x6 ^= u << 8;
            I64.set(p, at + j, x0);
            I64.set(p, n + at + j, x1);
            I64.set(p, 2 * n + at + j, x2);
            I64.set(p, 3 * n + at + j, x3);
            I64.set(p, 4 * n + at + j, x4);
            I64.set(p, 5 * n + at + j, x5);
            I64.set(p, 6 * n + at + j, x6);
            I64.set(p, 7 * n + at + j, x7);
        }
        for (; j < len; j++) {
            long z = t[j];
            for (int k = 0; k < 8; k++) {
                p[k * n + at + j] = (byte) (z >>> (8 * k));
            }
        }
    }

    /** {@link #gather32} for 8-byte values. */
    static void gather64(byte[] p, int n, int mask, int at, int len, long[] t, int to) {
        boolean first = true;
        for (int k = 0; k < 8; k++) {
            if ((mask & (1 << k)) == 0) {
                continue;
            }
            int base = k * n + at - to;
            int shift = 8 * k;
            if (first) {
                for (int j = to; j < to + len; j++) {
                    t[j] = (p[base + j] & 0xffL) << shift;
                }
                first = false;
            } else {
                for (int j = to; j < to + len; j++) {
                    t[j] |= (p[base + j] & 0xffL) << shift;
                }
            }
        }
        if (first) {
            java.util.Arrays.fill(t, to, to + len, 0L);
        }
    }

    // ---------------------------------------------------------------- plain shuffle

    static long shuffle64(byte[] raw, int off, int n, long[] t, byte[] p) {
        long or = 0;
        for (int s = 0; s < n; s += TILE) {
            int len = Math.min(TILE, n - s);
            int at = off + 8 * s;
            for (int j = 0; j < len; j++) {
                long v = (long) I64.get(raw, at + 8 * j);
                t[j] = v;
                or |= v;
            }
            scatter64(t, len, p, n, s);
        }
        return or;
    }

    static void unshuffle64(byte[] p, int n, byte[] raw, int off) {
        final int n1 = n, n2 = 2 * n, n3 = 3 * n, n4 = 4 * n, n5 = 5 * n, n6 = 6 * n, n7 = 7 * n;
        for (int i = 0; i < n; i++) {
            I64.set(raw, off + 8 * i, gather64(p, i, n1, n2, n3, n4, n5, n6, n7));
        }
    }

    static int shuffle32(byte[] raw, int off, int n, int[] t, byte[] p) {
        return Simd.ints() ? VectorKernels.shuffle32(raw, off, n, p) : shuffle32Scalar(raw, off, n, t, p);
    }

    static int shuffle32Scalar(byte[] raw, int off, int n, int[] t, byte[] p) {
        int or = 0;
        for (int s = 0; s < n; s += TILE) {
            int len = Math.min(TILE, n - s);
            int at = off + 4 * s;
            for (int j = 0; j < len; j++) {
                int v = (int) I32.get(raw, at + 4 * j);
                t[j] = v;
                or |= v;
            }
            scatter32Scalar(t, len, p, n, s);
        }
        return or;
    }

    static void unshuffle32(byte[] p, int n, byte[] raw, int off) {
        if (Simd.ints()) {
            VectorKernels.unshuffle32(p, n, raw, off);
        } else {
            unshuffle32Scalar(p, n, raw, off);
        }
    }

    static void unshuffle32Scalar(byte[] p, int n, byte[] raw, int off) {
        final int n1 = n, n2 = 2 * n, n3 = 3 * n;
        for (int i = 0; i < n; i++) {
            I32.set(raw, off + 4 * i, gather32(p, i, n1, n2, n3));
        }
    }

    // ---------------------------------------------------------------- XOR with the previous value

    static long xor64(byte[] raw, int off, int n, long[] t, byte[] p) {
        long or = 0, prev = 0;
        for (int s = 0; s < n; s += TILE) {
            int len = Math.min(TILE, n - s);
            int at = off + 8 * s;
            for (int j = 0; j < len; j++) {
                long v = (long) I64.get(raw, at + 8 * j);
                long z = v ^ prev;
                prev = v;
                t[j] = z;
                or |= z;
            }
            scatter64(t, len, p, n, s);
        }
        return or;
    }

    static void unxor64(byte[] p, int n, byte[] raw, int off) {
        final int n1 = n, n2 = 2 * n, n3 = 3 * n, n4 = 4 * n, n5 = 5 * n, n6 = 6 * n, n7 = 7 * n;
        long prev = 0;
        for (int i = 0; i < n; i++) {
            prev ^= gather64(p, i, n1, n2, n3, n4, n5, n6, n7);
            I64.set(raw, off + 8 * i, prev);
        }
    }

    static int xor32(byte[] raw, int off, int n, int[] t, byte[] p) {
        return Simd.ints() ? VectorKernels.xor32(raw, off, n, p) : xor32Scalar(raw, off, n, t, p);
    }

    static int xor32Scalar(byte[] raw, int off, int n, int[] t, byte[] p) {
        int or = 0, prev = 0;
        for (int s = 0; s < n; s += TILE) {
            int len = Math.min(TILE, n - s);
            int at = off + 4 * s;
            for (int j = 0; j < len; j++) {
                int v = (int) I32.get(raw, at + 4 * j);
                int z = v ^ prev;
                prev = v;
                t[j] = z;
                or |= z;
            }
            scatter32Scalar(t, len, p, n, s);
        }
        return or;
    }

    static void unxor32(byte[] p, int n, int[] t, byte[] raw, int off) {
        if (Simd.ints()) {
            VectorKernels.unxor32(p, n, t, raw, off);
        } else {
            unxor32Scalar(p, n, raw, off);
        }
    }

    static void unxor32Scalar(byte[] p, int n, byte[] raw, int off) {
        final int n1 = n, n2 = 2 * n, n3 = 3 * n;
        int prev = 0;
        for (int i = 0; i < n; i++) {
            prev ^= gather32(p, i, n1, n2, n3);
            I32.set(raw, off + 4 * i, prev);
        }
    }

    // ---------------------------------------------------------------- Lorenzo (and 1-D delta)

    /**
     * 2-D Lorenzo over rows of {@code row} elements (0: previous-element prediction):
     * pred(i) = 0 for i = 0, x[i-1] for i ≤ row, x[i-1] + x[i-row] - x[i-row-1] after, on values
     * mapped by {@code fm} ({@link #map64}); {@code mv} (n longs) receives the mapped values.
     */
    static long lorenzo64(byte[] raw, int off, int n, int row, long fm, long[] mv, long[] t, byte[] p) {
        long or = 0;
        long w = 0;
        for (int s = 0; s < n; s += TILE) {
            int e = Math.min(n, s + TILE);
            int at = off + 8 * s;
            for (int i = s; i < e; i++) {
                mv[i] = map64((long) I64.get(raw, at + 8 * (i - s)), fm);
            }
            or |= residualsTile64(mv, s, e, row, t);
            scatter64(t, e - s, p, n, s);
        }
        return or;
    }

    /** Zigzagged Lorenzo residuals of {@code mv[s, e)} into {@code t[0, e - s)}; returns their OR. */
    private static long residualsTile64(long[] mv, int s, int e, int row, long[] t) {
        long or = 0;
        int i = s;
        if (i == 0 && e > 0) {
            long z = (mv[0] << 1) ^ (mv[0] >> 63);
            t[0] = z;
            or = z;
            i = 1;
        }
        for (int head = row == 0 ? e : Math.min(e, row + 1); i < head; i++) {
            long r = mv[i] - mv[i - 1];
            long z = (r << 1) ^ (r >> 63);
            t[i - s] = z;
            or |= z;
        }
        for (; i < e; i++) {
            long r = mv[i] - mv[i - 1] - mv[i - row] + mv[i - row - 1];
            long z = (r << 1) ^ (r >> 63);
            t[i - s] = z;
            or |= z;
        }
        return or;
    }

    /** Undoes the residuals of {@code mv[s, e)} in place (gathered zigzagged residuals in, values out). */
    private static long unresidualsTile64(long[] mv, int s, int e, int row, long w) {
        int i = s;
        for (int head = row == 0 ? e : Math.min(e, row + 1); i < head; i++) {
            long z = mv[i];
            w += (z >>> 1) ^ -(z & 1);
            mv[i] = w;
        }
        for (; i < e; i++) {
            long z = mv[i];
            long m = w + (((z >>> 1) ^ -(z & 1)) + (mv[i - row] - mv[i - row - 1]));
            w = m;
            mv[i] = m;
        }
        return w;
    }

    static void unlorenzo64(byte[] p, int n, int mask, int row, long fm, long[] mv, byte[] raw, int off) {
        long w = 0;
        for (int s = 0; s < n; s += TILE) {
            int e = Math.min(n, s + TILE);
            gather64(p, n, mask, s, e - s, mv, s);
            w = unresidualsTile64(mv, s, e, row, w);
            int at = off + 8 * s;
            for (int i = s; i < e; i++) {
                I64.set(raw, at + 8 * (i - s), map64(mv[i], fm));
            }
        }
    }

    /** {@link #lorenzo64} for 32-bit elements. */
    static int lorenzo32(byte[] raw, int off, int n, int row, int fm, int[] mv, int[] t, byte[] p) {
        int or = 0;
        for (int s = 0; s < n; s += TILE) {
            int e = Math.min(n, s + TILE);
            int at = off + 4 * s;
            if (Simd.ints()) {
                VectorKernels.loadMapped32(raw, at, mv, s, e, fm);
            } else {
                loadMapped32Scalar(raw, at, mv, s, e, fm);
            }
            or |= residualsTile32(mv, s, e, row, t);
            scatter32(t, e - s, p, n, s);
        }
        return or;
    }

    /** Lorenzo residuals of the values {@code mv[0, n)} (ranks) to planes: 2-D for {@code 1 < row < n}, else 1-D. */
    static int residuals32(int[] mv, int n, int row, int[] t, byte[] p) {
        int or = 0;
        for (int s = 0; s < n; s += TILE) {
            int e = Math.min(n, s + TILE);
            or |= residualsTile32(mv, s, e, row, t);
            scatter32(t, e - s, p, n, s);
        }
        return or;
    }

    /** {@code mv[s, e)} = the order-mapped elements at {@code raw[at]}. */
    static void loadMapped32Scalar(byte[] raw, int at, int[] mv, int s, int e, int fm) {
        for (int i = s; i < e; i++) {
            mv[i] = map32((int) I32.get(raw, at + 4 * (i - s)), fm);
        }
    }

    /** The elements whose order-mapped values are {@code mv[s, e)} to {@code raw[at]}. */
    static void storeMapped32Scalar(int[] mv, int s, int e, int fm, byte[] raw, int at) {
        for (int i = s; i < e; i++) {
            I32.set(raw, at + 4 * (i - s), map32(mv[i], fm));
        }
    }

    private static int residualsTile32(int[] mv, int s, int e, int row, int[] t) {
        return Simd.ints() ? VectorKernels.residualsTile32(mv, s, e, row, t) : residualsTile32Scalar(mv, s, e, row, t);
    }

    /** Zigzagged Lorenzo residuals of {@code mv[s, e)} into {@code t[0, e - s)}; returns their OR. */
    static int residualsTile32Scalar(int[] mv, int s, int e, int row, int[] t) {
        int or = 0;
        int i = s;
        if (i == 0 && e > 0) {
            int z = (mv[0] << 1) ^ (mv[0] >> 31);
            t[0] = z;
            or = z;
            i = 1;
        }
        for (int head = row == 0 ? e : Math.min(e, row + 1); i < head; i++) {
            int r = mv[i] - mv[i - 1];
            int z = (r << 1) ^ (r >> 31);
            t[i - s] = z;
            or |= z;
        }
        for (; i < e; i++) {
            int r = mv[i] - mv[i - 1] - mv[i - row] + mv[i - row - 1];
            int z = (r << 1) ^ (r >> 31);
            t[i - s] = z;
            or |= z;
        }
        return or;
    }

    private static int unresidualsTile32(int[] mv, int s, int e, int row, int w) {
        return Simd.ints() ? VectorKernels.unresidualsTile32(mv, s, e, row, w) : unresidualsTile32Scalar(mv, s, e, row, w);
    }

    /** Undoes the residuals of {@code mv[s, e)} in place, {@code w} the value before {@code s}; returns the last value. */
    static int unresidualsTile32Scalar(int[] mv, int s, int e, int row, int w) {
        int i = s;
        for (int head = row == 0 ? e : Math.min(e, row + 1); i < head; i++) {
            int z = mv[i];
            w += (z >>> 1) ^ -(z & 1);
            mv[i] = w;
        }
        for (; i < e; i++) {
            int z = mv[i];
            int m = w + (((z >>> 1) ^ -(z & 1)) + (mv[i - row] - mv[i - row - 1]));
            w = m;
            mv[i] = m;
        }
        return w;
    }

    static void unlorenzo32(byte[] p, int n, int mask, int row, int fm, int[] mv, byte[] raw, int off) {
        int w = 0;
        for (int s = 0; s < n; s += TILE) {
            int e = Math.min(n, s + TILE);
            gather32(p, n, mask, s, e - s, mv, s);
            w = unresidualsTile32(mv, s, e, row, w);
            int at = off + 4 * s;
            if (Simd.ints()) {
                VectorKernels.storeMapped32(mv, s, e, fm, raw, at);
            } else {
                storeMapped32Scalar(mv, s, e, fm, raw, at);
            }
        }
    }

    /**
     * Inverse of {@link #residuals32} on ranks into {@code mv}, each rank looked up in {@code table}
     * and written to {@code raw} as a 32-bit element. The table's length is a power of two and ranks
     * are masked to it: a rank past the real entries (a damaged frame) reads a filler entry, and the
     * frame's CRC then rejects the output.
     */
    static void unlorenzoRanks32(byte[] p, int n, int mask, int row, int[] mv, int[] table, byte[] raw, int off) {
        final int tmask = table.length - 1;
        int w = 0;
        for (int s = 0; s < n; s += TILE) {
            int e = Math.min(n, s + TILE);
            gather32(p, n, mask, s, e - s, mv, s);
            int at = off + 4 * s;
            if (Simd.ints()) {
                w = VectorKernels.unresidualsRanks32(mv, s, e, row, w, table, raw, at);
                continue;
            }
            w = unresidualsTile32Scalar(mv, s, e, row, w);
            for (int i = s; i < e; i++) {
                I32.set(raw, at + 4 * (i - s), table[mv[i] & tmask]);
            }
        }
    }

    /** {@link #unlorenzoRanks32} writing 64-bit elements. */
    static void unlorenzoRanks64(byte[] p, int n, int mask, int row, int[] mv, long[] table, byte[] raw, int off) {
        final int tmask = table.length - 1;
        int w = 0;
        for (int s = 0; s < n; s += TILE) {
            int e = Math.min(n, s + TILE);
            gather32(p, n, mask, s, e - s, mv, s);
            int at = off + 8 * s;
            if (Simd.ints()) {
                w = VectorKernels.unresidualsRanks64(mv, s, e, row, w, table, raw, at);
                continue;
            }
            w = unresidualsTile32Scalar(mv, s, e, row, w);
            for (int i = s; i < e; i++) {
                I64.set(raw, at + 8 * (i - s), table[mv[i] & tmask]);
            }
        }
    }

    /** 16-bit elements, arithmetic modulo 2^16. */
    static int lorenzo16(byte[] raw, int off, int n, int row, byte[] p) {
        int or = 0, w = 0;
        int head = row == 0 ? n : Math.min(n, row + 1);
        int i = 0;
        for (; i < head; i++) {
            int m = (short) I16.get(raw, off + 2 * i);
            int r = (short) (m - w);
            w = m;
            int z = (r << 1) ^ (r >> 31);
            or |= z;
            p[i] = (byte) z;
            p[n + i] = (byte) (z >>> 8);
        }
        if (i < n) {
            int back = off - 2 * row;
            int nw = (short) I16.get(raw, back + 2 * (i - 1));
            for (; i < n; i++) {
                int m = (short) I16.get(raw, off + 2 * i);
                int nm = (short) I16.get(raw, back + 2 * i);
                int r = (short) (m - (w + nm - nw));
                w = m;
                nw = nm;
                int z = (r << 1) ^ (r >> 31);
                or |= z;
                p[i] = (byte) z;
                p[n + i] = (byte) (z >>> 8);
            }
        }
        return or & 0xffff;
    }

    static void unlorenzo16(byte[] p, int n, int row, byte[] raw, int off) {
        int w = 0;
        int head = row == 0 ? n : Math.min(n, row + 1);
        int i = 0;
        for (; i < head; i++) {
            int z = (p[i] & 0xff) | (p[n + i] & 0xff) << 8;
            int m = (short) (((z >>> 1) ^ -(z & 1)) + w);
            w = m;
            I16.set(raw, off + 2 * i, (short) m);
        }
        if (i < n) {
            int back = off - 2 * row;
            int nw = (short) I16.get(raw, back + 2 * (i - 1));
            for (; i < n; i++) {
                int z = (p[i] & 0xff) | (p[n + i] & 0xff) << 8;
                int nm = (short) I16.get(raw, back + 2 * i);
                int m = (short) (((z >>> 1) ^ -(z & 1)) + w + nm - nw);
                w = m;
                nw = nm;
                I16.set(raw, off + 2 * i, (short) m);
            }
        }
    }

    /** 8-bit elements, arithmetic modulo 2^8. */
    static int lorenzo8(byte[] raw, int off, int n, int row, byte[] p) {
        int or = 0, w = 0;
        int head = row == 0 ? n : Math.min(n, row + 1);
        int i = 0;
        for (; i < head; i++) {
            int m = raw[off + i];
            int r = (byte) (m - w);
            w = m;
            int z = (r << 1) ^ (r >> 31);
            or |= z;
            p[i] = (byte) z;
        }
        if (i < n) {
            int back = off - row;
            int nw = raw[back + i - 1];
            for (; i < n; i++) {
                int m = raw[off + i];
                int nm = raw[back + i];
                int r = (byte) (m - (w + nm - nw));
                w = m;
                nw = nm;
                int z = (r << 1) ^ (r >> 31);
                or |= z;
                p[i] = (byte) z;
            }
        }
        return or & 0xff;
    }

    static void unlorenzo8(byte[] p, int n, int row, byte[] raw, int off) {
        int w = 0;
        int head = row == 0 ? n : Math.min(n, row + 1);
        int i = 0;
        for (; i < head; i++) {
            int z = p[i] & 0xff;
            int m = (byte) (((z >>> 1) ^ -(z & 1)) + w);
            w = m;
            raw[off + i] = (byte) m;
        }
        if (i < n) {
            int back = off - row;
            int nw = raw[back + i - 1];
            for (; i < n; i++) {
                int z = p[i] & 0xff;
                int nm = raw[back + i];
                int m = (byte) (((z >>> 1) ^ -(z & 1)) + w + nm - nw);
                w = m;
                nw = nm;
                raw[off + i] = (byte) m;
            }
        }
    }

    static int shuffle16(byte[] raw, int off, int n, byte[] p) {
        int or = 0;
        for (int i = 0; i < n; i++) {
            int z = (short) I16.get(raw, off + 2 * i);
            or |= z;
            p[i] = (byte) z;
            p[n + i] = (byte) (z >>> 8);
        }
        return or & 0xffff;
    }

    static void unshuffle16(byte[] p, int n, byte[] raw, int off) {
        for (int i = 0; i < n; i++) {
            I16.set(raw, off + 2 * i, (short) ((p[i] & 0xff) | (p[n + i] & 0xff) << 8));
        }
    }

    // ---------------------------------------------------------------- FPC (Burtscher & Ratanaworabhan)

    /**
     * XOR of each value with the better of the FCM and DFCM predictions (the one leaving more
     * leading zeros); the choice is one bit per value in {@code sel} (1 = DFCM), which must be zeroed.
     */
    static long fpc64(byte[] raw, int off, int n, long[] fcm, long[] dfcm, byte[] sel, byte[] p) {
        final int n1 = n, n2 = 2 * n, n3 = 3 * n, n4 = 4 * n, n5 = 5 * n, n6 = 6 * n, n7 = 7 * n;
        final int mask = fcm.length - 1;
        int h1 = 0, h2 = 0;
        long last = 0, or = 0;
        for (int i = 0; i < n; i++) {
            long v = (long) I64.get(raw, off + 8 * i);
            long x1 = v ^ fcm[h1];
            long x2 = v ^ (dfcm[h2] + last);
            long c = Long.compareUnsigned(x2, x1) >>> 31; // 1 when x2 < x1 (compare gives -1)
            long z = x1 ^ ((x1 ^ x2) & -c);
            sel[i >>> 3] |= (byte) (c << (i & 7));
            long d = v - last;
            fcm[h1] = v;
            h1 = (int) ((h1 << 6) ^ (v >>> 48)) & mask;
            dfcm[h2] = d;
            h2 = (int) ((h2 << 2) ^ (d >>> 40)) & mask;
            last = v;
            or |= z;
            p[i] = (byte) z;
            p[n1 + i] = (byte) (z >>> 8);
            p[n2 + i] = (byte) (z >>> 16);
            p[n3 + i] = (byte) (z >>> 24);
            p[n4 + i] = (byte) (z >>> 32);
            p[n5 + i] = (byte) (z >>> 40);
            p[n6 + i] = (byte) (z >>> 48);
            p[n7 + i] = (byte) (z >>> 56);
        }
        return or;
    }

    static void unfpc64(byte[] p, int n, long[] fcm, long[] dfcm, byte[] sel, byte[] raw, int off) {
        final int n1 = n, n2 = 2 * n, n3 = 3 * n, n4 = 4 * n, n5 = 5 * n, n6 = 6 * n, n7 = 7 * n;
        final int mask = fcm.length - 1;
        int h1 = 0, h2 = 0;
        long last = 0;
        for (int i = 0; i < n; i++) {
            long z = gather64(p, i, n1, n2, n3, n4, n5, n6, n7);
            long c = (sel[i >>> 3] >>> (i & 7)) & 1;
            long p1 = fcm[h1];
            long p2 = dfcm[h2] + last;
            long v = z ^ p1 ^ ((p1 ^ p2) & -c);
            long d = v - last;
            fcm[h1] = v;
            h1 = (int) ((h1 << 6) ^ (v >>> 48)) & mask;
            dfcm[h2] = d;
            h2 = (int) ((h2 << 2) ^ (d >>> 40)) & mask;
            last = v;
            I64.set(raw, off + 8 * i, v);
        }
    }

    static int fpc32(byte[] raw, int off, int n, int[] fcm, int[] dfcm, byte[] sel, byte[] p) {
        final int n1 = n, n2 = 2 * n, n3 = 3 * n;
        final int mask = fcm.length - 1;
        int h1 = 0, h2 = 0, last = 0, or = 0;
        for (int i = 0; i < n; i++) {
            int v = (int) I32.get(raw, off + 4 * i);
            int x1 = v ^ fcm[h1];
            int x2 = v ^ (dfcm[h2] + last);
            int c = Integer.compareUnsigned(x2, x1) >>> 31;
            int z = x1 ^ ((x1 ^ x2) & -c);
            sel[i >>> 3] |= (byte) (c << (i & 7));
            int d = v - last;
            fcm[h1] = v;
            h1 = ((h1 << 5) ^ (v >>> 20)) & mask;
            dfcm[h2] = d;
            h2 = ((h2 << 2) ^ (d >>> 16)) & mask;
            last = v;
            or |= z;
            p[i] = (byte) z;
            p[n1 + i] = (byte) (z >>> 8);
            p[n2 + i] = (byte) (z >>> 16);
            p[n3 + i] = (byte) (z >>> 24);
        }
        return or;
    }

    static void unfpc32(byte[] p, int n, int[] fcm, int[] dfcm, byte[] sel, byte[] raw, int off) {
        final int n1 = n, n2 = 2 * n, n3 = 3 * n;
        final int mask = fcm.length - 1;
        int h1 = 0, h2 = 0, last = 0;
        for (int i = 0; i < n; i++) {
            int z = gather32(p, i, n1, n2, n3);
            int c = (sel[i >>> 3] >>> (i & 7)) & 1;
            int p1 = fcm[h1];
            int p2 = dfcm[h2] + last;
            int v = z ^ p1 ^ ((p1 ^ p2) & -c);
            int d = v - last;
            fcm[h1] = v;
            h1 = ((h1 << 5) ^ (v >>> 20)) & mask;
            dfcm[h2] = d;
            h2 = ((h2 << 2) ^ (d >>> 16)) & mask;
            last = v;
            I32.set(raw, off + 4 * i, v);
        }
    }

    // ---------------------------------------------------------------- helpers

    static long gather64(byte[] p, int i, int n1, int n2, int n3, int n4, int n5, int n6, int n7) {
        return (p[i] & 0xffL)
                | (p[n1 + i] & 0xffL) << 8
                | (p[n2 + i] & 0xffL) << 16
                | (p[n3 + i] & 0xffL) << 24
                | (p[n4 + i] & 0xffL) << 32
                | (p[n5 + i] & 0xffL) << 40
                | (p[n6 + i] & 0xffL) << 48
                | (long) p[n7 + i] << 56;
    }

    static int gather32(byte[] p, int i, int n1, int n2, int n3) {
        return (p[i] & 0xff) | (p[n1 + i] & 0xff) << 8 | (p[n2 + i] & 0xff) << 16 | p[n3 + i] << 24;
    }

    /** Bit k set when byte plane k of values whose OR is {@code or} is not all zero. */
    static int planeMask(long or, int width) {
        int mask = 0;
        for (int k = 0; k < width; k++) {
            if (((or >>> (8 * k)) & 0xff) != 0) {
                mask |= 1 << k;
            }
        }
        return mask;
    }
}
