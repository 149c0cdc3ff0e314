package io.veloc4j.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Test helper: writes config files. */
final class ConfigFiles {

    private ConfigFiles() {
    }

    static Path write(Path dir, String... lines) {
        try {
            Path file = dir.resolve("veloc.cfg");
            Files.writeString(file, String.join("\n", lines) + "\n");
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
