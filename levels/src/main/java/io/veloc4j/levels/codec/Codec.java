package io.veloc4j.levels.codec;

import io.veloc4j.levels.ElementType;

/**
 * A lossless codec bound to one element type (and, for 2-D predictors, a row length): encodes a
 * chunk of whole elements into an independent frame and decodes it back bit-exact. Instances are
 * thread-safe: the engine encodes chunks of one segment on several threads at once.
 */
public interface Codec {

    CodecKind kind();

    ElementType type();

    /** Upper bound of {@link #encode}'s output for {@code rawLength} input bytes. */
    int maxEncodedLength(int rawLength);

    /**
     * Encodes {@code raw[off, off + len)} into {@code out} from {@code outOff}; returns the encoded
     * length. {@code len} is a multiple of the element width.
     */
    int encode(byte[] raw, int off, int len, byte[] out, int outOff);

    /**
     * Decodes the frame {@code enc[off, off + len)} into exactly {@code rawLen} bytes at
     * {@code raw[rawOff]}.
     *
     * @throws IllegalArgumentException if the frame is malformed or does not decode to {@code rawLen} bytes
     */
    void decode(byte[] enc, int off, int len, byte[] raw, int rawOff, int rawLen);
}
