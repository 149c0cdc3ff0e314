package io.veloc4j.config;

/** How the engine turns a group's rank files into files on persistent storage (aggregation_scheme). */
public enum AggregationScheme {
    /** One file per rank, copied as is (VELOC's default; the baseline). */
    NONE,
    /** The group's rank files concatenated, then zstd-compressed in chunks. */
    AGNOSTIC,
    /** Blocks of the group's rank files interleaved, then zstd. */
    AGNOSTIC_BLOCK,
    /** Each variable concatenated across the group's ranks, then a type-aware codec. */
    AWARE,
    /** Blocks of each variable interleaved across the group's ranks, then a type-aware codec. */
    AWARE_BLOCK
}
