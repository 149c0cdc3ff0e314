package io.veloc4j.levels.codec;

import io.veloc4j.levels.ElementType;

import java.util.Locale;

/**
 * The lossless codecs an aggregate segment can be stored with; the code is the on-disk id in the
 * aggregate index. Every kind ends in zstd; they differ in the reversible transform before it.
 */
public enum CodecKind {
    /** zstd on the bytes as they are: the only codec for untyped bytes. */
    ZSTD(0),
    /** byte-shuffle by element width (all first bytes, then all second bytes …), then zstd. */
    SHUFFLE(1),
    /** integers: difference to the previous element, then shuffle, then zstd. */
    DELTA(2),
    /** floats: XOR with the previous value (FPC's last-value predictor), then shuffle, then zstd. */
    XOR(3),
    /** floats: XOR with the better of FPC's two context predictors (FCM, DFCM), then shuffle + zstd. */
    FPC(4),
    /** floats and integers: 2-D Lorenzo prediction over rows of the variable's trailing extent, then shuffle + zstd. */
    LORENZO(5);

    private final int code;

    CodecKind(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether this codec's transform is defined for elements of {@code type}. */
    public boolean appliesTo(ElementType type) {
        boolean floating = type == ElementType.FLOAT64 || type == ElementType.FLOAT32;
        return switch (this) {
            case ZSTD -> true;
            case SHUFFLE -> type.width() > 1;
            case DELTA -> !floating;
            case XOR, FPC -> floating;
            case LORENZO -> true;
        };
    }

    public static CodecKind ofCode(int code) {
        for (CodecKind k : values()) {
            if (k.code == code) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown codec code " + code);
    }

    public static CodecKind ofLabel(String label) {
        for (CodecKind k : values()) {
            if (k.label().equals(label)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown codec '" + label + "'");
    }
}
