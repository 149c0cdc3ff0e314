package io.veloc4j.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Whether a directory is usable: writable if it exists, creatable if not. Never creates anything. */
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
            return Optional.empty();
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
        return Optional.empty();
    }
}
