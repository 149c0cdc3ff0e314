package io.veloc4j.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * How one kind of config value is parsed, printed and described. Implementations live in
 * {@link ValueTypes}; a new key picks one of them, so most keys need no parsing code of their own.
 */
public interface ValueType {

    /**
     * Parses a raw value into its typed, normalized form.
     *
     * @param raw     the trimmed text from the file, the environment or a map
     * @param baseDir directory that relative paths are resolved against
     * @throws IllegalArgumentException with "what is wrong; what is allowed" as the message
     */
    Object parse(String raw, Path baseDir);

    /** The normalized text of a parsed value; parsing it again yields the same value. */
    default String format(Object value) {
        return String.valueOf(value);
    }

    /** What values are allowed, e.g. "sync or async", "an integer >= 1". */
    String allowed();

    /** For directory keys: the directory that must be writable or creatable; empty for other keys. */
    default Optional<Path> directoryToCheck(Object value) {
        return Optional.empty();
    }
}
