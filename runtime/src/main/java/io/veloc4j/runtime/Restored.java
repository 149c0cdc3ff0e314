package io.veloc4j.runtime;

/**
 * What a restart did on this rank.
 *
 * @param name    checkpoint name
 * @param version restored version
 * @param level   the level this rank's copy came from ("scratch", "persistent", ...)
 */
public record Restored(String name, int version, String level) {
}
