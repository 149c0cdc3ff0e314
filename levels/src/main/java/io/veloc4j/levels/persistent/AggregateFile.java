package io.veloc4j.levels.persistent;

import com.github.luben.zstd.Zstd;
import io.veloc4j.levels.CorruptCheckpointException;
import io.veloc4j.levels.FileIo;
import io.veloc4j.levels.LevelException;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;

/** An aggregate file open for reading: footer → index → one member's chunks. */
public final class AggregateFile implements AutoCloseable {

    private final Path path;
    private final FileChannel channel;
    private final Scheme scheme;
    private final List<Chunk> chunks;
    private final List<Member> members;
    private final int indexCrc;
    private long bytesRead;

    private AggregateFile(Path path, FileChannel channel, Scheme scheme, List<Chunk> chunks, List<Member> members,
                          int indexCrc, long bytesRead) {
        this.path = path;
        this.channel = channel;
        this.scheme = scheme;
        this.chunks = chunks;
        this.members = members;
        this.indexCrc = indexCrc;
        this.bytesRead = bytesRead;
    }

    public static AggregateFile open(Path path) throws LevelException {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new LevelException("aggregate " + path + " does not exist");
        } catch (IOException e) {
            throw new LevelException("cannot open aggregate " + path + ": " + e, e);
        }
        try {
            long size = ch.size();
            if (size < AggregateFormat.FOOTER) {
                throw corrupt(path, "shorter than its footer");
            }
            ByteBuffer f = FileIo.readExactly(ch, size - AggregateFormat.FOOTER, AggregateFormat.FOOTER);
            long indexOffset = f.getLong();
            int indexLength = f.getInt();
            int indexCrc = f.getInt();
            f.getLong();
            if (f.getInt() != AggregateFormat.FOOTER_MAGIC || indexOffset < 0 || indexLength < 0
                    || indexOffset + indexLength + AggregateFormat.FOOTER != size) {
                throw corrupt(path, "bad footer");
            }
            ByteBuffer idx = FileIo.readExactly(ch, indexOffset, indexLength);
            CRC32C crc = new CRC32C();
            crc.update(idx.duplicate());
            if ((int) crc.getValue() != indexCrc) {
                throw corrupt(path, "index checksum mismatch");
            }
            if (idx.getInt() != AggregateFormat.INDEX_MAGIC || idx.getShort() != AggregateFormat.VERSION) {
                throw corrupt(path, "bad index header");
            }
            Scheme scheme = Scheme.ofCode(idx.get());
            idx.get(); // codec: zstd
            List<Chunk> chunks = new ArrayList<>();
            for (int i = idx.getInt(); i > 0; i--) {
                chunks.add(new Chunk(idx.getLong(), idx.getInt(), idx.getLong(), idx.getInt(), idx.getInt()));
            }
            List<Member> members = new ArrayList<>();
            for (int i = idx.getInt(); i > 0; i--) {
                members.add(new Member(idx.getInt(), idx.getLong(), idx.getLong(), idx.getInt()));
            }
            return new AggregateFile(path, ch, scheme, List.copyOf(chunks), List.copyOf(members), indexCrc,
                    AggregateFormat.FOOTER + indexLength);
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            FileIo.closeQuietly(ch);
            throw corrupt(path, "malformed index (" + e.getMessage() + ")");
        } catch (IOException e) {
            FileIo.closeQuietly(ch);
            throw new LevelException("cannot read aggregate " + path + ": " + e, e);
        } catch (LevelException e) {
            FileIo.closeQuietly(ch);
            throw e;
        }
    }

    public Scheme scheme() {
        return scheme;
    }

    public List<Member> members() {
        return members;
    }

    public int indexCrc() {
        return indexCrc;
    }

    /** Bytes read from the file so far (footer, index, chunks): what a restart costs. */
    public long bytesRead() {
        return bytesRead;
    }

    public Optional<Member> member(int rank) {
        return members.stream().filter(m -> m.rank() == rank).findFirst();
    }

    /** Checks the stored CRCs of the chunks holding {@code rank}'s slice, without decompressing. */
    public void verify(int rank) throws LevelException {
        Member m = require(rank);
        for (Chunk c : chunks) {
            if (c.overlaps(m.rawOffset(), m.rawOffset() + m.rawLength())) {
                stored(c);
            }
        }
    }

    /** Decodes {@code rank}'s slice (its whole rank file) into {@code out}, verifying every chunk read. */
    public void extract(int rank, FileChannel out) throws LevelException {
        Member m = require(rank);
        long from = m.rawOffset();
        long to = from + m.rawLength();
        try {
            for (Chunk c : chunks) {
                if (!c.overlaps(from, to)) {
                    continue;
                }
                byte[] raw = Zstd.decompress(stored(c), c.rawLength());
                if (raw.length != c.rawLength()) {
                    throw corrupt(path, "chunk at " + c.storedOffset() + " decodes to " + raw.length + " bytes, not " + c.rawLength());
                }
                long start = Math.max(from, c.rawOffset());
                long end = Math.min(to, c.rawOffset() + c.rawLength());
                ByteBuffer slice = ByteBuffer.wrap(raw, (int) (start - c.rawOffset()), (int) (end - start));
                FileIo.writeFully(out, slice, start - from);
            }
        } catch (IOException e) {
            throw new LevelException("cannot extract rank " + rank + " from " + path + ": " + e, e);
        } catch (RuntimeException e) {
            throw corrupt(path, "chunk does not decode (" + e.getMessage() + ")");
        }
    }

    private Member require(int rank) throws LevelException {
        return member(rank).orElseThrow(() -> new LevelException("aggregate " + path + " holds no data of rank " + rank));
    }

    private byte[] stored(Chunk c) throws LevelException {
        try {
            ByteBuffer b = FileIo.readExactly(channel, c.storedOffset(), c.storedLength());
            bytesRead += c.storedLength();
            CRC32C crc = new CRC32C();
            crc.update(b.duplicate());
            if ((int) crc.getValue() != c.crc()) {
                throw corrupt(path, "checksum mismatch in the chunk at offset " + c.storedOffset());
            }
            return b.array();
        } catch (IOException e) {
            throw new LevelException("cannot read " + path + ": " + e, e);
        }
    }

    private static CorruptCheckpointException corrupt(Path path, String what) {
        return new CorruptCheckpointException("aggregate " + path + " is corrupt: " + what);
    }

    @Override
    public void close() throws LevelException {
        try {
            channel.close();
        } catch (IOException e) {
            throw new LevelException("cannot close " + path + ": " + e, e);
        }
    }
}
