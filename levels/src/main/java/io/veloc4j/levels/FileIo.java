package io.veloc4j.levels;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Positional whole-buffer reads and writes, and the best-effort clean-ups every format needs. */
public final class FileIo {

    private FileIo() {
    }

    /** Reads up to {@code n} bytes at {@code pos} (fewer at end of file) into a new little-endian buffer, flipped. */
    public static ByteBuffer read(FileChannel ch, long pos, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining() && ch.read(b, pos + b.position()) >= 0) {
            // keep reading until full or end of file
        }
        return b.flip();
    }

    /** Reads exactly {@code n} bytes at {@code pos}; end of file first is an error. */
    public static ByteBuffer readExactly(FileChannel ch, long pos, int n) throws IOException {
        ByteBuffer b = read(ch, pos, n);
        if (b.remaining() != n) {
            throw new IOException("unexpected end of file: wanted " + n + " bytes at " + pos + ", got " + b.remaining());
        }
        return b;
    }

    public static void writeFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        long p = pos;
        while (b.hasRemaining()) {
            p += ch.write(b, p);
        }
    }

    /** Makes a rename durable; not every file system can sync a directory, and the file itself is synced. */
    public static void syncDir(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // best effort, see above
        }
    }

    /** A leftover temp file is invisible to readers, so failing to delete it is not an error. */
    public static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException | SecurityException ignored) {
            // best effort
        }
    }

    public static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // already failing: the first error is the one to report
        }
    }
}
