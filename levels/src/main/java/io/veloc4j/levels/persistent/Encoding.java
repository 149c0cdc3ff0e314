package io.veloc4j.levels.persistent;

import io.veloc4j.levels.codec.CodecKind;

/**
 * How a group's rank files are encoded on persistent storage.
 *
 * @param scheme    aggregation scheme
 * @param codec     codec for typed segments (aware schemes); {@code null} = auto, chosen per variable
 * @param blockSize bytes per block of the block-interleaving schemes
 * @param level     zstd level
 */
public record Encoding(Scheme scheme, CodecKind codec, int blockSize, int level) {

    public static final int DEFAULT_BLOCK_SIZE = 1 << 20;

    public Encoding {
        if (blockSize < 8 || blockSize % 8 != 0) {
            throw new IllegalArgumentException("block size " + blockSize + " must be a positive multiple of 8 bytes");
        }
    }

    public static Encoding of(Scheme scheme, int level) {
        return new Encoding(scheme, null, DEFAULT_BLOCK_SIZE, level);
    }

    public boolean auto() {
        return codec == null;
    }

    /** "auto" or the codec's label. */
    public String codecLabel() {
        return codec == null ? "auto" : codec.label();
    }
}
