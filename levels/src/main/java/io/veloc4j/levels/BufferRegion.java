package io.veloc4j.levels;

import java.nio.ByteBuffer;

/** A ByteBuffer's bytes [0, limit) as a {@link Region}; the caller's position is never moved. */
final class BufferRegion implements Region {

    private final ByteBuffer buffer;

    BufferRegion(ByteBuffer buffer) {
        this.buffer = buffer;
    }

    @Override
    public ElementType type() {
        return ElementType.INT8;
    }

    @Override
    public long elements() {
        return buffer.limit();
    }

    @Override
    public void read(long from, ByteBuffer dst) {
        int n = dst.remaining();
        dst.put(buffer.duplicate().clear().position(Math.toIntExact(from)).limit(Math.toIntExact(from) + n));
    }

    @Override
    public boolean writable() {
        return !buffer.isReadOnly();
    }

    @Override
    public void write(long to, ByteBuffer src) {
        buffer.duplicate().clear().position(Math.toIntExact(to)).put(src);
    }
}
