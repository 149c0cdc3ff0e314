package io.veloc4j.levels.persistent;

import java.util.Locale;

/** How a group's rank files become files on persistent storage (config aggregation_scheme). */
public enum Scheme {
    /** One file per rank, copied as is: VELOC's default and the baseline. */
    NONE(0),
    /** The group's rank files concatenated, then zstd-compressed in chunks. */
    AGNOSTIC(1),
    /** Blocks of the group's rank files interleaved (block 0 of every rank, block 1 …), then zstd. */
    AGNOSTIC_BLOCK(2),
    /** Each variable concatenated across the group's ranks, then its type-aware codec. */
    AWARE(3),
    /** Blocks of each variable interleaved across the group's ranks, then its type-aware codec. */
    AWARE_BLOCK(4);

    private final int code;

    Scheme(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** Whether the scheme matches variables across ranks and encodes them by type. */
    public boolean aware() {
        return this == AWARE || this == AWARE_BLOCK;
    }

    /** Whether the scheme interleaves blocks of the ranks' data. */
    public boolean blocked() {
        return this == AGNOSTIC_BLOCK || this == AWARE_BLOCK;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Scheme ofCode(int code) {
        for (Scheme s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown aggregation scheme code " + code);
    }

    public static Scheme ofLabel(String label) {
        for (Scheme s : values()) {
            if (s.label().equals(label)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown aggregation scheme '" + label + "'");
    }
}
