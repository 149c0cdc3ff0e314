package io.veloc4j.config;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether a directory is usable: writable if it exists, creatable if not. Permission bits say
 * little (root passes them all, /proc and read-only mounts refuse anyway), so once they look right
 * the directory is really created, or a file written into it, and that is undone at once.
 */
final class DirectoryCheck {

    private DirectoryCheck() {
    }

    /** What is wrong with {@code dir}, or empty if it is usable. */
    static Optional<String> problem(Path dir) {
        if (Files.exists(dir)) {
            if (!Files.isDirectory(dir)) {
                return Optional.of("'" + dir + "' exists but is not a directory; choose a directory");
            }
            if (!Files.isWritable(dir)) {
                return Optional.of("directory '" + dir + "' is not writable by " + System.getProperty("user.name")
                        + "; fix its permissions or choose another directory");
            }
            return tryWriting(dir);
        }
        Path ancestor = dir.getParent();
        while (ancestor != null && !Files.exists(ancestor)) {
            ancestor = ancestor.getParent();
        }
        if (ancestor == null) {
            return Optional.of("'" + dir + "' cannot be created: none of its parents exists; choose another directory");
        }
        if (!Files.isDirectory(ancestor)) {
            return Optional.of("'" + dir + "' cannot be created: '" + ancestor
                    + "' is not a directory; choose a directory that exists or can be created");
        }
        if (!Files.isWritable(ancestor)) {
            return Optional.of("'" + dir + "' cannot be created: '" + ancestor + "' is not writable by "
                    + System.getProperty("user.name") + "; fix its permissions or choose another directory");
        }
        return tryCreating(dir, ancestor);
    }

    private static Optional<String> tryWriting(Path dir) {
        try {
            Files.delete(Files.createTempFile(dir, ".veloc4j-check-", ""));
            return Optional.empty();
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.of("directory '" + dir + "' cannot be written (" + reason(e)
                    + "); choose a directory on a writable file system");
        }
    }

    /** Creates {@code dir} below its existing {@code ancestor}, then removes what it created. */
    private static Optional<String> tryCreating(Path dir, Path ancestor) {
        Optional<String> problem = Optional.empty();
        try {
            Files.createDirectories(dir);
        } catch (IOException | UnsupportedOperationException e) {
            problem = Optional.of("'" + dir + "' cannot be created (" + reason(e)
                    + "); choose a directory on a writable file system");
        }
        for (Path p = dir; p != null && !p.equals(ancestor); p = p.getParent()) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                break; // someone else put something there meanwhile: leave it
            }
        }
        return problem;
    }

    private static String reason(Exception e) {
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
