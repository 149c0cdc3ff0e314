package io.veloc4j.levels.persistent;

import io.veloc4j.levels.codec.CodecKind;

/**
 * How a group's rank files are encoded on persistent storage.
 *
 * @param scheme    aggregation scheme
 * @param codec     codec for typed segments (aware schemes); {@code null} = auto, chosen per variable
 * @param blockSize bytes per block of the block-interleaving schemes
 * @param level     zstd level
 * @param rankCut   a chunk ends where the next rank's bytes begin once it holds this many bytes
 *                  (config chunk_rank_cut): smaller, one rank's restart decodes less of the others'
 *                  bytes; larger, chunks share more context across ranks and there are fewer of
 *                  them; 0 = at every rank boundary, {@link AggregateFormat#CHUNK} = by size only
 */
public record Encoding(Scheme scheme, CodecKind codec, int blockSize, int level, int rankCut) {

    public static final int DEFAULT_BLOCK_SIZE = 1 << 20;
    /** On real model output (16 ranks, groups of 8): 0.2 % of ratio, and a rank's restart decodes 1.3 × its bytes (6.8 × at 4 MiB). */
    public static final int DEFAULT_RANK_CUT = 16 << 10;

    public Encoding {
        if (blockSize < 8 || blockSize % 8 != 0) {
            throw new IllegalArgumentException("block size " + blockSize + " must be a positive multiple of 8 bytes");
        }
        if (rankCut < 0 || rankCut > AggregateFormat.CHUNK) {
            throw new IllegalArgumentException("rank cut " + rankCut + " outside [0, " + AggregateFormat.CHUNK + "]");
        }
    }

    public Encoding(Scheme scheme, CodecKind codec, int blockSize, int level) {
        this(scheme, codec, blockSize, level, DEFAULT_RANK_CUT);
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
