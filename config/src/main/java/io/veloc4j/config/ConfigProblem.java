package io.veloc4j.config;

import java.io.Serializable;

/**
 * One thing wrong with a configuration, printed the way compilers print errors so editors and
 * people can jump to it: {@code FILE:LINE: key 'K': what is wrong and what is allowed}.
 *
 * @param file    the config file as the user named it, or a pseudo-source such as {@code VelocConfig.of}
 * @param line    1-based line; {@link #NO_LINE} when the problem has none (a missing key, a default);
 *                {@link #FROM_ENVIRONMENT} when the value came from {@code VELOC_<KEY>}
 * @param key     the key concerned, or null for problems with the file itself
 * @param message what is wrong and what is allowed
 */
public record ConfigProblem(String file, int line, String key, String message) implements Serializable {

    public static final int NO_LINE = 0;
    /** The line number of a value that came from the environment rather than the file. */
    public static final int FROM_ENVIRONMENT = -1;

    public boolean fromEnvironment() {
        return line == FROM_ENVIRONMENT;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(file);
        if (line > 0) {
            s.append(':').append(line);
        }
        s.append(": ");
        if (key != null) {
            s.append("key '").append(key).append('\'');
            if (fromEnvironment()) {
                s.append(" (from environment ").append(ConfigKey.envVarOf(key)).append(')');
            }
            s.append(": ");
        }
        return s.append(message).toString();
    }
}
