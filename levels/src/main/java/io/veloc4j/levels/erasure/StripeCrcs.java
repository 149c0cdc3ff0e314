package io.veloc4j.levels.erasure;

import java.util.Arrays;

/** The CRC32C of every stripe of one piece, immutable. */
public final class StripeCrcs {

    private final int[] crcs;

    private StripeCrcs(int[] crcs) {
        this.crcs = crcs;
    }

    public static StripeCrcs of(int[] crcs) {
        return new StripeCrcs(crcs.clone());
    }

    /** Takes the array without a copy: for readers that built it themselves. */
    static StripeCrcs wrap(int[] crcs) {
        return new StripeCrcs(crcs);
    }

    public int stripes() {
        return crcs.length;
    }

    public int get(int stripe) {
        return crcs[stripe];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StripeCrcs s && Arrays.equals(s.crcs, crcs);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(crcs);
    }

    @Override
    public String toString() {
        return "StripeCrcs[" + crcs.length + " stripes]";
    }
}
