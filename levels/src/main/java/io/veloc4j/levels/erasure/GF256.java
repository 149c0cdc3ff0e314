package io.veloc4j.levels.erasure;

/**
 * Arithmetic in GF(2^8) with the polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d, the field of
 * Jerasure's and ISA-L's w = 8 codes), table-driven: log/exp tables for mul, div and inverse, and
 * per-coefficient tables for multiplying whole ranges.
 *
 * <p>Two range kernels compute {@code dst ^= c · src}. {@link #mulAdd(int, byte[], int, byte[], int, int)}
 * looks every byte up in the coefficient's 256-entry product table: about 1 GB/s per core here,
 * because Java cannot vectorize a table lookup. {@link #mulAdd(int, long[], long[], int, int)} works
 * on eight bytes per long with the coefficient's eight products {@code c · 2^b} (its "bit table"):
 * bit b of every byte selects {@code c · 2^b}, so a product is a XOR of masked constants, which C2
 * compiles to SIMD code (5 to 10 times the table kernel on this machine; {@code bench erasure}
 * measures both). Both give identical bytes; the codec uses the long kernel on stripes.
 */
public final class GF256 {

    /** The field's reduction polynomial. */
    public static final int POLYNOMIAL = 0x11d;

    private static final byte[] EXP = new byte[512];
    private static final int[] LOG = new int[256];
    /** Product table: MUL[(c << 8) | x] = c · x. */
    private static final byte[] MUL = new byte[256 * 256];
    /** Bit tables: BITS[8c + b] = c · 2^b repeated in every byte of a long. */
    private static final long[] BITS = new long[256 * 8];

    private static final long LOW_BITS = 0x0101010101010101L;

    static {
        int x = 1;
        for (int i = 0; i < 255; i++) {
            EXP[i] = (byte) x;
            LOG[x] = i;
            x <<= 1;
            if ((x & 0x100) != 0) {
                x ^= POLYNOMIAL;
            }
        }
        for (int i = 255; i < EXP.length; i++) {
            EXP[i] = EXP[i - 255];
        }
        for (int c = 0; c < 256; c++) {
            for (int v = 0; v < 256; v++) {
                MUL[(c << 8) | v] = (byte) slowMul(c, v);
            }
            for (int b = 0; b < 8; b++) {
                BITS[8 * c + b] = LOW_BITS * slowMul(c, 1 << b);
            }
        }
    }

    private GF256() {
    }

    private static int slowMul(int a, int b) {
        return a == 0 || b == 0 ? 0 : EXP[LOG[a] + LOG[b]] & 0xff;
    }

    private static int check(int a) {
        if ((a & ~0xff) != 0) {
            throw new IllegalArgumentException(a + " is not an element of GF(2^8)");
        }
        return a;
    }

    public static int add(int a, int b) {
        return check(a) ^ check(b);
    }

    public static int mul(int a, int b) {
        return MUL[(check(a) << 8) | check(b)] & 0xff;
    }

    /** a / b; b must not be 0. */
    public static int div(int a, int b) {
        if (check(b) == 0) {
            throw new ArithmeticException("division by zero in GF(2^8)");
        }
        return check(a) == 0 ? 0 : EXP[LOG[a] + 255 - LOG[b]] & 0xff;
    }

    /** The multiplicative inverse; a must not be 0. */
    public static int inverse(int a) {
        return div(1, a);
    }

    /** 2^i, the generator to the power i (any i ≥ 0). */
    public static int exp(int i) {
        if (i < 0) {
            throw new IllegalArgumentException("negative exponent " + i);
        }
        return EXP[i % 255] & 0xff;
    }

    /** The discrete logarithm to base 2; a must not be 0. */
    public static int log(int a) {
        if (check(a) == 0) {
            throw new ArithmeticException("log of 0 in GF(2^8)");
        }
        return LOG[a];
    }

    /** The 256 products c · x, x = 0..255 (a copy). */
    public static byte[] table(int c) {
        byte[] t = new byte[256];
        System.arraycopy(MUL, check(c) << 8, t, 0, 256);
        return t;
    }

    /**
     * {@code dst[dstOff + i] ^= c · src[srcOff + i]} for i &lt; length, one table lookup per byte
     * (the reference kernel; the codec uses the long kernel).
     */
    public static void mulAdd(int c, byte[] src, int srcOff, byte[] dst, int dstOff, int length) {
        java.util.Objects.checkFromIndexSize(srcOff, length, src.length);
        java.util.Objects.checkFromIndexSize(dstOff, length, dst.length);
        if (check(c) == 0) {
            return;
        }
        if (c == 1) {
            for (int i = 0; i < length; i++) {
                dst[dstOff + i] ^= src[srcOff + i];
            }
            return;
        }
        int base = c << 8;
        byte[] t = MUL;
        for (int i = 0; i < length; i++) {
            dst[dstOff + i] ^= t[base | (src[srcOff + i] & 0xff)];
        }
    }

    /**
     * {@code dst[i] ^= c · src[i]} bytewise for the longs {@code from <= i < to} (the same
     * indices in both arrays: C2 vectorizes this form and not the one with two offsets);
     * {@code src} and {@code dst} must be different arrays.
     */
    public static void mulAdd(int c, long[] src, long[] dst, int from, int to) {
        checkRange(src, dst, from, to);
        if (check(c) == 0) {
            return;
        }
        if (c == 1) {
            xorRange(src, dst, from, to);
            return;
        }
        bitKernel(c, src, dst, from, to, false);
    }

    /** {@code dst[i] = c · src[i]} bytewise for {@code from <= i < to}; different arrays. */
    public static void mul(int c, long[] src, long[] dst, int from, int to) {
        checkRange(src, dst, from, to);
        if (check(c) == 0) {
            java.util.Arrays.fill(dst, from, to, 0L);
            return;
        }
        if (c == 1) {
            System.arraycopy(src, from, dst, from, to - from);
            return;
        }
        bitKernel(c, src, dst, from, to, true);
    }

    /** {@code dst[i] ^= src[i]} for {@code from <= i < to}. */
    public static void xor(long[] src, long[] dst, int from, int to) {
        checkRange(src, dst, from, to);
        xorRange(src, dst, from, to);
    }

    /** The kernels read a long twice (two passes of four bits): src and dst must be different arrays. */
    private static void checkRange(long[] src, long[] dst, int from, int to) {
        java.util.Objects.checkFromToIndex(from, to, src.length);
        java.util.Objects.checkFromToIndex(from, to, dst.length);
        if (src == dst) {
            throw new IllegalArgumentException("source and destination are the same array");
        }
    }

    private static void xorRange(long[] src, long[] dst, int from, int to) {
        for (int i = from; i < to; i++) {
            dst[i] ^= src[i];
        }
    }

    /**
     * {@code d[i] (^)= c · s[i]} for {@code from <= i < to}, four bits of every byte per pass: a
     * loop body small enough for C2 to unroll and vectorize. In a pass, {@code m = (v >>> b) &
     * 0x0101..01} holds bit b of every byte in the byte's low bit; {@code (m << 8) - m} turns each
     * 1 into 0xff (no borrow crosses a byte: each byte of m is 0 or 1), a mask selecting
     * {@code c · 2^b} in that byte.
     *
     * <p>The three loops stay in one method on purpose: at more than 325 bytecodes
     * (FreqInlineSize) C2 never inlines it, and compiled on its own its loops are vectorized;
     * inlined into a caller that has loops of its own (the codec's combine), they were not
     * (measured: 1.5 against 8 GB/s).
     */
    private static void bitKernel(int c, long[] s, long[] d, int from, int to, boolean set) {
        int o = 8 * c;
        long[] t = BITS;
        long k0 = t[o];
        long k1 = t[o + 1];
        long k2 = t[o + 2];
        long k3 = t[o + 3];
        long k4 = t[o + 4];
        long k5 = t[o + 5];
        long k6 = t[o + 6];
        long k7 = t[o + 7];
        if (set) {
            for (int i = from; i < to; i++) {
                long v = s[i];
                long m0 = v & LOW_BITS;
                long m1 = (v >>> 1) & LOW_BITS;
                long m2 = (v >>> 2) & LOW_BITS;
                long m3 = (v >>> 3) & LOW_BITS;
                d[i] = (((m0 << 8) - m0) & k0) ^ (((m1 << 8) - m1) & k1) ^ (((m2 << 8) - m2) & k2)
                        ^ (((m3 << 8) - m3) & k3);
            }
        } else {
            for (int i = from; i < to; i++) {
                long v = s[i];
                long m0 = v & LOW_BITS;
                long m1 = (v >>> 1) & LOW_BITS;
                long m2 = (v >>> 2) & LOW_BITS;
                long m3 = (v >>> 3) & LOW_BITS;
                d[i] ^= (((m0 << 8) - m0) & k0) ^ (((m1 << 8) - m1) & k1) ^ (((m2 << 8) - m2) & k2)
                        ^ (((m3 << 8) - m3) & k3);
            }
        }
        for (int i = from; i < to; i++) {
            long v = s[i];
            long m4 = (v >>> 4) & LOW_BITS;
            long m5 = (v >>> 5) & LOW_BITS;
            long m6 = (v >>> 6) & LOW_BITS;
            long m7 = (v >>> 7) & LOW_BITS;
            d[i] ^= (((m4 << 8) - m4) & k4) ^ (((m5 << 8) - m5) & k5) ^ (((m6 << 8) - m6) & k6)
                    ^ (((m7 << 8) - m7) & k7);
        }
    }
}
