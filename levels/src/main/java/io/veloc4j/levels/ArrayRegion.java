package io.veloc4j.levels;

import java.nio.ByteBuffer;

/** A Java primitive array as a {@link Region}; bulk view-buffer copies (a memcpy on little-endian hosts). */
final class ArrayRegion implements Region {

    private final Object array;
    private final ElementType type;
    private final int length;

    ArrayRegion(Object array, ElementType type, int length) {
        this.array = array;
        this.type = type;
        this.length = length;
    }

    @Override
    public ElementType type() {
        return type;
    }

    @Override
    public long elements() {
        return length;
    }

    @Override
    public void read(long from, ByteBuffer dst) {
        int n = dst.remaining();
        int first = Math.toIntExact(from / type.width());
        int count = n / type.width();
        ByteBuffer view = Region.le(dst);
        switch (type) {
            case FLOAT64 -> view.asDoubleBuffer().put((double[]) array, first, count);
            case FLOAT32 -> view.asFloatBuffer().put((float[]) array, first, count);
            case INT64 -> view.asLongBuffer().put((long[]) array, first, count);
            case INT32 -> view.asIntBuffer().put((int[]) array, first, count);
            case INT16 -> view.asShortBuffer().put((short[]) array, first, count);
            case CHAR16 -> view.asCharBuffer().put((char[]) array, first, count);
            case INT8 -> view.put((byte[]) array, first, count);
        }
        dst.position(dst.position() + n);
    }

    @Override
    public void write(long to, ByteBuffer src) {
        int n = src.remaining();
        int first = Math.toIntExact(to / type.width());
        int count = n / type.width();
        ByteBuffer view = Region.le(src);
        switch (type) {
            case FLOAT64 -> view.asDoubleBuffer().get((double[]) array, first, count);
            case FLOAT32 -> view.asFloatBuffer().get((float[]) array, first, count);
            case INT64 -> view.asLongBuffer().get((long[]) array, first, count);
            case INT32 -> view.asIntBuffer().get((int[]) array, first, count);
            case INT16 -> view.asShortBuffer().get((short[]) array, first, count);
            case CHAR16 -> view.asCharBuffer().get((char[]) array, first, count);
            case INT8 -> view.get((byte[]) array, first, count);
        }
        src.position(src.position() + n);
    }
}
