package io.veloc4j.levels.scratch;

/**
 * Layout of a rank file (.vck), little-endian:
 *
 * <pre>
 *  0  int   magic "VCK1"
 *  4  short format version (2; 1 is still read: it has no session field)
 *  6  short flags (bit 0: variable CRCs present)
 *  8  int   header length: where the data starts (64-byte aligned)
 * 12  int   CRC32C of bytes [4, 12) and [16, header length)
 * 16  long  file length
 * 24  int   rank, int job size, int version
 * 36  long  session: the launch that wrote the file (format 2)
 * 44  short name length, name (UTF-8), int variable count, then per variable:
 *     int id, short name length, name, byte type code, byte dimensions, long[dimensions] shape,
 *     long offset, long length, int CRC32C
 *  .. zero padding to the header length, then the variables' bytes at their offsets
 * </pre>
 *
 * The header CRC covers the variables' CRCs, so it stands for the whole file. The header names
 * what the file is (checkpoint name, version, rank, job size, launch session): the rank file on
 * scratch is the durable record that a rank finished its checkpoint, which the node's engine finds
 * by listing scratch (no separate journal record that could be lost).
 */
final class RankFileFormat {
    static final int MAGIC = 0x314B4356; // "VCK1" read little-endian
    static final short VERSION = 2;
    static final short VERSION_1 = 1;
    static final short FLAG_CRC = 1;
    static final int ALIGN = 64;
    static final int FIXED = 44;
    static final int FIXED_1 = 36;
    /**
     * The largest header a reader accepts (and a writer writes): a million variables with names
     * of 40 bytes take 70 bytes each. Bounds what a damaged length field can make a reader allocate.
     */
    static final int MAX_HEADER = 64 << 20;
    /** The least bytes a variable's entry takes (empty name, no dimensions). */
    static final int MIN_ENTRY = 4 + 2 + 1 + 1 + 8 + 8 + 4;
    /** Dimensions of a shape at most (protect refuses more). */
    static final int MAX_DIMENSIONS = 127;

    private RankFileFormat() {
    }

    /**
     * CRC32C of a header: bytes [4, 12) (format version, flags, header length) and [16, length),
     * i.e. everything but the magic and the CRC field itself, so a flipped flag cannot silently
     * turn off data checksums.
     */
    static int headerCrc(byte[] header, int length) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(header, 4, 8);
        crc.update(header, 16, length - 16);
        return (int) crc.getValue();
    }

    static long align(long n) {
        return (n + ALIGN - 1) / ALIGN * ALIGN;
    }
}
