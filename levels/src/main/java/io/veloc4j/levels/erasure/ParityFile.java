package io.veloc4j.levels.erasure;

import io.veloc4j.levels.CorruptCheckpointException;
import io.veloc4j.levels.FileIo;
import io.veloc4j.levels.LevelException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * A parity file open for reading: {@code <scratch>/<name>/<version>/parity-<set>-<c>.vpar}, the
 * parity piece that one member holds for codeword c of erasure set {@code set} (format in
 * {@link ParityFormat}). One file per codeword, not one per member: each is written by its own
 * accumulator as the contributions for that codeword arrive, independently of the member's other
 * parity pieces, and a damaged file costs one symbol of one codeword. The name never looks like a
 * rank file's ({@code rank-<r>.vck}), which the node's engine finds by listing scratch.
 *
 * <p>The header is checked whole when the file is opened (every length against the real file size
 * before anything is allocated); the body is read unchecked: the reader compares each stripe with
 * {@link ParityHeader#parityCrcs()} ({@link #verify} does it for the whole file).
 */
public final class ParityFile implements AutoCloseable {

    private static final Pattern NAME = Pattern.compile("parity-([0-9]{1,9})-([0-9]{1,3})\\.vpar");

    private final Path path;
    private final FileChannel channel;
    private final ParityHeader header;
    private final int headerLength;

    private ParityFile(Path path, FileChannel channel, ParityHeader header, int headerLength) {
        this.path = path;
        this.channel = channel;
        this.header = header;
        this.headerLength = headerLength;
    }

    /** {@code parity-<set>-<codeword>.vpar}. */
    public static String fileName(int setId, int codeword) {
        return "parity-" + setId + "-" + codeword + ".vpar";
    }

    /** Whether {@code fileName} is a parity file's name. */
    public static boolean isParityFile(String fileName) {
        return NAME.matcher(fileName).matches();
    }

    public static ParityFile open(Path path) throws LevelException {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new LevelException("parity file " + path + " does not exist");
        } catch (IOException e) {
            throw new LevelException("cannot open parity file " + path + ": " + e, e);
        }
        try {
            long size = ch.size();
            ParityFormat.Fixed fixed = ParityFormat.fixed(FileIo.read(ch, 0, (int) Math.min(16, size)), size);
            ByteBuffer h = FileIo.read(ch, 0, fixed.headerLength());
            if (h.remaining() != fixed.headerLength()) {
                throw new IllegalArgumentException("shorter than its header (" + fixed.headerLength() + " bytes)");
            }
            if (ParityFormat.crc(h.array(), fixed.headerLength()) != fixed.crc()) {
                throw new IllegalArgumentException("header checksum mismatch");
            }
            ParityHeader header = ParityFormat.decode(h.order(ByteOrder.LITTLE_ENDIAN), size);
            Matcher m = NAME.matcher(path.getFileName().toString());
            if (m.matches() && (Integer.parseInt(m.group(1)) != header.set().setId()
                    || Integer.parseInt(m.group(2)) != header.codeword())) {
                throw new IllegalArgumentException("its header is set " + header.set().setId() + ", codeword "
                        + header.codeword() + ", not what its name says");
            }
            return new ParityFile(path, ch, header, fixed.headerLength());
        } catch (IllegalArgumentException e) {
            FileIo.closeQuietly(ch);
            throw corrupt(path, e.getMessage());
        } catch (IOException e) {
            FileIo.closeQuietly(ch);
            throw new LevelException("cannot read parity file " + path + ": " + e, e);
        } catch (RuntimeException e) {
            FileIo.closeQuietly(ch);
            throw e;
        }
    }

    /**
     * The headers of the parity files in a version directory, one per readable file; a file that
     * cannot be read is passed to {@code damaged} (with why) and left out.
     */
    public static List<ParityHeader> list(Path versionDir, java.util.function.BiConsumer<Path, LevelException> damaged)
            throws LevelException {
        List<ParityHeader> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(versionDir)) {
            for (Path p : ds) {
                if (!isParityFile(p.getFileName().toString())) {
                    continue;
                }
                try (ParityFile f = open(p)) {
                    out.add(f.header());
                } catch (LevelException e) {
                    damaged.accept(p, e);
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new LevelException("cannot list " + versionDir + ": " + e, e);
        }
        return out;
    }

    /** The raw header of this file (what a peer needs to check the symbols it reads from it): see {@link #headerOf}. */
    public byte[] headerBytes() throws LevelException {
        try {
            ByteBuffer h = FileIo.read(channel, 0, headerLength);
            byte[] out = new byte[h.remaining()];
            h.get(out);
            return out;
        } catch (IOException e) {
            throw new LevelException("cannot read parity file " + path + ": " + e, e);
        }
    }

    /** The length of this file (the header records it). */
    public long fileLength() {
        return headerLength + header.layout().pieceLength();
    }

    /**
     * A header sent by a peer ({@link #headerBytes}, with its file's length): checked exactly as
     * {@link #open} checks a file's (bounds, checksum, format); damage is a
     * {@code CorruptCheckpointException} naming {@code from}.
     */
    public static ParityHeader headerOf(byte[] raw, long fileLength, String from) throws LevelException {
        try {
            ParityFormat.Fixed fixed = ParityFormat.fixed(ByteBuffer.wrap(raw, 0, Math.min(16, raw.length))
                    .order(ByteOrder.LITTLE_ENDIAN), fileLength);
            if (raw.length != fixed.headerLength()) {
                throw new IllegalArgumentException(raw.length + " header bytes, the header says " + fixed.headerLength());
            }
            if (ParityFormat.crc(raw, fixed.headerLength()) != fixed.crc()) {
                throw new IllegalArgumentException("header checksum mismatch");
            }
            return ParityFormat.decode(ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN), fileLength);
        } catch (IllegalArgumentException | java.nio.BufferUnderflowException e) {
            throw new io.veloc4j.levels.CorruptCheckpointException("the parity header " + from + " sent is corrupt: "
                    + e.getMessage());
        }
    }

    public Path path() {
        return path;
    }

    public ParityHeader header() {
        return header;
    }

    /** Fills {@code dst} from byte {@code offset} of the parity piece (unchecked: compare with the stripe CRCs). */
    public void read(long offset, ByteBuffer dst) throws LevelException {
        long p = header.layout().pieceLength();
        if (offset < 0 || offset > p - dst.remaining()) {
            throw new IllegalArgumentException("bytes [" + offset + ", " + (offset + dst.remaining()) + ") of a parity piece of "
                    + p + " bytes");
        }
        try {
            long at = headerLength + offset;
            while (dst.hasRemaining()) {
                int n = channel.read(dst, at);
                if (n < 0) {
                    throw corrupt(path, "truncated at " + at);
                }
                at += n;
            }
        } catch (IOException e) {
            throw new LevelException("cannot read parity file " + path + ": " + e, e);
        }
    }

    /** Reads the whole body and checks every stripe's CRC. */
    public void verify() throws LevelException {
        ErasureLayout layout = header.layout();
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(layout.stripeSize(), Math.max(1, layout.pieceLength())));
        for (int t = 0; t < layout.stripes(); t++) {
            b.clear().limit(layout.stripeLength(t));
            read((long) t * layout.stripeSize(), b);
            CRC32C crc = new CRC32C();
            crc.update(b.flip());
            if ((int) crc.getValue() != header.parityCrcs().get(t)) {
                throw corrupt(path, "checksum mismatch in stripe " + t);
            }
        }
    }

    @Override
    public void close() {
        FileIo.closeQuietly(channel);
    }

    static CorruptCheckpointException corrupt(Path path, String what) {
        return new CorruptCheckpointException("parity file " + path + " is corrupt: " + what);
    }
}
