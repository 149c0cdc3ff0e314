package io.veloc4j.levels.scratch;

import io.veloc4j.levels.ElementType;
import io.veloc4j.levels.Failpoint;
import io.veloc4j.levels.FileIo;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.Region;
import io.veloc4j.levels.Variable;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Writes rank files: the variables' bytes go from application memory into one reused direct
 * buffer (the one copy) and from there to the file, the CRC computed on each slice of the buffer
 * right after it is copied, while it is hot in cache; then the header; then an atomic rename, so a
 * reader sees a whole file or none.
 *
 * <p>With {@link RecycledFiles}, a kept file of a pruned version is written instead of a new one
 * (under the temp name, then renamed as always), and through the mapping kept from its last write
 * the variables are copied straight into its pages: one copy at memory speed, no page allocation,
 * no write(2). A checkpoint can also be laid out in memory first ({@link #stage}, the in-memory
 * staging of {@code staging_budget}) and written to scratch later ({@link #writeImage}).
 * Not thread-safe: one writer per rank; a staged image is written before the next is staged.
 */
public final class RankFileWriter {

    /** A variable to write: the application's id, name and shape, and its memory. */
    public record Entry(int id, String name, long[] shape, Region region) {
        public Entry {
            shape = shape.clone();
        }
    }

    /**
     * A rank file laid out in the writer's staging buffer: {@code length} bytes, ready for
     * {@link #writeImage}. Its CRCs and header are not there yet: the background write computes
     * them, so the application blocks for the copy alone.
     */
    public record Image(String name, int version, int rank, long length, int size, long session, List<Variable> vars,
                        long headerLength, boolean checksum) {
        public Image {
            vars = List.copyOf(vars);
        }
    }

    /**
     * Granularity of copy + CRC inside the buffer: small enough to stay in L2 between the two
     * (a multiple of every element width). Measured with 4 ranks × 256 MiB on /dev/shm (2 cores):
     * a third less CPU overhead over a plain write than checksumming the whole 4 MiB buffer.
     */
    private static final int SLICE = 256 << 10;

    private static final int MIN_BUFFER = 64 << 10;

    private static final byte[] ZEROS = new byte[RankFileFormat.ALIGN];

    private final int maxBuffer;
    private final RecycledFiles recycled;
    /** Sized to the largest variable seen, up to maxBuffer: a rank of 256 KiB costs 256 KiB, not 4 MiB. */
    private ByteBuffer buffer;
    /** The staging buffer of {@link #stage}: the size of the largest rank file staged. */
    private ByteBuffer image;

    /** @param bufferBytes the most direct memory the writer's copy buffer may take */
    public RankFileWriter(int bufferBytes) {
        this(bufferBytes, null);
    }

    /** @param recycled kept files to write instead of new ones (null: always new files) */
    RankFileWriter(int bufferBytes, RecycledFiles recycled) {
        this.maxBuffer = Math.max(MIN_BUFFER, bufferBytes);
        this.recycled = recycled;
    }

    /** Direct memory the copy buffer holds now. */
    public int bufferBytes() {
        return buffer == null ? 0 : buffer.capacity();
    }

    /** Direct memory the staging buffer holds now (0 until something was staged). */
    public long stagingBytes() {
        return image == null ? 0 : image.capacity();
    }

    private void ensureBuffer(List<Variable> vars) {
        long largest = vars.stream().mapToLong(Variable::length).max().orElse(0);
        int want = (int) Math.min(maxBuffer, Math.max(MIN_BUFFER, RankFileFormat.align(largest)));
        if (buffer == null || buffer.capacity() < want) {
            buffer = ByteBuffer.allocateDirect(want).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    /** Where the variables go and how long the file is. */
    private record Plan(List<Variable> vars, long headerLength, long fileLength) {
    }

    private static Plan plan(String name, int version, int rank, List<Entry> entries) throws LevelException {
        List<Variable> vars = layout(entries);
        long headerLength = vars.isEmpty() ? RankFileFormat.align(headerBytes(entries)) : vars.get(0).offset();
        long fileLength = vars.isEmpty() ? headerLength : vars.get(vars.size() - 1).offset() + vars.get(vars.size() - 1).length();
        if (headerLength > RankFileFormat.MAX_HEADER) {
            throw new LevelException("checkpoint '" + name + "' v" + version + " of rank " + rank + ": the table of its "
                    + entries.size() + " variables takes " + headerLength + " bytes, more than a rank file may hold ("
                    + RankFileFormat.MAX_HEADER + "); protect fewer, larger arrays");
        }
        return new Plan(vars, headerLength, fileLength);
    }

    /**
     * Writes {@code entries} as {@code target}, replacing an older file atomically.
     *
     * @param checksum compute per-variable CRC32C (config chksum)
     * @param fsync    force data and the directory entry to the device (config scratch_fsync)
     */
    public RankFileInfo write(Path target, String name, int version, int rank, int size, List<Entry> entries,
                              boolean checksum, boolean fsync) throws LevelException {
        return write(target, name, version, rank, size, 0, entries, checksum, fsync);
    }

    /** @param session the launch writing it, recorded in the header */
    public RankFileInfo write(Path target, String name, int version, int rank, int size, long session, List<Entry> entries,
                              boolean checksum, boolean fsync) throws LevelException {
        Path tmp = tempOf(target);
        Plan plan = plan(name, version, rank, entries);
        RecycledFiles.Taken taken = null;
        try {
            taken = take(tmp);
            if (mappable(taken, plan.fileLength())) {
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    if (sameFile(tmp, taken.mapping())) {
                        FileMapping m = taken.mapping();
                        List<Variable> written = fill(entries, plan, m::slice, checksum);
                        ByteBuffer header = header(name, version, rank, size, session, written, plan.headerLength(),
                                plan.fileLength(), checksum);
                        int headerCrc = header.getInt(12);
                        m.slice(0, header.remaining()).put(header);
                        finishFile(ch, m, taken.length(), plan.fileLength(), fsync);
                        return publish(tmp, target, m, plan.fileLength(), headerCrc, version, rank, fsync);
                    }
                }
                taken.mapping().release();
            }
            ensureBuffer(plan.vars());
            boolean old = taken != null;
            try (FileChannel ch = old ? FileChannel.open(tmp, StandardOpenOption.WRITE) : create(tmp)) {
                List<Variable> written = new ArrayList<>(plan.vars().size());
                long end = plan.headerLength();
                for (int i = 0; i < plan.vars().size(); i++) {
                    Variable v = plan.vars().get(i);
                    if (old) {
                        zero(ch, end, v.offset()); // a kept file holds old bytes in the padding
                    }
                    int crc = copyOut(entries.get(i).region(), v.length(), ch, v.offset(), checksum);
                    written.add(v.at(v.offset(), crc));
                    end = v.offset() + v.length();
                }
                if (old) {
                    zero(ch, end, plan.fileLength());
                }
                ByteBuffer header = header(name, version, rank, size, session, written, plan.headerLength(), plan.fileLength(),
                        checksum);
                int headerCrc = header.getInt(12);
                FileIo.writeFully(ch, header, 0);
                finishFile(ch, null, old ? taken.length() : 0, plan.fileLength(), fsync);
                return publish(tmp, target, null, plan.fileLength(), headerCrc, version, rank, fsync);
            }
        } catch (IOException e) {
            abandon(tmp, taken);
            throw failed(target, e);
        } catch (InternalError e) {
            // a fault in a mapped copy: the pages of a kept file are allocated, so only a file changed under us gets here
            abandon(tmp, taken);
            throw new LevelException("cannot write rank file " + target + ": a fault occurred writing its mapped pages (" + e
                    + "); check that the scratch directory is writable and has room", e);
        }
    }

    /**
     * Lays the rank file out in this writer's staging buffer (copying every variable, nothing
     * else: the CRCs and the header are left to {@link #writeImage}, which reads every byte anyway,
     * and measured with 4 ranks × 256 MiB they were a third of the copy's CPU time): after this,
     * the application may change its memory. Returns null, and stages
     * nothing, when the file would take more than {@code budget} bytes (or the JVM refuses the
     * direct memory): then write it the ordinary way.
     */
    public Image stage(String name, int version, int rank, int size, long session, List<Entry> entries, boolean checksum,
                       long budget) throws LevelException {
        Plan plan = plan(name, version, rank, entries);
        long length = plan.fileLength();
        if (length > budget || length > Integer.MAX_VALUE - 64) {
            return null;
        }
        if (image == null || image.capacity() < length) {
            image = null;
            try {
                image = ByteBuffer.allocateDirect((int) length).order(ByteOrder.LITTLE_ENDIAN);
            } catch (OutOfMemoryError e) {
                return null; // -XX:MaxDirectMemorySize is below the budget: no staging
            }
        }
        ByteBuffer img = image;
        List<Variable> laid = fill(entries, plan, (at, len) -> img.duplicate().position((int) at).limit((int) at + len).slice()
                .order(ByteOrder.LITTLE_ENDIAN), false);
        return new Image(name, version, rank, length, size, session, laid, plan.headerLength(), checksum);
    }

    /**
     * Writes what {@link #stage} laid out as {@code target}, as {@link #write} would have: slice
     * by slice from the staging buffer, each slice's CRC taken right after it is copied, then the
     * header.
     */
    public RankFileInfo writeImage(Path target, Image staged, boolean fsync) throws LevelException {
        Path tmp = tempOf(target);
        long length = staged.length();
        RecycledFiles.Taken taken = null;
        try {
            taken = take(tmp);
            if (mappable(taken, length)) {
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    if (sameFile(tmp, taken.mapping())) {
                        FileMapping m = taken.mapping();
                        ByteBuffer header = copyImage(staged, (at, src) -> m.slice(at, src.remaining()).put(src));
                        m.slice(0, header.remaining()).put(header);
                        finishFile(ch, m, taken.length(), length, fsync);
                        return publish(tmp, target, m, length, header.getInt(12), staged.version(), staged.rank(), fsync);
                    }
                }
                taken.mapping().release();
            }
            boolean old = taken != null;
            try (FileChannel ch = old ? FileChannel.open(tmp, StandardOpenOption.WRITE) : create(tmp)) {
                ByteBuffer header = copyImage(staged, (at, src) -> FileIo.writeFully(ch, src, at));
                FileIo.writeFully(ch, header, 0);
                finishFile(ch, null, old ? taken.length() : 0, length, fsync);
                return publish(tmp, target, null, length, header.getInt(12), staged.version(), staged.rank(), fsync);
            }
        } catch (IOException e) {
            abandon(tmp, taken);
            throw failed(target, e);
        } catch (InternalError e) {
            abandon(tmp, taken);
            throw new LevelException("cannot write rank file " + target + ": a fault occurred writing its mapped pages (" + e
                    + "); check that the scratch directory is writable and has room", e);
        }
    }

    /** Takes {@code src} (bytes of the staged file from offset {@code at}) to the file. */
    private interface Sink {
        void put(long at, ByteBuffer src) throws IOException;
    }

    /**
     * Hands the staging buffer past the header to {@code sink} in slices that stay in L2, with the
     * CRC of each variable's part of a slice taken right after the slice went out; returns the
     * header (CRCs filled in) for offset 0.
     */
    private ByteBuffer copyImage(Image staged, Sink sink) throws IOException {
        List<Variable> vars = staged.vars();
        CRC32C[] crcs = new CRC32C[vars.size()];
        int next = 0; // first variable not wholly behind the slice
        long length = staged.length();
        for (long at = staged.headerLength(); at < length; ) {
            int n = (int) Math.min(Math.min(SLICE, length - at), FileMapping.WINDOW - at % FileMapping.WINDOW);
            ByteBuffer src = image.duplicate().position((int) at).limit((int) at + n);
            sink.put(at, src.slice());
            if (staged.checksum()) {
                long end = at + n;
                for (int i = next; i < vars.size() && vars.get(i).offset() < end; i++) {
                    Variable v = vars.get(i);
                    long from = Math.max(at, v.offset());
                    long to = Math.min(end, v.offset() + v.length());
                    if (to > from) {
                        if (crcs[i] == null) {
                            crcs[i] = new CRC32C();
                        }
                        crcs[i].update(image.duplicate().position((int) from).limit((int) to));
                    }
                    if (v.offset() + v.length() <= end && i == next) {
                        next++;
                    }
                }
            }
            at += n;
        }
        List<Variable> written = new ArrayList<>(vars.size());
        for (int i = 0; i < vars.size(); i++) {
            Variable v = vars.get(i);
            // an empty variable's CRC is that of no bytes
            written.add(v.at(v.offset(), staged.checksum() ? (int) (crcs[i] == null ? new CRC32C() : crcs[i]).getValue() : 0));
        }
        return header(staged.name(), staged.version(), staged.rank(), staged.size(), staged.session(), written,
                staged.headerLength(), length, staged.checksum());
    }

    /** After a failed write: the temp file goes, and with it any mapping of it (unless published already). */
    private static void abandon(Path tmp, RecycledFiles.Taken taken) {
        FileIo.deleteQuietly(tmp);
        if (taken != null && taken.mapping() != null) {
            taken.mapping().release();
        }
    }

    private static Path tempOf(Path target) {
        return target.resolveSibling(target.getFileName() + ".tmp");
    }

    /** A kept file renamed to {@code tmp} (its version directory created first), or null. */
    private RecycledFiles.Taken take(Path tmp) throws IOException {
        if (recycled == null) {
            return null;
        }
        for (int attempt = 0; ; attempt++) {
            FileIo.createPrivateDirectories(tmp.getParent());
            try {
                return recycled.take(tmp);
            } catch (NoSuchFileException e) {
                if (attempt == 3) { // another rank keeps removing the emptied version directory
                    return null;
                }
            }
        }
    }

    private static boolean mappable(RecycledFiles.Taken t, long length) {
        return t != null && t.mapping() != null && t.length() >= length && t.mapping().capacity() >= length;
    }

    private static boolean sameFile(Path p, FileMapping m) throws IOException {
        Object key = Files.readAttributes(p, BasicFileAttributes.class).fileKey();
        return key != null && key.equals(m.fileKey());
    }

    /** Gives the file its length (a kept file may be longer, a new one end in empty variables), then syncs. */
    private static void finishFile(FileChannel ch, FileMapping m, long had, long length, boolean fsync) throws IOException {
        if (had > length) {
            ch.truncate(length);
        } else if (ch.size() < length) {
            // trailing empty variables sit at an aligned offset past the last byte written
            ch.write(ByteBuffer.allocate(1), length - 1);
        }
        if (fsync) {
            if (m != null) {
                m.force(length);
            }
            ch.force(true);
        }
    }

    private RankFileInfo publish(Path tmp, Path target, FileMapping m, long length, int headerCrc, int version, int rank,
                                 boolean fsync) throws IOException {
        Failpoint.hit(Failpoint.RANK_FILE_BEFORE_RENAME, version, rank);
        move(tmp, target, fsync);
        if (recycled != null) {
            recycled.written(target, m, length);
        } else if (m != null) {
            m.release();
        }
        return new RankFileInfo(target, length, headerCrc);
    }

    private static LevelException failed(Path target, IOException e) {
        if (FileIo.isOutOfSpace(e)) {
            return new LevelException("cannot write rank file " + target + ": the file system of " + target.getParent()
                    + " is full (" + e.getMessage() + "); free space there or point scratch at a file system with room"
                    + " (earlier versions are untouched)", e);
        }
        return new LevelException("cannot write rank file " + target + ": " + e
                + "; check that the scratch directory is writable and has room", e);
    }

    /** Another rank may remove an emptied version directory while pruning: create it again. */
    private static FileChannel create(Path tmp) throws IOException {
        for (int attempt = 0; ; attempt++) {
            FileIo.createPrivateDirectories(tmp.getParent());
            try {
                return FileIo.createPrivate(tmp);
            } catch (NoSuchFileException e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    /** Memory a variable's bytes are copied to: {@code len} bytes at file offset {@code at}, in one window. */
    private interface Destination {
        ByteBuffer slice(long at, int len);
    }

    /**
     * Copies every variable to {@code dst} at its offset, slice by slice with the CRC of each slice
     * taken while it is hot, and zeroes the padding between them; returns the variables with their CRCs.
     */
    private static List<Variable> fill(List<Entry> entries, Plan plan, Destination dst, boolean checksum) {
        List<Variable> written = new ArrayList<>(plan.vars().size());
        long end = plan.headerLength();
        for (int i = 0; i < plan.vars().size(); i++) {
            Variable v = plan.vars().get(i);
            zero(dst, end, v.offset());
            Region region = entries.get(i).region();
            CRC32C crc = new CRC32C();
            for (long done = 0; done < v.length(); ) {
                long at = v.offset() + done;
                int n = (int) Math.min(Math.min(SLICE, v.length() - done), FileMapping.WINDOW - at % FileMapping.WINDOW);
                ByteBuffer s = dst.slice(at, n);
                region.read(done, s);
                if (checksum) {
                    s.flip();
                    crc.update(s);
                }
                done += n;
            }
            written.add(v.at(v.offset(), checksum ? (int) crc.getValue() : 0));
            end = v.offset() + v.length();
        }
        zero(dst, end, plan.fileLength());
        return written;
    }

    private static void zero(Destination dst, long from, long to) {
        for (long at = from; at < to; ) {
            int n = (int) Math.min(Math.min(ZEROS.length, to - at), FileMapping.WINDOW - at % FileMapping.WINDOW);
            dst.slice(at, n).put(ZEROS, 0, n);
            at += n;
        }
    }

    private static void zero(FileChannel ch, long from, long to) throws IOException {
        if (to > from) {
            FileIo.writeFully(ch, ByteBuffer.allocate((int) (to - from)), from);
        }
    }

    private int copyOut(Region region, long length, FileChannel ch, long position, boolean checksum) throws IOException {
        CRC32C crc = new CRC32C();
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(buffer.capacity(), length - done);
            // Copy and checksum slice by slice, so the CRC reads what the copy just put in L1/L2
            // instead of reading the whole buffer back from L3/memory; then one write per buffer.
            for (int s = 0; s < n; s += SLICE) {
                int m = Math.min(SLICE, n - s);
                buffer.limit(s + m).position(s);
                region.read(done + s, buffer);
                if (checksum) {
                    buffer.position(s);
                    crc.update(buffer);
                }
            }
            buffer.limit(n).position(0);
            while (buffer.hasRemaining()) {
                ch.write(buffer, position + done + buffer.position());
            }
            done += n;
        }
        return checksum ? (int) crc.getValue() : 0;
    }

    private static List<Variable> layout(List<Entry> entries) {
        long offset = RankFileFormat.align(headerBytes(entries));
        List<Variable> vars = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            ElementType t = e.region().type();
            Variable v = new Variable(e.id(), e.name(), t, e.shape(), offset, e.region().bytes(), 0);
            vars.add(v);
            offset = RankFileFormat.align(offset + v.length());
        }
        return vars;
    }

    /** Header size before padding; independent of the checkpoint name so the layout can be computed first. */
    private static long headerBytes(List<Entry> entries) {
        long n = RankFileFormat.FIXED + 2 + 128 * 3 + 4; // room for the longest allowed checkpoint name
        for (Entry e : entries) {
            n += 4 + 2 + utf8(e.name()).length + 1 + 1 + 8L * e.shape().length + 8 + 8 + 4;
        }
        return n;
    }

    private static ByteBuffer header(String name, int version, int rank, int size, long session, List<Variable> vars,
                                     long headerLength, long fileLength, boolean checksum) {
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(headerLength)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(RankFileFormat.MAGIC).putShort(RankFileFormat.VERSION)
                .putShort(checksum ? RankFileFormat.FLAG_CRC : 0).putInt((int) headerLength).putInt(0)
                .putLong(fileLength).putInt(rank).putInt(size).putInt(version).putLong(session);
        putString(b, name);
        b.putInt(vars.size());
        for (Variable v : vars) {
            b.putInt(v.id());
            putString(b, v.name());
            b.put((byte) v.type().code()).put((byte) v.shape().length);
            for (long s : v.shape()) {
                b.putLong(s);
            }
            b.putLong(v.offset()).putLong(v.length()).putInt(v.crc());
        }
        b.putInt(12, RankFileFormat.headerCrc(b.array(), b.capacity()));
        return b.clear();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void putString(ByteBuffer b, String s) {
        byte[] bytes = utf8(s);
        b.putShort((short) bytes.length).put(bytes);
    }

    private static void move(Path tmp, Path target, boolean fsync) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system of " + target + " cannot rename atomically", e);
        }
        if (fsync) {
            FileIo.syncDir(target.getParent());
        }
    }

}
