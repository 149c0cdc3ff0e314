package io.veloc4j.config;

/** When {@code checkpoint} returns: after the local copy (ASYNC) or once the version is persisted (SYNC). */
public enum Mode {
    SYNC,
    ASYNC
}
