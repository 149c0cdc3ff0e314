package io.veloc4j.levels.persistent;

/**
 * Where a run of a rank file's bytes sits in one segment of an aggregate: {@code length} bytes
 * from {@code fileOffset} in the rank file, cut into blocks of {@code block} bytes (the last may
 * be shorter); block i is at {@code segOffset + i * stride} in the segment's raw stream. A
 * contiguous run is one block. One extent describes a whole variable of a block-interleaving
 * scheme, so the index stays small.
 */
record Extent(long fileOffset, long length, int segment, long segOffset, long block, long stride) {

    Extent {
        if (length < 0 || block <= 0 || (blocks(length, block) > 1 && stride < block)) {
            throw new IllegalArgumentException("bad extent " + fileOffset + "+" + length + " block " + block + " stride " + stride);
        }
    }

    static Extent contiguous(long fileOffset, long length, int segment, long segOffset) {
        return new Extent(fileOffset, length, segment, segOffset, Math.max(1, length), 0);
    }

    long blocks() {
        return blocks(length, block);
    }

    private static long blocks(long length, long block) {
        return (length + block - 1) / block;
    }

    /** Calls {@code to} for each block: (file offset, segment offset, length). */
    void forEachBlock(BlockConsumer to) {
        long n = blocks();
        for (long i = 0; i < n; i++) {
            to.accept(fileOffset + i * block, segOffset + i * stride, Math.min(block, length - i * block));
        }
    }

    /**
     * This extent grown by the piece {@code (fo, len)} at {@code so} of the same segment, if the
     * piece continues its pattern (next in the file, at the next stride in the segment, no longer
     * than a block); else null.
     */
    Extent extendedBy(long fo, long len, int seg, long so) {
        if (seg != segment || fo != fileOffset + length || length % block != 0 || len > block || len == 0) {
            return null;
        }
        long n = blocks();
        if (n == 1) {
            long s = so - segOffset;
            return s >= block ? new Extent(fileOffset, length + len, segment, segOffset, block, s) : null;
        }
        return so == segOffset + n * stride ? new Extent(fileOffset, length + len, segment, segOffset, block, stride) : null;
    }

    @FunctionalInterface
    interface BlockConsumer {
        void accept(long fileOffset, long segOffset, long length);
    }
}
