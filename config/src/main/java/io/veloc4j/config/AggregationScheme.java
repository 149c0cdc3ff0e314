package io.veloc4j.config;

/** How the engine turns a group's rank files into files on persistent storage (aggregation_scheme). */
public enum AggregationScheme {
    /** One file per rank, copied as is (VELOC's default; the baseline). */
    NONE,
    /** The group's rank files concatenated, then zstd-compressed in chunks. */
    AGNOSTIC
}
