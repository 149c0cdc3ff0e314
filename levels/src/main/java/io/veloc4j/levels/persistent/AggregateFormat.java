package io.veloc4j.levels.persistent;

/**
 * Layout of an aggregate file (group-&lt;g&gt;.vagg), little-endian:
 *
 * <pre>
 * chunks                  every segment's raw stream (see {@link Layout}) cut into chunks of at
 *                         most CHUNK bytes, each encoded on its own by the segment's codec;
 *                         segment after segment. Where chunks end is the writer's choice (the
 *                         index lists each chunk's raw range): it also ends one where the next
 *                         member's bytes begin once it holds 16 KiB, so a rank decodes little
 *                         of the others' bytes
 * index (version 3)       int magic "VAGI", short format version 3, byte scheme, byte 0,
 *                         varint segments, per segment: varint key length, key (UTF-8), byte
 *                         element type, byte codec, varint row length, varint raw length, varint
 *                         chunks, per chunk: varint raw length (its raw offset is the sum of the
 *                         segment's earlier raw lengths), zvarint stored offset minus the end of
 *                         the file's previous chunk (0 for the first; chunks in segment order,
 *                         so a contiguous layout writes 0s), varint stored length, int CRC32C of
 *                         the stored bytes;
 *                         varint members, per member: varint rank, varint rank file length, int
 *                         the rank file's header CRC, varint extents, per extent: varint file
 *                         offset, varint length, varint segment, varint segment offset, varint
 *                         block, varint stride. varint: unsigned LEB128 of a non-negative long,
 *                         at most 10 bytes; zvarint: zigzag, then varint. Nothing follows.
 * footer (32 bytes)       long index offset, int index length, int index CRC32C,
 *                         long raw total, int magic "VAGG", int 0
 * </pre>
 *
 * The footer locates the index, the index maps each rank's file onto segment offsets, so one
 * rank's restart reads and decodes only the chunks that hold its bytes.
 *
 * <p>What the writer guarantees and a reader checks before it reads any chunk (a file that breaks
 * one of these is corrupt): chunks hold 1 to {@link #CHUNK} raw and 1 to {@link #MAX_STORED_CHUNK}
 * stored bytes, lie one after another (stored ranges in index order, not overlapping) and end
 * before the index; every byte of every member's rank file is in exactly one place: a member's
 * extents, in index order, tile its rank file from 0 to its length, and the members' lengths add
 * up to the footer's raw total and to the segments' raw lengths; ranks are distinct; blocks of a
 * block-interleaved extent hold at least {@link #MIN_BLOCK} bytes; the index is at most
 * {@link #MAX_INDEX} bytes.
 *
 * <p>Version 3 says what version 2 said, in varints and without the derivable raw offsets,
 * because on very compressible data version 2's fixed-width fields (28 bytes a chunk, 44 an
 * extent) outweighed the chunks themselves. Version 2 indexes are still read:
 *
 * <pre>
 * index (version 2)       int magic, short format version 2, byte scheme, byte 0, int segments,
 *                         per segment: short key length, key, byte element type, byte codec, int
 *                         row length, long raw length, int chunks, per chunk: long raw offset, int
 *                         raw length, long stored offset, int stored length, int CRC32C;
 *                         int members, per member: int rank, long rank file length, int header
 *                         CRC, int extents, per extent: long file offset, long length, int
 *                         segment, long segment offset, long block, long stride
 * </pre>
 */
final class AggregateFormat {
    static final int INDEX_MAGIC = 0x49474156; // "VAGI"
    static final int FOOTER_MAGIC = 0x47474156; // "VAGG"
    /** Written by {@link AggregateIndex#encode}; version 2 is still read. */
    static final short VERSION = 3;
    static final int FOOTER = 32;
    /** Raw bytes per chunk at most: large enough for zstd to find redundancy, small enough to restore one rank cheaply. */
    static final int CHUNK = 4 << 20;
    /**
     * Stored bytes per chunk at most: every codec's bound for a {@link #CHUNK} (zstd's bound plus
     * a side stream of a quarter, about 5.1 MiB) is below this.
     */
    static final int MAX_STORED_CHUNK = 2 * CHUNK;
    /**
     * The largest index a reader accepts: a 4 MiB chunk costs about 7 bytes of it, an extent
     * about 6-20, so this is far beyond any file's; it bounds what a damaged footer can make a
     * reader allocate.
     */
    static final int MAX_INDEX = 256 << 20;
    /**
     * The least bytes a block of a block-interleaved extent holds: the writer's smallest is
     * block_size 8 rounded down to whole rows, 5 bytes. Bounds the pieces a damaged extent can
     * make a restart plan (one per block).
     */
    static final int MIN_BLOCK = 4;

    private AggregateFormat() {
    }
}
