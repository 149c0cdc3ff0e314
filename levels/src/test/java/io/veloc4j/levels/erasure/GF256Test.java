package io.veloc4j.levels.erasure;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The field's arithmetic against a bitwise reference, and both range kernels against it. */
class GF256Test {

    /** Carry-less multiplication reduced by 0x11d, one bit at a time. */
    private static int reference(int a, int b) {
        int r = 0;
        for (int i = 0; i < 8; i++) {
            if ((b & (1 << i)) != 0) {
                r ^= a;
            }
            a <<= 1;
            if ((a & 0x100) != 0) {
                a ^= GF256.POLYNOMIAL;
            }
        }
        return r;
    }

    @Test
    void everyProductQuotientAndInverseIsRight() {
        for (int a = 0; a < 256; a++) {
            for (int b = 0; b < 256; b++) {
                int p = GF256.mul(a, b);
                assertEquals(reference(a, b), p, a + " · " + b);
                if (b != 0) {
                    assertEquals(a, GF256.div(p, b), a + " · " + b + " / " + b);
                }
            }
            if (a != 0) {
                assertEquals(1, GF256.mul(a, GF256.inverse(a)), "inverse of " + a);
                assertEquals(a, GF256.exp(GF256.log(a)), "exp(log(" + a + "))");
            }
            assertEquals(a ^ 0x5a, GF256.add(a, 0x5a));
        }
        assertThrows(ArithmeticException.class, () -> GF256.div(3, 0));
        assertThrows(ArithmeticException.class, () -> GF256.inverse(0));
        assertThrows(IllegalArgumentException.class, () -> GF256.mul(256, 1));
        assertEquals(1, GF256.exp(255), "2 generates the multiplicative group: 2^255 = 1");
    }

    @Test
    void theTableIsTheProducts() {
        byte[] t = GF256.table(0x8e);
        for (int x = 0; x < 256; x++) {
            assertEquals(reference(0x8e, x), t[x] & 0xff);
        }
    }

    @Test
    void byteKernelAddsProductsInRange() {
        Random r = new Random(1);
        byte[] src = new byte[1000];
        byte[] dst = new byte[1000];
        r.nextBytes(src);
        r.nextBytes(dst);
        for (int c : new int[] {0, 1, 2, 0x8e, 255}) {
            byte[] d = dst.clone();
            GF256.mulAdd(c, src, 3, d, 7, 990);
            for (int i = 0; i < 1000; i++) {
                int expected = i >= 7 && i < 997 ? (dst[i] & 0xff) ^ reference(c, src[i - 4] & 0xff) : dst[i] & 0xff;
                assertEquals(expected, d[i] & 0xff, "c = " + c + ", byte " + i);
            }
        }
    }

    @Test
    void longKernelsAreTheByteKernelOnEightBytesALong() {
        Random r = new Random(2);
        int words = 5000; // more than a block, not a multiple of anything
        long[] src = new long[words];
        long[] dst = new long[words];
        for (int i = 0; i < words; i++) {
            src[i] = r.nextLong();
            dst[i] = r.nextLong();
        }
        byte[] srcBytes = bytes(src);
        for (int c = 0; c < 256; c++) {
            long[] added = dst.clone();
            GF256.mulAdd(c, src, added, 11, 4990);
            byte[] expected = bytes(dst);
            GF256.mulAdd(c, srcBytes, 88, expected, 88, (4990 - 11) * 8);
            assertArrayEquals(expected, bytes(added), "mulAdd, c = " + c);

            long[] set = dst.clone();
            GF256.mul(c, src, set, 11, 4990);
            byte[] product = bytes(dst);
            java.util.Arrays.fill(product, 88, 4990 * 8, (byte) 0);
            GF256.mulAdd(c, srcBytes, 88, product, 88, (4990 - 11) * 8);
            assertArrayEquals(product, bytes(set), "mul, c = " + c);
        }
        long[] x = dst.clone();
        GF256.xor(src, x, 0, words);
        for (int i = 0; i < words; i++) {
            assertEquals(src[i] ^ dst[i], x[i]);
        }
        assertThrows(IllegalArgumentException.class, () -> GF256.mulAdd(3, src, src, 0, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> GF256.mulAdd(3, src, dst, 0, words + 1));
    }

    private static byte[] bytes(long[] words) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(words.length * 8);
        Words.store(words, words.length * 8, b);
        return b.array();
    }
}
