package io.veloc4j.levels;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Positional whole-buffer reads and writes, private files and directories, and the best-effort
 * clean-ups every format needs.
 */
public final class FileIo {

    /** Checkpoint data is the job's own: rw------- files ... */
    private static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");
    /** ... in rwx------ directories. */
    private static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");

    private FileIo() {
    }

    /**
     * Creates {@code file} (or truncates it) for writing, rw------- when new: the mode is given to
     * open(2), so the umask can only take bits away and the file is never readable by others,
     * not even for a moment.
     */
    public static FileChannel createPrivate(Path file, OpenOption... more) throws IOException {
        Set<OpenOption> options = new HashSet<>(List.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING));
        options.addAll(List.of(more));
        if (!posix(file)) {
            return FileChannel.open(file, options);
        }
        return FileChannel.open(file, options, PosixFilePermissions.asFileAttribute(PRIVATE_FILE));
    }

    /**
     * Creates {@code dir} and its missing parents rwx------ (mode given to mkdir(2), as in
     * {@link #createPrivate}); directories that exist already are left as they are. Safe when
     * other ranks create the same directories at the same time.
     */
    public static Path createPrivateDirectories(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath();
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = abs; p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.push(p);
        }
        FileAttribute<?>[] attrs = posix(abs) ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PRIVATE_DIR)}
                : new FileAttribute<?>[0];
        for (Path p : missing) {
            try {
                Files.createDirectory(p, attrs);
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(p)) {
                    throw e;
                }
            }
        }
        return dir;
    }

    /**
     * Makes a file that a library created for us (Chronicle's queue files) rw-------. Best effort:
     * it lies in a directory of {@link #createPrivateDirectories}, which already keeps others out.
     */
    public static void makePrivate(Path file) {
        try {
            if (posix(file) && Files.isRegularFile(file)) {
                Files.setPosixFilePermissions(file, PRIVATE_FILE);
            }
        } catch (IOException | UnsupportedOperationException | SecurityException ignored) {
            // see above
        }
    }

    private static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /**
     * Fails unless the file system holding {@code dir} has {@code bytes} free for this user: a
     * guard for memory-mapped files (Chronicle's queues), which on a full file system do not fail
     * with an IOException but fault on a later memory access ({@code InternalError}). A directory
     * that does not exist yet is measured at its nearest existing parent.
     *
     * @throws LevelException naming the directory, the free and the needed bytes
     */
    public static void requireSpace(Path dir, long bytes) throws LevelException {
        Path p = dir.toAbsolutePath();
        while (p.getParent() != null && !Files.isDirectory(p)) {
            p = p.getParent();
        }
        // File.getUsableSpace is one statvfs(2); Files.getFileStore would parse the mount table first
        long free = p.toFile().getUsableSpace();
        if (free < bytes) {
            throw new LevelException("the file system of " + dir + " is full: " + free + " bytes free, " + bytes
                    + " needed; free space there, or configure a directory on a file system with room");
        }
    }

    /**
     * Whether an I/O error says the file system (or the user's quota on it) is full: ENOSPC or
     * EDQUOT, which the JDK reports as strerror's text only.
     */
    public static boolean isOutOfSpace(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded"))) {
                return true;
            }
        }
        return false;
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
