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

    /**
     * Every length, count and offset is checked against the file's real size and the format's
     * limits before it is used: a damaged header is a {@link CorruptCheckpointException}, never
     * an allocation of what a bad field says.
     */
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
                    || headerLength > actual || headerLength > RankFileFormat.MAX_HEADER) {
                throw corrupt(path, "header length " + headerLength + " does not fit the file (" + actual
                        + " bytes) or the format (at most " + RankFileFormat.MAX_HEADER + ")");
            }
            ByteBuffer h = FileIo.read(ch, 0, headerLength);
            if (h.remaining() != headerLength) {
                throw corrupt(path, "shorter than its header (" + headerLength + " bytes)");
            }
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
            if (size < 1 || rank < 0 || rank >= size || version < 0) {
                throw corrupt(path, "rank " + rank + " of " + size + ", version " + version + " is not possible");
            }
            String name = getString(h);
            int count = h.getInt();
            if (count < 0 || count > h.remaining() / RankFileFormat.MIN_ENTRY) {
                throw corrupt(path, "variable count " + count + " does not fit the header (" + h.remaining() + " bytes left)");
            }
            List<Variable> vars = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int id = h.getInt();
                String vname = getString(h);
                ElementType type = ElementType.ofCode(h.get());
                int dims = h.get();
                if (dims < 0 || dims > RankFileFormat.MAX_DIMENSIONS || dims > h.remaining() / 8) {
                    throw corrupt(path, "variable '" + vname + "' has " + dims + " dimensions");
                }
                long[] shape = new long[dims];
                for (int d = 0; d < shape.length; d++) {
                    shape[d] = h.getLong();
                }
                Variable v = new Variable(id, vname, type, shape, h.getLong(), h.getLong(), h.getInt());
                // length - v.length() cannot overflow (both ≥ 0); offset + length could
                if (v.offset() < headerLength || v.offset() > length - v.length()) {
                    throw corrupt(path, "variable '" + vname + "' lies outside the file");
                }
                vars.add(v);
            }
            checkDisjoint(path, vars);
            return new RankFile(path, ch, name, version, rank, size, session, checksums, headerCrc, length, vars);
        } catch (BufferUnderflowException | IllegalArgumentException | ArithmeticException e) {
            // IllegalArgumentException: an unknown type code or a shape that is not the length;
            // ArithmeticException: a shape whose product overflows
            throw corrupt(path, "malformed header (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new LevelException("cannot read rank file " + path + ": " + e, e);
        }
    }

    /** Variables never share bytes: the aggregate layouts map each byte of a rank file once. */
    private static void checkDisjoint(Path path, List<Variable> vars) throws CorruptCheckpointException {
        Variable[] byOffset = vars.toArray(new Variable[0]);
        // empty variables may share an offset with the next one: shorter first
        Arrays.sort(byOffset, java.util.Comparator.comparingLong(Variable::offset).thenComparingLong(Variable::length));
        for (int i = 1; i < byOffset.length; i++) {
            Variable a = byOffset[i - 1];
            if (a.offset() + a.length() > byOffset[i].offset()) {
                throw corrupt(path, "variables '" + a.name() + "' and '" + byOffset[i].name() + "' overlap");
            }
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
    @Override
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
            // no larger than the largest variable: a restart opens many small files (restartTest, fuzzing)
            long largest = variables.stream().mapToLong(Variable::length).max().orElse(0);
            buffer = ByteBuffer.allocateDirect((int) Math.max(4096, Math.min(CHUNK, largest))).order(ByteOrder.LITTLE_ENDIAN);
        }
        CRC32C crc = new CRC32C();
        long done = 0;
        try {
            while (done < v.length()) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), v.length() - done));
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

    /**
     * Reads the file's raw bytes (header and data alike, unchecked) from {@code position} into
     * {@code dst} until it is full: for the erasure level, which codes whole files and checks its
     * own stripe CRCs. Reading past the end is a {@link CorruptCheckpointException}.
     */
    public void readBytes(long position, ByteBuffer dst) throws LevelException {
        if (position < 0 || position > length - dst.remaining()) {
            throw new IllegalArgumentException("bytes [" + position + ", " + (position + dst.remaining()) + ") of "
                    + path + " (" + length + " bytes)");
        }
        try {
            long p = position;
            while (dst.hasRemaining()) {
                int n = channel.read(dst, p);
                if (n < 0) {
                    throw corrupt(path, "shorter than its header says (" + length + " bytes): ends at " + p);
                }
                p += n;
            }
        } catch (IOException e) {
            throw new LevelException("cannot read " + path + ": " + e, e);
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
