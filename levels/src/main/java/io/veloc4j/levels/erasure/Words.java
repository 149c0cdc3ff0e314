package io.veloc4j.levels.erasure;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Bytes to and from the {@code long[]} words the codec computes on: eight bytes a long in native
 * order (the code works byte by byte, so the order only has to be the same both ways, and native
 * order makes the copy a memcpy). A partial last long is padded with zeros, as every piece is
 * padded logically.
 */
final class Words {

    private Words() {
    }

    /** Longs that hold {@code bytes}. */
    static int of(long bytes) {
        return Math.toIntExact((bytes + 7) >>> 3);
    }

    /**
     * Copies {@code src}'s remaining bytes into {@code dst} from word 0 and zeros the rest of the
     * first {@code words} words (a piece shorter than the stripe is zero-padded); src is consumed.
     */
    static void load(ByteBuffer src, long[] dst, int words) {
        int n = src.remaining();
        if (of(n) > words) {
            throw new IllegalArgumentException(n + " bytes do not fit " + words + " words");
        }
        int full = n >>> 3;
        ByteBuffer b = src.slice().order(ByteOrder.nativeOrder());
        b.asLongBuffer().get(dst, 0, full);
        if ((n & 7) != 0) {
            long tail = 0;
            for (int i = n & ~7; i < n; i++) {
                tail |= (b.get(i) & 0xffL) << (8 * (nativeLittle() ? i & 7 : 7 - (i & 7)));
            }
            dst[full] = tail;
        }
        java.util.Arrays.fill(dst, of(n), words, 0L);
        src.position(src.limit());
    }

    /** Writes the first {@code bytes} bytes of {@code src} into {@code dst} at its position, advancing it. */
    static void store(long[] src, int bytes, ByteBuffer dst) {
        int full = bytes >>> 3;
        ByteBuffer b = dst.slice().order(ByteOrder.nativeOrder());
        b.asLongBuffer().put(src, 0, full);
        if ((bytes & 7) != 0) {
            long tail = src[full];
            for (int i = bytes & ~7; i < bytes; i++) {
                b.put(i, (byte) (tail >>> (8 * (nativeLittle() ? i & 7 : 7 - (i & 7)))));
            }
        }
        dst.position(dst.position() + bytes);
    }

    private static boolean nativeLittle() {
        return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    }
}
