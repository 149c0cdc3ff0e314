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
 * index                   int magic "VAGI", short format version, byte scheme, byte 0,
 *                         int segments, per segment: short key length, key (UTF-8), byte element
 *                         type, byte codec, int row length, long raw length, int chunks, per chunk:
 *                         long raw offset (in the segment), int raw length, long stored offset,
 *                         int stored length, int CRC32C of the stored bytes;
 *                         int members, per member: int rank, long rank file length, int the rank
 *                         file's header CRC, int extents, per extent: long file offset, long
 *                         length, int segment, long segment offset, long block, long stride
 * footer (32 bytes)       long index offset, int index length, int index CRC32C,
 *                         long raw total, int magic "VAGG", int 0
 * </pre>
 *
 * The footer locates the index, the index maps each rank's file onto segment offsets, so one
 * rank's restart reads and decodes only the chunks that hold its bytes.
 */
final class AggregateFormat {
    static final int INDEX_MAGIC = 0x49474156; // "VAGI"
    static final int FOOTER_MAGIC = 0x47474156; // "VAGG"
    static final short VERSION = 2;
    static final int FOOTER = 32;
    /** Raw bytes per chunk at most: large enough for zstd to find redundancy, small enough to restore one rank cheaply. */
    static final int CHUNK = 4 << 20;

    private AggregateFormat() {
    }
}
