package io.veloc4j.flush;

import io.veloc4j.levels.FileIo;
import io.veloc4j.levels.persistent.AggregateWriter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where a node keeps its encoded part of a group until the writer pulls it: in memory while the
 * engine's budget allows (no write and read back of the compressed bytes), else in a node-local
 * file. {@link #pieces} hands the bytes out in order, at most {@link EngineLink#PIECE} at a time;
 * {@link #release} gives the memory back.
 */
abstract class Spool {

    /** Bytes of parts this engine may hold in memory at once. */
    static final class Budget {
        private final long limit;
        private final AtomicLong used = new AtomicLong();

        Budget(long limit) {
            this.limit = limit;
        }

        boolean reserve(long n) {
            while (true) {
                long u = used.get();
                if (u + n > limit) {
                    return false;
                }
                if (used.compareAndSet(u, u + n)) {
                    return true;
                }
            }
        }

        void give(long n) {
            used.addAndGet(-n);
        }
    }

    /** Consumes the pieces in order. */
    interface PieceSink {
        void accept(ByteBuffer piece) throws Exception;
    }

    abstract AggregateWriter.ChunkSink sink();

    abstract void pieces(PieceSink out) throws Exception;

    abstract void release();

    /** In memory, within {@code reserved} bytes of the budget (what is not used goes back after encoding). */
    static final class Memory extends Spool {
        private final Budget budget;
        private long reserved;
        private final List<byte[]> chunks = new ArrayList<>();
        private long bytes;

        Memory(Budget budget, long reserved) {
            this.budget = budget;
            this.reserved = reserved;
        }

        @Override
        AggregateWriter.ChunkSink sink() {
            return (b, off, len) -> {
                if (bytes + len > reserved) {
                    throw new IOException("a part larger than the " + reserved + " bytes reserved for it in memory");
                }
                byte[] copy = new byte[len];
                System.arraycopy(b, off, copy, 0, len);
                chunks.add(copy);
                bytes += len;
            };
        }

        /** After encoding: the reservation shrinks to what the part holds. */
        void trim() {
            budget.give(reserved - bytes);
            reserved = bytes;
        }

        @Override
        void pieces(PieceSink out) throws Exception {
            for (byte[] c : chunks) {
                for (int at = 0; at < c.length; at += EngineLink.PIECE) {
                    out.accept(ByteBuffer.wrap(c, at, Math.min(EngineLink.PIECE, c.length - at)));
                }
            }
        }

        @Override
        void release() {
            chunks.clear();
            budget.give(reserved);
            reserved = 0;
        }
    }

    /** In a node-local file. */
    static final class File extends Spool {
        private final Path path;
        private FileChannel channel;
        private long at;

        File(Path path) throws IOException {
            this.path = path;
            FileIo.createPrivateDirectories(path.getParent());
            this.channel = FileIo.createPrivate(path);
        }

        @Override
        AggregateWriter.ChunkSink sink() {
            return (b, off, len) -> {
                FileIo.writeFully(channel, ByteBuffer.wrap(b, off, len), at);
                at += len;
            };
        }

        void closeWriting() {
            FileIo.closeQuietly(channel);
        }

        @Override
        void pieces(PieceSink out) throws Exception {
            ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.min(EngineLink.PIECE, Math.max(1, at)));
            try (FileChannel in = FileChannel.open(path, StandardOpenOption.READ)) {
                long pos = 0;
                while (pos < at) {
                    buf.clear().limit((int) Math.min(buf.capacity(), at - pos));
                    while (buf.hasRemaining()) {
                        if (in.read(buf, pos + buf.position()) < 0) {
                            throw new IOException(path + " is shorter than the part it holds (" + at + " bytes)");
                        }
                    }
                    buf.flip();
                    pos += buf.remaining();
                    out.accept(buf);
                }
            }
        }

        @Override
        void release() {
            FileIo.closeQuietly(channel);
            FileIo.deleteQuietly(path);
        }
    }
}
