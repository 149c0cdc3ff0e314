package io.veloc4j.runtime;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * A small tmpfs mounted for a test, to run a file system out of space for real. Needs root: the
 * test is skipped, with the reason, elsewhere. {@link #fill} takes every free byte, {@link #free}
 * gives it back.
 */
final class SmallFileSystem implements AutoCloseable {

    private final Path dir;
    private final Path filler;

    private SmallFileSystem(Path dir) {
        this.dir = dir;
        this.filler = dir.resolve(".filler");
    }

    /** Mounts a tmpfs of {@code size} (e.g. "4m") on {@code dir} (created), or skips the test saying why it cannot. */
    static SmallFileSystem mount(Path dir, String size) throws IOException, InterruptedException {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "needs root to mount a small tmpfs (running as " + System.getProperty("user.name") + ")");
        Files.createDirectories(dir);
        int code = run("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0700", "tmpfs", dir.toString());
        Assumptions.assumeTrue(code == 0, "mount -t tmpfs failed (exit " + code + "): no permission to mount here");
        return new SmallFileSystem(dir);
    }

    Path dir() {
        return dir;
    }

    /** Writes a file until the file system has no byte left. */
    void fill() throws IOException {
        try (FileChannel ch = FileChannel.open(filler, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer b = ByteBuffer.allocate(4096);
            while (true) {
                b.clear();
                ch.write(b);
            }
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left on device")) {
                throw e;
            }
        }
    }

    void free() throws IOException {
        Files.deleteIfExists(filler);
    }

    private static int run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        // lazy: a file still open in a failed test must not keep the mount behind
        run("umount", "-l", dir.toString());
    }
}
