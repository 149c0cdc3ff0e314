package io.veloc4j.config;

import java.nio.file.Path;

/**
 * A value given explicitly for a key, with where it came from, so that problems can point at it.
 *
 * @param source  the file as the user named it, or a pseudo-source such as {@code VelocConfig.of}
 * @param line    file line, or {@link ConfigProblem#NO_LINE} / {@link ConfigProblem#FROM_ENVIRONMENT}
 * @param baseDir what relative paths in the value are relative to
 */
record Setting(ConfigKey key, String value, String source, int line, Path baseDir) {

    ConfigProblem problem(String message) {
        return new ConfigProblem(source, line, key.key(), message);
    }
}
