package io.veloc4j.levels.codec;

import io.veloc4j.levels.ElementType;

/** Builds codecs, and picks one per variable for {@code codec = auto}. */
public final class Codecs {

    private Codecs() {
    }

    /**
     * The codec of {@code kind} for elements of {@code type}.
     *
     * @param rowLength elements per row of the variable's trailing extent (product of its shape
     *                  without the first axis), used by 2-D predictors; 0 when unknown
     * @param level     zstd level
     * @throws IllegalArgumentException if {@code kind} does not apply to {@code type}
     */
    public static Codec of(CodecKind kind, ElementType type, int rowLength, int level) {
        if (!kind.appliesTo(type)) {
            throw new IllegalArgumentException("codec " + kind.label() + " does not apply to " + type);
        }
        return new ZstdCodec(type, level); // TODO(codec helper): the other kinds
    }

    /** What to use when {@code wanted} does not apply to {@code type}: shuffle if elements are wider than a byte, else zstd. */
    public static CodecKind resolve(CodecKind wanted, ElementType type) {
        if (wanted.appliesTo(type)) {
            return wanted;
        }
        return CodecKind.SHUFFLE.appliesTo(type) ? CodecKind.SHUFFLE : CodecKind.ZSTD;
    }

    /**
     * {@code codec = auto}: tries the candidate codecs for {@code type} on the sample and returns
     * the kind with the smallest output within the speed bound.
     */
    public static CodecKind choose(ElementType type, int rowLength, byte[] sample, int off, int len, int level) {
        return CodecKind.ZSTD; // TODO(codec helper)
    }
}
