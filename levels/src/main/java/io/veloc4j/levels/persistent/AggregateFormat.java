package io.veloc4j.levels.persistent;

/**
 * Layout of an aggregate file (group-&lt;g&gt;.vagg), little-endian:
 *
 * <pre>
 * chunk 0 … chunk n-1     the group's raw stream (its rank files, one after another), cut into
 *                         chunks of CHUNK bytes, each compressed on its own
 * index                   int magic "VAGI", short format version, byte scheme, byte codec,
 *                         int chunks, per chunk: long raw offset, int raw length,
 *                         long stored offset, int stored length, int CRC32C of the stored bytes;
 *                         int members, per member: int rank, long raw offset, long raw length,
 *                         int the rank file's header CRC
 * footer (32 bytes)       long index offset, int index length, int index CRC32C,
 *                         long raw total, int magic "VAGG", int 0
 * </pre>
 *
 * The footer locates the index, the index locates each rank's slice of the raw stream, so one
 * rank's restart reads and decodes only the chunks that hold its bytes.
 */
final class AggregateFormat {
    static final int INDEX_MAGIC = 0x49474156; // "VAGI"
    static final int FOOTER_MAGIC = 0x47474156; // "VAGG"
    static final short VERSION = 1;
    static final int FOOTER = 32;
    static final byte CODEC_RAW = 0;
    static final byte CODEC_ZSTD = 1;
    /** Raw bytes per chunk: large enough for zstd to find redundancy, small enough to restore one rank cheaply. */
    static final int CHUNK = 4 << 20;

    private AggregateFormat() {
    }
}
