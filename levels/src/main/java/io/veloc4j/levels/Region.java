package io.veloc4j.levels;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A protected piece of application memory seen as little-endian bytes: what a checkpoint copies
 * out of and a restart copies back into. Offsets and lengths are in bytes and multiples of the
 * element width.
 */
public interface Region {

    ElementType type();

    long elements();

    default long bytes() {
        return elements() * type().width();
    }

    /** Copies {@code dst.remaining()} bytes starting at byte {@code from} into {@code dst}, advancing it. */
    void read(long from, ByteBuffer dst);

    /** Whether {@link #write} can change the memory (a read-only ByteBuffer can be checkpointed, not restored into). */
    default boolean writable() {
        return true;
    }

    /** Copies {@code src.remaining()} bytes from {@code src} into this region at byte {@code to}, advancing src. */
    void write(long to, ByteBuffer src);

    static Region of(double[] a) {
        return new ArrayRegion(a, ElementType.FLOAT64, a.length);
    }

    static Region of(float[] a) {
        return new ArrayRegion(a, ElementType.FLOAT32, a.length);
    }

    static Region of(long[] a) {
        return new ArrayRegion(a, ElementType.INT64, a.length);
    }

    static Region of(int[] a) {
        return new ArrayRegion(a, ElementType.INT32, a.length);
    }

    static Region of(short[] a) {
        return new ArrayRegion(a, ElementType.INT16, a.length);
    }

    static Region of(char[] a) {
        return new ArrayRegion(a, ElementType.CHAR16, a.length);
    }

    static Region of(byte[] a) {
        return new ArrayRegion(a, ElementType.INT8, a.length);
    }

    /** The buffer's bytes from 0 to its limit (position is ignored and left unchanged). */
    static Region of(ByteBuffer b) {
        return new BufferRegion(b);
    }

    /** The view of {@code b} the data moves through: little-endian, from position to limit. */
    static ByteBuffer le(ByteBuffer b) {
        return b.slice().order(ByteOrder.LITTLE_ENDIAN);
    }
}
