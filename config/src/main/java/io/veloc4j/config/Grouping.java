package io.veloc4j.config;

/** Which ranks of a node aggregate together (grouping). */
public enum Grouping {
    /** Consecutive ranks, group_size at a time. */
    RANK,
    /** Ranks whose checkpoints compress well together (benefit-aware clustering), at most group_size per group. */
    CLUSTER
}
