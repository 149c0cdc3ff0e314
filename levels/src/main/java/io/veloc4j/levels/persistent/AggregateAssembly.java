package io.veloc4j.levels.persistent;

import io.veloc4j.levels.CorruptCheckpointException;
import io.veloc4j.levels.Failpoint;
import io.veloc4j.levels.FileIo;
import io.veloc4j.levels.LevelException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A group's aggregate being written by its writer node from parts: this node's own ranks encoded
 * straight into the file ({@link #addLocal}), then each other node's part as it arrives
 * ({@link #addPart}), one after another, so the file is written front to back by one host. The
 * parts' indexes become the file's index ({@link AggregateIndex#concat}); {@link #finish} writes
 * it with the footer, fsyncs and renames the file into place, unless the version was committed
 * meanwhile. Closing an unfinished assembly deletes its temp file. One thread at a time.
 */
public final class AggregateAssembly implements AutoCloseable {

    /** The bytes of a part's chunks, in order, as they arrive; null once all have. */
    @FunctionalInterface
    public interface PartBytes {
        ByteBuffer next() throws LevelException;
    }

    private final AggregateWriter writer;
    private final Path versionDir;
    private final Path target;
    private final Path tmp;
    private final Encoding encoding;
    private final int group;
    private final int version;
    private final ByteBuffer buffer;
    private final FileOutput out;
    private final List<AggregateIndex> parts = new ArrayList<>();
    private final List<Long> bases = new ArrayList<>();
    private final List<AggregateWriter.Source> localSources = new ArrayList<>();
    private long position;
    private boolean finished;

    AggregateAssembly(AggregateWriter writer, Path versionDir, String name, Encoding encoding, int group, int version,
                      ByteBuffer buffer, boolean directIo) throws LevelException {
        this.writer = writer;
        this.versionDir = versionDir;
        this.target = versionDir.resolve(name);
        this.tmp = versionDir.resolve(TempName.of(name));
        this.encoding = encoding;
        this.group = group;
        this.version = version;
        this.buffer = buffer;
        AggregateWriter.refuseCommitted(versionDir, target);
        try {
            FileIo.createPrivateDirectories(versionDir);
            this.out = FileOutput.create(tmp, directIo, buffer);
        } catch (IOException e) {
            writer.returnBuffer(buffer);
            throw writeFailure(e);
        }
    }

    /** Encodes this node's ranks of the group straight into the file. */
    public void addLocal(List<AggregateWriter.Source> sources) throws LevelException {
        long[] stored = {0};
        try {
            AggregateIndex index = writer.encodeLocal(out::write, encoding, group, sources, stored);
            parts.add(index);
            bases.add(position);
            position += stored[0];
            localSources.addAll(sources);
        } catch (IOException e) {
            throw writeFailure(e);
        }
    }

    /**
     * Appends another node's part: its chunk bytes as {@code bytes} delivers them, exactly
     * {@code part.chunkBytes()} of them, then its index (checked) joins the file's.
     *
     * @param from who sent it, for messages
     */
    public void addPart(AggregatePart part, String from, PartBytes bytes) throws LevelException {
        AggregateIndex index = part.decode(from);
        long got = 0;
        try {
            for (ByteBuffer b = bytes.next(); b != null; b = bytes.next()) {
                got += b.remaining();
                if (got > part.chunkBytes()) {
                    throw new CorruptCheckpointException("the part of group " + group + " from " + from + " sent more than the "
                            + part.chunkBytes() + " chunk bytes its index announced");
                }
                out.write(b);
            }
        } catch (IOException e) {
            throw writeFailure(e);
        }
        if (got != part.chunkBytes()) {
            throw new CorruptCheckpointException("the part of group " + group + " from " + from + " ended after " + got
                    + " of its " + part.chunkBytes() + " chunk bytes");
        }
        parts.add(index);
        bases.add(position);
        position += got;
    }

    /** Index, footer, fsync, rename: the group's file is in place. */
    public AggregateInfo finish() throws LevelException {
        if (parts.isEmpty()) {
            throw new IllegalStateException("group " + group + ": an aggregate needs at least one part");
        }
        long[] base = bases.stream().mapToLong(Long::longValue).toArray();
        AggregateIndex index = parts.size() == 1 && base[0] == 0 ? parts.get(0)
                : AggregateIndex.concat(encoding.scheme(), parts, base);
        try {
            AggregateInfo info = AggregateWriter.finishFile(out, group, target.getFileName().toString(), index, position);
            out.finish();
            out.close();
            for (AggregateWriter.Source s : localSources) {
                AggregateWriter.stillCurrent(s);
            }
            AggregateWriter.refuseCommitted(versionDir, target);
            Failpoint.hit(Failpoint.AGGREGATE_BEFORE_RENAME, version);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            AggregateWriter.syncDir(versionDir);
            finished = true;
            return info;
        } catch (IOException e) {
            throw writeFailure(e);
        }
    }

    private LevelException writeFailure(IOException e) {
        if (FileIo.isOutOfSpace(e)) {
            return new LevelException("cannot write " + target + ": the file system of " + versionDir + " is full ("
                    + e.getMessage() + "); free space on persistent storage (the scratch copies are kept)", e);
        }
        return new LevelException("cannot write " + target + ": " + e + "; check that persistent storage is writable and has room", e);
    }

    @Override
    public void close() {
        if (!finished) {
            FileIo.closeQuietly(out);
            FileIo.deleteQuietly(tmp);
        }
        writer.returnBuffer(buffer);
    }
}
