package io.veloc4j.levels.scratch;

import io.veloc4j.levels.CorruptCheckpointException;
import io.veloc4j.levels.ElementType;
import io.veloc4j.levels.FileIo;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.RankCheckpoint;
import io.veloc4j.levels.Region;
import io.veloc4j.levels.Variable;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/** A rank file open for reading; every read is checked against the CRCs the header records. */
public final class RankFile implements RankCheckpoint {

    private static final int CHUNK = 4 << 20;

    private final Path path;
    private final FileChannel channel;
    private final String name;
    private final int version;
    private final int rank;
    private final int size;
    private final long session;
    private final boolean checksums;
    private final int headerCrc;
    private final long length;
    private final List<Variable> variables;
    private ByteBuffer buffer;

    private RankFile(Path path, FileChannel channel, String name, int version, int rank, int size, long session,
                     boolean checksums, int headerCrc, long length, List<Variable> variables) {
        this.path = path;
        this.channel = channel;
        this.name = name;
        this.version = version;
        this.rank = rank;
        this.size = size;
        this.session = session;
        this.checksums = checksums;
        this.headerCrc = headerCrc;
        this.length = length;
        this.variables = List.copyOf(variables);
    }

    /** Opens and checks the header (magic, header CRC, length); variable data is checked when read. */
    public static RankFile open(Path path) throws LevelException {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new LevelException("rank file " + path + " does not exist");
        } catch (IOException e) {
            throw new LevelException("cannot open rank file " + path + ": " + e, e);
        }
        try {
            return parse(path, ch);
        } catch (LevelException | RuntimeException e) {
            FileIo.closeQuietly(ch);
            throw e;
        }
    }

    private static RankFile parse(Path path, FileChannel ch) throws LevelException {
        try {
            long actual = ch.size();
            ByteBuffer fixed = FileIo.read(ch, 0, (int) Math.min(16, actual));
            if (fixed.capacity() < 16 || fixed.getInt(0) != RankFileFormat.MAGIC) {
                throw corrupt(path, "not a veloc4j rank file (bad magic)");
            }
            short format = fixed.getShort(4);
            if (format != RankFileFormat.VERSION && format != RankFileFormat.VERSION_1) {
                throw corrupt(path, "format version " + fixed.getShort(4) + " is not supported (expected "
                        + RankFileFormat.VERSION + ")");
            }
            short flags = fixed.getShort(6);
            if ((flags & ~RankFileFormat.FLAG_CRC) != 0) {
                throw corrupt(path, "unknown flags 0x" + Integer.toHexString(flags & 0xffff));
            }
            boolean checksums = (flags & RankFileFormat.FLAG_CRC) != 0;
            int headerLength = fixed.getInt(8);
            int headerCrc = fixed.getInt(12);
            if (headerLength < (format == RankFileFormat.VERSION_1 ? RankFileFormat.FIXED_1 : RankFileFormat.FIXED)
                    || headerLength > actual) {
                throw corrupt(path, "header length " + headerLength + " does not fit the file (" + actual + " bytes)");
            }
            ByteBuffer h = FileIo.read(ch, 0, headerLength);
            if (RankFileFormat.headerCrc(h.array(), headerLength) != headerCrc) {
                throw corrupt(path, "header checksum mismatch");
            }
            h.position(16);
            long length = h.getLong();
            if (length != actual) {
                throw corrupt(path, "file is " + actual + " bytes, header says " + length);
            }
            int rank = h.getInt();
            int size = h.getInt();
            int version = h.getInt();
            long session = format == RankFileFormat.VERSION_1 ? 0 : h.getLong();
            String name = getString(h);
            int count = h.getInt();
            List<Variable> vars = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int id = h.getInt();
                String vname = getString(h);
                ElementType type = ElementType.ofCode(h.get());
                long[] shape = new long[h.get()];
                for (int d = 0; d < shape.length; d++) {
                    shape[d] = h.getLong();
                }
                Variable v = new Variable(id, vname, type, shape, h.getLong(), h.getLong(), h.getInt());
                if (v.offset() < headerLength || v.offset() + v.length() > length) {
                    throw corrupt(path, "variable '" + vname + "' lies outside the file");
                }
                vars.add(v);
            }
            return new RankFile(path, ch, name, version, rank, size, session, checksums, headerCrc, length, vars);
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw corrupt(path, "malformed header (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new LevelException("cannot read rank file " + path + ": " + e, e);
        }
    }

    public Path path() {
        return path;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int version() {
        return version;
    }

    @Override
    public int rank() {
        return rank;
    }

    /** Number of ranks of the job that wrote it. */
    public int jobSize() {
        return size;
    }

    /** The launch that wrote it (0 for a format-1 file, which does not record it). */
    public long session() {
        return session;
    }

    public long length() {
        return length;
    }

    /** Whether the header records a CRC32C per variable. */
    public boolean checksums() {
        return checksums;
    }

    /** CRC32C of the header, which covers every variable's CRC. */
    public int headerCrc() {
        return headerCrc;
    }

    @Override
    public List<Variable> variables() {
        return variables;
    }

    /** Reads every variable and checks its CRC; throws on the first mismatch. */
    public void verify() throws LevelException {
        for (Variable v : variables) {
            scan(v, null);
        }
    }

    @Override
    public void readInto(Variable v, Region into) throws LevelException {
        if (into.type() != v.type() || into.bytes() != v.length()) {
            throw new LevelException("variable " + v.id() + " ('" + v.name() + "') in " + path + " is " + v.elements()
                    + " × " + v.type() + " but the protected memory is " + into.elements() + " × " + into.type()
                    + "; protect an array of the checkpointed type and size (see recoverSize)");
        }
        scan(v, into);
    }

    /** Reads v's bytes chunk by chunk, feeding the CRC and, if given, the region. */
    private void scan(Variable v, Region into) throws LevelException {
        if (buffer == null) {
            buffer = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        }
        CRC32C crc = new CRC32C();
        long done = 0;
        try {
            while (done < v.length()) {
                buffer.clear().limit((int) Math.min(CHUNK, v.length() - done));
                while (buffer.hasRemaining()) {
                    if (channel.read(buffer, v.offset() + done + buffer.position()) < 0) {
                        throw corrupt(path, "truncated in variable '" + v.name() + "'");
                    }
                }
                buffer.flip();
                if (checksums) {
                    crc.update(buffer.duplicate());
                }
                if (into != null) {
                    into.write(done, buffer);
                }
                done += buffer.limit();
            }
        } catch (IOException e) {
            throw new LevelException("cannot read variable '" + v.name() + "' from " + path + ": " + e, e);
        }
        if (checksums && (int) crc.getValue() != v.crc()) {
            throw corrupt(path, "checksum mismatch in variable " + v.id() + " ('" + v.name() + "')");
        }
    }

    @Override
    public void close() throws LevelException {
        try {
            channel.close();
        } catch (IOException e) {
            throw new LevelException("cannot close " + path + ": " + e, e);
        }
    }

    private static String getString(ByteBuffer b) {
        byte[] s = new byte[Short.toUnsignedInt(b.getShort())];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static CorruptCheckpointException corrupt(Path path, String what) {
        return new CorruptCheckpointException("rank file " + path + " is corrupt: " + what);
    }

    @Override
    public String toString() {
        return "RankFile[" + path + ", " + name + " v" + version + " rank " + rank + ", vars "
                + Arrays.toString(variables.stream().map(Variable::name).toArray()) + "]";
    }
}
