package io.veloc4j.runtime;

import io.veloc4j.levels.ElementType;
import io.veloc4j.levels.Region;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/** A region that counts the bytes restored into it, for the restart's progress line. */
record CountingRegion(Region inner, AtomicLong counter) implements Region {

    @Override
    public ElementType type() {
        return inner.type();
    }

    @Override
    public long elements() {
        return inner.elements();
    }

    @Override
    public void read(long from, ByteBuffer dst) {
        inner.read(from, dst);
    }

    @Override
    public void write(long to, ByteBuffer src) {
        int n = src.remaining();
        inner.write(to, src);
        counter.addAndGet(n);
    }
}
