package io.veloc4j.runtime;

import io.veloc4j.levels.ElementType;
import io.veloc4j.levels.Region;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** A file's bytes as a {@link Region}: how routed files travel inside a rank file. */
final class FileRegion implements Region {

    private final FileChannel channel;
    private final long length;

    FileRegion(FileChannel channel, long length) {
        this.channel = channel;
        this.length = length;
    }

    @Override
    public ElementType type() {
        return ElementType.INT8;
    }

    @Override
    public long elements() {
        return length;
    }

    @Override
    public void read(long from, ByteBuffer dst) {
        try {
            long pos = from;
            while (dst.hasRemaining()) {
                int n = channel.read(dst, pos);
                if (n < 0) {
                    throw new IOException("file shrank while being checkpointed");
                }
                pos += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void write(long to, ByteBuffer src) {
        try {
            long pos = to;
            while (src.hasRemaining()) {
                pos += channel.write(src, pos);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
