package io.veloc4j.levels.persistent;

import java.util.Locale;

/** How a group's rank files become files on persistent storage (config aggregation_scheme). */
public enum Scheme {
    /** One file per rank, copied as is: VELOC's default and the baseline. */
    NONE(0),
    /** The group's rank files concatenated, then zstd-compressed in chunks. */
    AGNOSTIC(1);

    private final int code;

    Scheme(int code) {
        this.code = code;
    }

    public int code() {
        return code;
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
