package io.veloc4j.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Keys of VELOC's configuration that veloc4j reads but does not implement. A VELOC config file must
 * load unchanged, so each is a warning naming what is ignored, never an error and never silent.
 */
enum VelocOnlyKey {
    AGGREGATED("aggregated", "VELOC's one-file-per-checkpoint mode is ignored; veloc4j aggregates by aggregation_scheme "
            + "(default agnostic: group_size ranks per file; none = one file per rank)"),
    THREADED("threaded", "ignored: veloc4j's engine always runs as threads in the JVM of each node's first rank "
            + "(there is no backend process to start)"),
    LOG_PREFIX("log_prefix", "ignored: veloc4j logs through SLF4J; choose where logs go with your SLF4J binding "
            + "(README, Logging)"),
    AXL_TYPE("axl_type", "ignored: veloc4j has no AXL transfers; the engine writes persistent files itself (see direct_io)"),
    DAOS_POOL("daos_pool", "ignored: veloc4j does not support DAOS; persistent must be a file-system directory"),
    DAOS_CONT("daos_cont", "ignored: veloc4j does not support DAOS; persistent must be a file-system directory");

    private final String key;
    private final String ignored;

    VelocOnlyKey(String key, String ignored) {
        this.key = key;
        this.ignored = ignored;
    }

    String key() {
        return key;
    }

    /** The warning's text: what VELOC would do with the key and what veloc4j does instead. */
    String warning() {
        return "a VELOC key that veloc4j does not implement: " + ignored;
    }

    static Optional<VelocOnlyKey> byKey(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(v -> v.key.equals(k)).findFirst();
    }
}
