package io.veloc4j.levels;

import com.github.luben.zstd.util.Native;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Where the native libraries inside veloc4j's dependencies are unpacked: zstd-jni, and JNA and
 * jffi of Chronicle. By default each writes a shared object into /tmp (or ~/.cache/JNA) and a
 * killed JVM leaves it behind there; here they go into {@code <root>/<pid>/}, a directory veloc4j
 * owns, and the directories of processes that are gone are removed the next time. A directory on
 * a file system mounted noexec falls back to the JVM's temp directory.
 */
public final class NativeLibraries {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NativeLibraries.class);

    private NativeLibraries() {
    }

    /**
     * Unpacks zstd-jni now and points JNA and jffi (unless the application configured them) at
     * this process's directory under {@code root}. Libraries already loaded stay where they are.
     *
     * @return this process's directory
     */
    public static Path unpackUnder(Path root) throws LevelException {
        Path mine = root.resolve(Long.toString(ProcessHandle.current().pid()));
        try {
            FileIo.createPrivateDirectories(mine); // 0700 like every other directory of ours
            removeDeadProcesses(root);
        } catch (IOException e) {
            throw new LevelException("cannot create " + mine + " for native libraries: " + e
                    + "; check that scratch is writable", e);
        }
        if (!Native.isLoaded()) {
            try {
                Native.load(mine.toFile());
            } catch (UnsatisfiedLinkError noexec) {
                // scratch mounted noexec (common for /dev/shm): the JVM's temp directory, as before
                LOG.info("native libraries cannot be loaded from {} ({}); using java.io.tmpdir", mine, noexec.getMessage());
                Native.load();
                return mine;
            }
        }
        // zstd loaded from there, so the directory can hold shared objects: JNA's and jffi's go there too
        setIfAbsent("jna.tmpdir", mine);
        setIfAbsent("jffi.extract.dir", mine);
        return mine;
    }

    private static void setIfAbsent(String property, Path dir) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, dir.toString());
        }
    }

    private static void removeDeadProcesses(Path root) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.matches("[0-9]{1,19}") && ProcessHandle.of(Long.parseLong(name)).isEmpty()) {
                    try (Stream<Path> s = Files.walk(p)) {
                        for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                            Files.deleteIfExists(q);
                        }
                    } catch (IOException e) {
                        // another rank of the node cleans up at the same time: fine
                    }
                }
            }
        }
    }
}
