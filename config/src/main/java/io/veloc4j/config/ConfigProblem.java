package io.veloc4j.config;

import java.io.Serializable;

/**
 * One thing wrong with a configuration, printed the way compilers print errors so editors and
 * people can jump to it: {@code FILE:LINE: key 'K': what is wrong and what is allowed}. A warning
 * ({@code FILE:LINE: warning: key 'K': ...}) does not stop the configuration from loading: it
 * names something that is ignored (a VELOC key veloc4j does not implement) or unwise.
 *
 * @param file    the config file as the user named it, or a pseudo-source such as {@code VelocConfig.of}
 * @param line    1-based line; {@link #NO_LINE} when the problem has none (a missing key, a default);
 *                {@link #FROM_ENVIRONMENT} when the value came from {@code VELOC_<KEY>}
 * @param key     the key concerned, or null for problems with the file itself
 * @param message what is wrong and what is allowed
 * @param severity whether the configuration is unusable ({@link Severity#ERROR}) or only questionable
 */
public record ConfigProblem(String file, int line, String key, String message, Severity severity) implements Serializable {

    /** Whether a problem stops the configuration from being used. */
    public enum Severity {
        /** The configuration cannot be used. */
        ERROR,
        /** The configuration loads; something in it is ignored or unwise. */
        WARNING
    }

    /** An error. */
    public ConfigProblem(String file, int line, String key, String message) {
        this(file, line, key, message, Severity.ERROR);
    }

    /** The same problem as a warning. */
    public ConfigProblem asWarning() {
        return new ConfigProblem(file, line, key, message, Severity.WARNING);
    }

    /** True for a warning, false for an error. */
    public boolean isWarning() {
        return severity == Severity.WARNING;
    }

    /** The line number of a problem that has no line (a missing key, a default). */
    public static final int NO_LINE = 0;
    /** The line number of a value that came from the environment rather than the file. */
    public static final int FROM_ENVIRONMENT = -1;

    /** Whether the value at fault came from a {@code VELOC_<KEY>} environment variable. */
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
        if (isWarning()) {
            s.append("warning: ");
        }
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
