package io.veloc4j.levels.codec;

import io.veloc4j.levels.ElementType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Test inputs: little-endian element arrays of every shape the codecs must survive. */
final class CodecTestData {

    static final int[] FLOAT_SPECIALS = {
        0x7fc00001, 0x7f800001, 0xffc00000, 0x7fffffff, 0xff800001, // NaNs with distinct payloads
        0x7f800000, 0xff800000, // ±infinity
        0x00000000, 0x80000000, // +0.0, -0.0
        0x00000001, 0x007fffff, 0x80000001, 0x807fffff, // subnormals
        0x00800000, 0x7f7fffff, 0xff7fffff, // MIN_NORMAL, MAX_VALUE, -MAX_VALUE
        Float.floatToRawIntBits(1.0f), Float.floatToRawIntBits(-1.0f),
    };

    static final long[] DOUBLE_SPECIALS = {
        0x7ff8000000000001L, 0x7ff0000000000001L, 0xfff8000000000000L, 0x7ff8deadbeef0000L, 0x7fffffffffffffffL,
        0xfff0000000000001L, // NaNs with distinct payloads
        0x7ff0000000000000L, 0xfff0000000000000L, // ±infinity
        0x0000000000000000L, 0x8000000000000000L, // +0.0, -0.0
        0x0000000000000001L, 0x000fffffffffffffL, 0x8000000000000001L, // subnormals
        0x0010000000000000L, 0x7fefffffffffffffL, 0xffefffffffffffffL, // MIN_NORMAL, ±MAX_VALUE
        Double.doubleToRawLongBits(1.0), Double.doubleToRawLongBits(-1.0),
    };

    record Case(String name, byte[] data) {
        @Override
        public String toString() {
            return name + "[" + data.length + "B]";
        }
    }

    private CodecTestData() {
    }

    static boolean floating(ElementType t) {
        return t == ElementType.FLOAT32 || t == ElementType.FLOAT64;
    }

    /** Writes element i as the low {@code width} bytes of {@code bits}. */
    static void put(byte[] b, ElementType t, int i, long bits) {
        int w = t.width();
        for (int k = 0; k < w; k++) {
            b[i * w + k] = (byte) (bits >>> (8 * k));
        }
    }

    /** The bits of value {@code v} as an element of {@code t} (floats converted, integers truncated). */
    static long bitsOf(ElementType t, double v) {
        return switch (t) {
            case FLOAT64 -> Double.doubleToRawLongBits(v);
            case FLOAT32 -> Float.floatToRawIntBits((float) v);
            default -> (long) Math.floor(v);
        };
    }

    static byte[] random(ElementType t, int n, long seed) {
        byte[] b = new byte[n * t.width()];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A smooth 2-D field (rows of {@code row}) with small noise. */
    static byte[] smooth(ElementType t, int n, int row, long seed) {
        Random r = new Random(seed);
        byte[] b = new byte[n * t.width()];
        int rl = Math.max(1, row);
        double scale = switch (t) {
            case INT8 -> 50;
            case INT16, CHAR16 -> 5000;
            default -> 1e6;
        };
        for (int i = 0; i < n; i++) {
            int x = i % rl;
            int y = i / rl;
            double v = floating(t)
                    ? 280 + 15 * Math.sin(x * 0.05) * Math.cos(y * 0.07) + 1e-3 * r.nextGaussian()
                    : scale * Math.sin(x * 0.01 + y * 0.013) + r.nextInt(3);
            put(b, t, i, bitsOf(t, v));
        }
        return b;
    }

    static byte[] constant(ElementType t, int n, long bits) {
        byte[] b = new byte[n * t.width()];
        for (int i = 0; i < n; i++) {
            put(b, t, i, bits);
        }
        return b;
    }

    /** Special values (NaN payloads, ±0, subnormals, ±inf, extremes) interleaved with smooth ones. */
    static byte[] specials(ElementType t, int n, long seed) {
        Random r = new Random(seed);
        byte[] b = smooth(t, n, 0, seed);
        for (int i = 0; i < n; i++) {
            if (r.nextInt(3) == 0) {
                long bits = switch (t) {
                    case FLOAT32 -> FLOAT_SPECIALS[r.nextInt(FLOAT_SPECIALS.length)] & 0xffffffffL;
                    case FLOAT64 -> DOUBLE_SPECIALS[r.nextInt(DOUBLE_SPECIALS.length)];
                    default -> switch (r.nextInt(4)) {
                        case 0 -> 0L;
                        case 1 -> -1L;
                        case 2 -> 1L << (8 * t.width() - 1); // MIN
                        default -> (1L << (8 * t.width() - 1)) - 1; // MAX
                    };
                };
                put(b, t, i, bits);
            }
        }
        return b;
    }

    /** Few distinct values (the rank path), specials among them, in smooth runs. */
    static byte[] lowCardinality(ElementType t, int n, int distinct, long seed) {
        Random r = new Random(seed);
        long[] pool = new long[distinct];
        for (int k = 0; k < distinct; k++) {
            pool[k] = k % 5 == 4
                    ? (t == ElementType.FLOAT32 ? FLOAT_SPECIALS[k % FLOAT_SPECIALS.length] & 0xffffffffL
                    : t == ElementType.FLOAT64 ? DOUBLE_SPECIALS[k % DOUBLE_SPECIALS.length] : -k)
                    : bitsOf(t, 3.28 * (k - distinct / 3));
        }
        byte[] b = new byte[n * t.width()];
        int at = r.nextInt(distinct);
        for (int i = 0; i < n; i++) {
            at = Math.floorMod(at + r.nextInt(3) - 1, distinct);
            put(b, t, i, pool[at]);
        }
        return b;
    }

    /** Mostly zeros with sparse values (sea-ice-like fields). */
    static byte[] sparse(ElementType t, int n, long seed) {
        Random r = new Random(seed);
        byte[] b = new byte[n * t.width()];
        for (int i = 0; i < n; i++) {
            if (r.nextInt(10) == 0) {
                put(b, t, i, bitsOf(t, r.nextInt(100) * 0.25));
            }
        }
        return b;
    }

    static List<Case> cases(ElementType t, int n, int row) {
        List<Case> out = new ArrayList<>();
        out.add(new Case("random", random(t, n, 1)));
        out.add(new Case("smooth", smooth(t, n, row, 2)));
        out.add(new Case("constant", constant(t, n, floating(t) ? bitsOf(t, 273.15) : 42)));
        out.add(new Case("zeros", new byte[n * t.width()]));
        out.add(new Case("specials", specials(t, n, 3)));
        out.add(new Case("lowCardinality", lowCardinality(t, n, Math.max(2, Math.min(300, n / 16)), 4)));
        out.add(new Case("sparse", sparse(t, n, 5)));
        return out;
    }

    static double[] toDoubles(byte[] b) {
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        double[] d = new double[b.length / 8];
        for (int i = 0; i < d.length; i++) {
            d[i] = bb.getDouble();
        }
        return d;
    }
}
