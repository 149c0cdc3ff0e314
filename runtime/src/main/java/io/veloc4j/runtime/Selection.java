package io.veloc4j.runtime;

/**
 * Which protected variables a selective checkpoint or recovery takes, as VELOC's
 * {@code VELOC_CKPT_ALL/SOME/REST} and {@code VELOC_RECOVER_ALL/SOME/REST}.
 */
public enum Selection {
    /** Every protected variable; the ids are ignored. */
    ALL,
    /** Only the protected variables with the given ids. */
    SOME,
    /** Every protected variable except those with the given ids. */
    REST
}
