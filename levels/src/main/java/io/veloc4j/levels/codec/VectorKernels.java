package io.veloc4j.levels.codec;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteOrder;

/**
 * The hot loops of {@link Kernels} on the Vector API: byte-plane gathers and scatters (a plane's
 * bytes widened to int or long lanes and shifted into place, or narrowed back), the Lorenzo and
 * XOR residuals, the float order mapping, rank table lookups. C2 on JDK 17 vectorizes none of
 * these byte-to-int loops itself. Every method computes exactly what its scalar twin in
 * {@link Kernels} computes (the tests run both on the same inputs); tails shorter than a vector
 * go through the same scalar code. Loaded only when {@link Simd} says so: referencing this class
 * in a JVM without {@code jdk.incubator.vector} fails.
 */
final class VectorKernels {

    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final int IL = I.length();
    /** IL bytes: a run of one plane, one byte per int lane. */
    private static final VectorSpecies<Byte> BI = VectorSpecies.of(byte.class, VectorShape.forBitSize(IL * 8));
    private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;
    private static final int LL = L.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private VectorKernels() {
    }

    static boolean intsUsable() {
        return I.vectorBitSize() >= 256;
    }

    /** 64-bit kernels widen 8 bytes of a plane to 8 long lanes: 512-bit vectors. */
    static boolean longsUsable() {
        return LL >= 8;
    }

    /**
     * Runs every kernel on small inputs until the JIT has compiled them (the Vector API is
     * intrinsified in C2-compiled code only; interpreted, each vector operation allocates and runs
     * 100-1000x slower than the scalar loop), and checks the results against the scalar twins.
     * Compiled means: a window of {@value #WINDOW} rounds averaging under {@value #FAST_NS} ns a
     * round (one round runs every kernel once on {@code 2 * lanes + 3} elements). Returns false on
     * a mismatch, or if that never happens within {@code maxRounds}.
     */
    static boolean warmUp(int maxRounds) {
        final int n = 2 * IL + 3;
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(0x5EED);
        byte[] raw = new byte[4 * n];
        byte[] p = new byte[4 * n];
        byte[] p2 = new byte[4 * n];
        byte[] out = new byte[4 * n];
        int[] mv = new int[n];
        int[] mv2 = new int[n];
        int[] t = new int[n];
        int[] t2 = new int[n];
        long windowStart = System.nanoTime();
        for (int r = 0; r < maxRounds; r++) {
            boolean check = r % WINDOW == 0;
            if (check) {
                for (int i = 0; i < raw.length; i++) {
                    raw[i] = (byte) rnd.nextInt();
                }
            }
            int row = (r & 1) == 0 ? 0 : IL + 1;
            int fm = (r & 2) == 0 ? Kernels.FLOAT_MAP_32 : 0;
            int or = shuffle32(raw, 0, n, p);
            unshuffle32(p, n, out, 0);
            boolean same = !check || java.util.Arrays.equals(out, raw);
            loadMapped32(raw, 0, mv, 0, n, fm);
            or |= residualsTile32(mv, 0, n, row, t);
            scatter32(t, n, p, n, 0);
            gather32(p, n, 0xF, 0, n, mv, 0);
            unresidualsTile32(mv, 0, n, row, 0);
            storeMapped32(mv, 0, n, fm, out, 0);
            or |= xor32(raw, 0, n, p);
            if (check) {
                int expect = Kernels.shuffle32Scalar(raw, 0, n, t2, p2) | residualsOf(raw, n, row, fm, mv2, t2)
                        | Kernels.xor32Scalar(raw, 0, n, t2, p2);
                if (!same || or != expect || !java.util.Arrays.equals(out, raw) || !java.util.Arrays.equals(p, p2)) {
                    return false;
                }
                long now = System.nanoTime();
                if (r > 0 && now - windowStart < (long) WINDOW * FAST_NS) {
                    return true;
                }
                windowStart = now;
            }
        }
        return false;
    }

    /** Warm-up rounds per timing window. */
    static final int WINDOW = 512;
    /** A warm round (every kernel once on a few vectors' worth) takes well under this; an interpreted one takes 100x more. */
    static final int FAST_NS = 5_000;

    private static int residualsOf(byte[] raw, int n, int row, int fm, int[] mv, int[] t) {
        Kernels.loadMapped32Scalar(raw, 0, mv, 0, n, fm);
        return Kernels.residualsTile32Scalar(mv, 0, n, row, t);
    }

    static String describe() {
        return "Vector API, " + I.vectorBitSize() + "-bit";
    }

    /** Bytes of a plane at {@code p[at]}, one per int lane, sign-extended. */
    private static IntVector widen(byte[] p, int at) {
        return (IntVector) ByteVector.fromArray(BI, p, at).convertShape(VectorOperators.B2I, I, 0);
    }

    // ------------------------------------------------------------------ 32-bit planes

    /** As {@link Kernels#gather32(byte[], int, int, int, int, int[], int)}. */
    static void gather32(byte[] p, int n, int mask, int at, int len, int[] t, int to) {
        final boolean m0 = (mask & 1) != 0, m1 = (mask & 2) != 0, m2 = (mask & 4) != 0, m3 = (mask & 8) != 0;
        final int b1 = n + at, b2 = 2 * n + at, b3 = 3 * n + at;
        int j = 0;
        for (; j <= len - IL; j += IL) {
            IntVector v = IntVector.zero(I);
            if (m0) {
                v = widen(p, at + j).and(0xff);
            }
            if (m1) {
                v = v.or(widen(p, b1 + j).and(0xff).lanewise(VectorOperators.LSHL, 8));
            }
            if (m2) {
                v = v.or(widen(p, b2 + j).and(0xff).lanewise(VectorOperators.LSHL, 16));
            }
            if (m3) {
                v = v.or(widen(p, b3 + j).lanewise(VectorOperators.LSHL, 24));
            }
            v.intoArray(t, to + j);
        }
        for (; j < len; j++) {
            t[to + j] = (m0 ? p[at + j] & 0xff : 0) | (m1 ? (p[b1 + j] & 0xff) << 8 : 0)
                    | (m2 ? (p[b2 + j] & 0xff) << 16 : 0) | (m3 ? p[b3 + j] << 24 : 0);
        }
    }

    /** As {@link Kernels#scatter32}. */
    static void scatter32(int[] t, int len, byte[] p, int n, int at) {
        final int p1 = n + at, p2 = 2 * n + at, p3 = 3 * n + at;
        int j = 0;
        for (; j <= len - IL; j += IL) {
            IntVector v = IntVector.fromArray(I, t, j);
            narrow(v).intoArray(p, at + j);
            narrow(v.lanewise(VectorOperators.LSHR, 8)).intoArray(p, p1 + j);
            narrow(v.lanewise(VectorOperators.LSHR, 16)).intoArray(p, p2 + j);
            narrow(v.lanewise(VectorOperators.LSHR, 24)).intoArray(p, p3 + j);
        }
        for (; j < len; j++) {
            int z = t[j];
            p[at + j] = (byte) z;
            p[p1 + j] = (byte) (z >>> 8);
            p[p2 + j] = (byte) (z >>> 16);
            p[p3 + j] = (byte) (z >>> 24);
        }
    }

    private static ByteVector narrow(IntVector v) {
        return (ByteVector) v.convertShape(VectorOperators.I2B, BI, 0);
    }

    /** As {@link Kernels#unshuffle32}: the planes straight to little-endian elements. */
    static void unshuffle32(byte[] p, int n, byte[] raw, int off) {
        final int n1 = n, n2 = 2 * n, n3 = 3 * n;
        int i = 0;
        for (; i <= n - IL; i += IL) {
            widen(p, i).and(0xff)
                    .or(widen(p, n1 + i).and(0xff).lanewise(VectorOperators.LSHL, 8))
                    .or(widen(p, n2 + i).and(0xff).lanewise(VectorOperators.LSHL, 16))
                    .or(widen(p, n3 + i).lanewise(VectorOperators.LSHL, 24))
                    .intoByteArray(raw, off + 4 * i, LE);
        }
        for (; i < n; i++) {
            Kernels.I32.set(raw, off + 4 * i, Kernels.gather32(p, i, n1, n2, n3));
        }
    }

    /** As {@link Kernels#shuffle32}, without the tile: elements straight to planes. */
    static int shuffle32(byte[] raw, int off, int n, byte[] p) {
        final int p1 = n, p2 = 2 * n, p3 = 3 * n;
        IntVector acc = IntVector.zero(I);
        int i = 0;
        for (; i <= n - IL; i += IL) {
            IntVector v = IntVector.fromByteArray(I, raw, off + 4 * i, LE);
            acc = acc.or(v);
            narrow(v).intoArray(p, i);
            narrow(v.lanewise(VectorOperators.LSHR, 8)).intoArray(p, p1 + i);
            narrow(v.lanewise(VectorOperators.LSHR, 16)).intoArray(p, p2 + i);
            narrow(v.lanewise(VectorOperators.LSHR, 24)).intoArray(p, p3 + i);
        }
        int or = acc.reduceLanes(VectorOperators.OR);
        for (; i < n; i++) {
            int z = (int) Kernels.I32.get(raw, off + 4 * i);
            or |= z;
            p[i] = (byte) z;
            p[p1 + i] = (byte) (z >>> 8);
            p[p2 + i] = (byte) (z >>> 16);
            p[p3 + i] = (byte) (z >>> 24);
        }
        return or;
    }

    // ------------------------------------------------------------------ 32-bit element transforms

    /** {@code mv[s, e) = map32(element)} of the elements at {@code raw[at]}. */
    static void loadMapped32(byte[] raw, int at, int[] mv, int s, int e, int fm) {
        int i = s;
        for (; i <= e - IL; i += IL) {
            IntVector b = IntVector.fromByteArray(I, raw, at + 4 * (i - s), LE);
            map(b, fm).intoArray(mv, i);
        }
        for (; i < e; i++) {
            mv[i] = Kernels.map32((int) Kernels.I32.get(raw, at + 4 * (i - s)), fm);
        }
    }

    /** The elements {@code map32(mv[s, e))} to {@code raw[at]}. */
    static void storeMapped32(int[] mv, int s, int e, int fm, byte[] raw, int at) {
        int i = s;
        for (; i <= e - IL; i += IL) {
            map(IntVector.fromArray(I, mv, i), fm).intoByteArray(raw, at + 4 * (i - s), LE);
        }
        for (; i < e; i++) {
            Kernels.I32.set(raw, at + 4 * (i - s), Kernels.map32(mv[i], fm));
        }
    }

    private static IntVector map(IntVector b, int fm) {
        return fm == 0 ? b : b.lanewise(VectorOperators.XOR, b.lanewise(VectorOperators.ASHR, 31).lanewise(VectorOperators.LSHR, 1).and(fm));
    }

    private static IntVector zigzag(IntVector r) {
        return r.lanewise(VectorOperators.LSHL, 1).lanewise(VectorOperators.XOR, r.lanewise(VectorOperators.ASHR, 31));
    }

    private static IntVector unzigzag(IntVector z) {
        return z.lanewise(VectorOperators.LSHR, 1).lanewise(VectorOperators.XOR, z.and(1).neg());
    }

    /** As the scalar {@code residualsTile32} of {@link Kernels}. */
    static int residualsTile32(int[] mv, int s, int e, int row, int[] t) {
        int or = 0;
        int i = s;
        if (i == 0 && e > 0) {
            int z = (mv[0] << 1) ^ (mv[0] >> 31);
            t[0] = z;
            or = z;
            i = 1;
        }
        IntVector acc = IntVector.zero(I);
        int head = row == 0 ? e : Math.min(e, row + 1);
        for (; i <= head - IL; i += IL) {
            IntVector z = zigzag(IntVector.fromArray(I, mv, i).sub(IntVector.fromArray(I, mv, i - 1)));
            acc = acc.or(z);
            z.intoArray(t, i - s);
        }
        for (; i < head; i++) {
            int r = mv[i] - mv[i - 1];
            int z = (r << 1) ^ (r >> 31);
            t[i - s] = z;
            or |= z;
        }
        for (; i <= e - IL; i += IL) {
            IntVector r = IntVector.fromArray(I, mv, i).sub(IntVector.fromArray(I, mv, i - 1))
                    .sub(IntVector.fromArray(I, mv, i - row)).add(IntVector.fromArray(I, mv, i - row - 1));
            IntVector z = zigzag(r);
            acc = acc.or(z);
            z.intoArray(t, i - s);
        }
        for (; i < e; i++) {
            int r = mv[i] - mv[i - 1] - mv[i - row] + mv[i - row - 1];
            int z = (r << 1) ^ (r >> 31);
            t[i - s] = z;
            or |= z;
        }
        return or | acc.reduceLanes(VectorOperators.OR);
    }

    /**
     * As the scalar {@code unresidualsTile32} of {@link Kernels}: the part of each value that does
     * not depend on its west neighbour (unzigzagged residual + north − northwest) vectorized, a
     * row's worth at a time so that the north row is final; then the running sum along the row
     * (scalar: an in-register vector scan measured slower, its carry between vectors being a lane
     * extraction).
     */
    static int unresidualsTile32(int[] mv, int s, int e, int row, int w) {
        return unresiduals(mv, s, e, row, w, null, null, null, 0);
    }

    /**
     * {@link #unresidualsTile32} on ranks, each final rank looked up in {@code table} (a power of
     * two long, ranks masked to it) and the entry written to {@code raw[at]} as a 32-bit element,
     * in the same pass as the running sum.
     */
    static int unresidualsRanks32(int[] mv, int s, int e, int row, int w, int[] table, byte[] raw, int at) {
        return unresiduals(mv, s, e, row, w, table, null, raw, at);
    }

    /** As {@link #unresidualsRanks32} with 64-bit table entries and elements. */
    static int unresidualsRanks64(int[] mv, int s, int e, int row, int w, long[] table, byte[] raw, int at) {
        return unresiduals(mv, s, e, row, w, null, table, raw, at);
    }

    private static int unresiduals(int[] mv, int s, int e, int row, int w, int[] t32, long[] t64, byte[] raw, int at) {
        int i = s;
        int head = row == 0 ? e : Math.min(e, row + 1);
        if (i < head) {
            int j = i;
            for (; j <= head - IL; j += IL) {
                unzigzag(IntVector.fromArray(I, mv, j)).intoArray(mv, j);
            }
            for (; j < head; j++) {
                int z = mv[j];
                mv[j] = (z >>> 1) ^ -(z & 1);
            }
            w = runningSum(mv, i, head, w, t32, t64, raw, at + (i - s) * (t64 != null ? 8 : 4));
            i = head;
        }
        if (row < IL) {
            for (; i < e; i++) {
                int z = mv[i];
                mv[i] = ((z >>> 1) ^ -(z & 1)) + (mv[i - row] - mv[i - row - 1]);
                w = runningSum(mv, i, i + 1, w, t32, t64, raw, at + (i - s) * (t64 != null ? 8 : 4));
            }
            return w;
        }
        while (i < e) {
            int end = Math.min(e, i + row);
            int j = i;
            for (; j <= end - IL; j += IL) {
                unzigzag(IntVector.fromArray(I, mv, j)).add(IntVector.fromArray(I, mv, j - row))
                        .sub(IntVector.fromArray(I, mv, j - row - 1)).intoArray(mv, j);
            }
            for (; j < end; j++) {
                int z = mv[j];
                mv[j] = ((z >>> 1) ^ -(z & 1)) + (mv[j - row] - mv[j - row - 1]);
            }
            w = runningSum(mv, i, end, w, t32, t64, raw, at + (i - s) * (t64 != null ? 8 : 4));
            i = end;
        }
        return w;
    }

    /**
     * {@code mv[i] = w + mv[s] + ... + mv[i]} for i in [s, e), and with a table each entry of it
     * written to {@code raw[at]}; returns the last (w if empty).
     */
    private static int runningSum(int[] mv, int s, int e, int w, int[] t32, long[] t64, byte[] raw, int at) {
        if (t32 != null) {
            final int tmask = t32.length - 1;
            for (int i = s; i < e; i++) {
                w += mv[i];
                mv[i] = w;
                Kernels.I32.set(raw, at + 4 * (i - s), t32[w & tmask]);
            }
        } else if (t64 != null) {
            final int tmask = t64.length - 1;
            for (int i = s; i < e; i++) {
                w += mv[i];
                mv[i] = w;
                Kernels.I64.set(raw, at + 8 * (i - s), t64[w & tmask]);
            }
        } else {
            for (int i = s; i < e; i++) {
                w += mv[i];
                mv[i] = w;
            }
        }
        return w;
    }

    /** As {@link Kernels#unxor32Scalar}: a tile gathered, the XOR chain undone (scalar), the tile stored; {@code t} holds {@link Kernels#TILE} ints. */
    static void unxor32(byte[] p, int n, int[] t, byte[] raw, int off) {
        int prev = 0;
        for (int s = 0; s < n; s += Kernels.TILE) {
            int len = Math.min(Kernels.TILE, n - s);
            gather32(p, n, 0xF, s, len, t, 0);
            for (int j = 0; j < len; j++) {
                prev ^= t[j];
                t[j] = prev;
            }
            storeMapped32(t, 0, len, 0, raw, off + 4 * s);
        }
    }

    /** As {@link Kernels#xor32}: each element XOR the previous one, to planes. */
    static int xor32(byte[] raw, int off, int n, byte[] p) {
        final int p1 = n, p2 = 2 * n, p3 = 3 * n;
        int or = 0;
        int i = 0;
        if (n > 0) {
            int z = (int) Kernels.I32.get(raw, off);
            or = z;
            p[0] = (byte) z;
            p[p1] = (byte) (z >>> 8);
            p[p2] = (byte) (z >>> 16);
            p[p3] = (byte) (z >>> 24);
            i = 1;
        }
        IntVector acc = IntVector.zero(I);
        for (; i <= n - IL; i += IL) {
            IntVector v = IntVector.fromByteArray(I, raw, off + 4 * i, LE)
                    .lanewise(VectorOperators.XOR, IntVector.fromByteArray(I, raw, off + 4 * i - 4, LE));
            acc = acc.or(v);
            narrow(v).intoArray(p, i);
            narrow(v.lanewise(VectorOperators.LSHR, 8)).intoArray(p, p1 + i);
            narrow(v.lanewise(VectorOperators.LSHR, 16)).intoArray(p, p2 + i);
            narrow(v.lanewise(VectorOperators.LSHR, 24)).intoArray(p, p3 + i);
        }
        for (; i < n; i++) {
            int z = (int) Kernels.I32.get(raw, off + 4 * i) ^ (int) Kernels.I32.get(raw, off + 4 * i - 4);
            or |= z;
            p[i] = (byte) z;
            p[p1 + i] = (byte) (z >>> 8);
            p[p2 + i] = (byte) (z >>> 16);
            p[p3 + i] = (byte) (z >>> 24);
        }
        return or | acc.reduceLanes(VectorOperators.OR);
    }
}
