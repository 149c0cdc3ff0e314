package io.veloc4j.levels.erasure;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Layout of a parity file (.vpar), little-endian:
 *
 * <pre>
 *  0  int   magic "VPR1"
 *  4  short format version (1)
 *  6  short flags (0)
 *  8  int   header length: where the body starts (64-byte aligned)
 * 12  int   CRC32C of bytes [4, 12) and [16, header length)
 * 16  long  file length (header length + P)
 * 24  long  session: the launch that wrote it
 * 32  int   checkpoint version, int set id
 * 40  short n, short m, short codeword, short parity index
 * 48  int   stripe size S, long piece length P
 * 60  short name length, name (UTF-8)
 *     n × member: int node, short host length, host (UTF-8), int rank count,
 *                 rank count × (int rank, long length, int header CRC)
 *     int   stripes T = ⌈P / S⌉
 *     k × T int: CRC32C of every stripe of every data piece of the codeword (zero-padded)
 *     T int: CRC32C of every stripe of the body
 *  .. zero padding to the header length, then the body: the parity piece, P bytes
 * </pre>
 *
 * The header CRC covers every field but the magic and itself, the CRC tables included, so an
 * intact header vouches for every stripe of the codeword.
 */
final class ParityFormat {

    static final int MAGIC = 0x31525056; // "VPR1" read little-endian
    static final short VERSION = 1;
    static final int ALIGN = 64;
    static final int FIXED = 60;
    /** Bounds what a damaged length field can make a reader allocate; a writer refuses more. */
    static final int MAX_HEADER = 64 << 20;
    /** A member's entry without host and ranks. */
    private static final int MEMBER_FIXED = 4 + 2 + 4;
    private static final int RANK_ENTRY = 4 + 8 + 4;

    private ParityFormat() {
    }

    /** The header length of a parity file of {@code set}; larger than MAX_HEADER means the set cannot be coded. */
    static long headerLength(ErasureSet set) {
        ErasureLayout layout = set.layout();
        long n = FIXED + 2 + utf8(set.name()).length;
        for (Member m : set.members()) {
            n += MEMBER_FIXED + utf8(m.host()).length + (long) RANK_ENTRY * m.ranks().size();
        }
        n += 4 + 4L * (layout.dataSymbols() + 1) * layout.stripes();
        return align(n);
    }

    static ByteBuffer encode(ParityHeader h) {
        ErasureSet set = h.set();
        ErasureLayout layout = set.layout();
        int length = Math.toIntExact(headerLength(set));
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putShort(VERSION).putShort((short) 0).putInt(length).putInt(0)
                .putLong(length + layout.pieceLength()).putLong(set.session()).putInt(set.version()).putInt(set.setId())
                .putShort((short) set.size()).putShort((short) set.parity()).putShort((short) h.codeword())
                .putShort((short) h.parityIndex()).putInt(set.stripeSize()).putLong(layout.pieceLength());
        putString(b, set.name());
        for (Member m : set.members()) {
            b.putInt(m.node());
            putString(b, m.host());
            b.putInt(m.ranks().size());
            for (RankEntry r : m.ranks()) {
                b.putInt(r.rank()).putLong(r.length()).putInt(r.headerCrc());
            }
        }
        int stripes = layout.stripes();
        b.putInt(stripes);
        for (StripeCrcs c : h.dataCrcs()) {
            for (int t = 0; t < stripes; t++) {
                b.putInt(c.get(t));
            }
        }
        for (int t = 0; t < stripes; t++) {
            b.putInt(h.parityCrcs().get(t));
        }
        b.putInt(12, crc(b.array(), length));
        return b.clear();
    }

    /** What the fixed part says before the rest is read: enough to bound the read. */
    record Fixed(int headerLength, int crc) {
    }

    /** Checks magic, format, flags and the header length against the file's real size. */
    static Fixed fixed(ByteBuffer b, long actualSize) {
        if (b.remaining() < 16 || b.getInt(0) != MAGIC) {
            throw new IllegalArgumentException("not a veloc4j parity file (bad magic)");
        }
        if (b.getShort(4) != VERSION) {
            throw new IllegalArgumentException("format version " + b.getShort(4) + " is not supported (expected " + VERSION + ")");
        }
        if (b.getShort(6) != 0) {
            throw new IllegalArgumentException("unknown flags 0x" + Integer.toHexString(b.getShort(6) & 0xffff));
        }
        int headerLength = b.getInt(8);
        if (headerLength < FIXED || headerLength > actualSize || headerLength > MAX_HEADER || headerLength % ALIGN != 0) {
            throw new IllegalArgumentException("header length " + headerLength + " does not fit the file (" + actualSize
                    + " bytes) or the format (a multiple of " + ALIGN + ", at most " + MAX_HEADER + ")");
        }
        return new Fixed(headerLength, b.getInt(12));
    }

    /**
     * Parses a whole header whose CRC has been checked; every count and length is checked against
     * what is left of the header before anything is allocated by it.
     */
    static ParityHeader decode(ByteBuffer h, long actualSize) {
        try {
            int headerLength = h.getInt(8);
            h.position(16);
            long fileLength = h.getLong();
            if (fileLength != actualSize) {
                throw new IllegalArgumentException("file is " + actualSize + " bytes, header says " + fileLength);
            }
            long session = h.getLong();
            int version = h.getInt();
            int setId = h.getInt();
            int n = h.getShort();
            int m = h.getShort();
            int codeword = h.getShort();
            int parityIndex = h.getShort();
            int stripeSize = h.getInt();
            long pieceLength = h.getLong();
            if (n < 2 || n > ReedSolomon.MAX_SYMBOLS || m < 1 || m >= n || codeword < 0 || codeword >= n
                    || parityIndex < 0 || parityIndex >= m) {
                throw new IllegalArgumentException("a set of " + n + " with parity " + m + ", codeword " + codeword
                        + ", parity index " + parityIndex + " is not possible");
            }
            if (pieceLength != fileLength - headerLength) {
                throw new IllegalArgumentException("piece length " + pieceLength + " is not the body's "
                        + (fileLength - headerLength) + " bytes");
            }
            String name = getString(h);
            List<Member> members = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int node = h.getInt();
                String host = getString(h);
                int count = h.getInt();
                if (count < 0 || count > h.remaining() / RANK_ENTRY) {
                    throw new IllegalArgumentException("member " + i + " has " + count + " ranks, more than the header holds");
                }
                List<RankEntry> ranks = new ArrayList<>(count);
                for (int r = 0; r < count; r++) {
                    ranks.add(new RankEntry(h.getInt(), h.getLong(), h.getInt()));
                }
                members.add(new Member(node, host, ranks));
            }
            // the record checks names, ids, parity, stripe size and that no rank is listed twice
            ErasureSet set = new ErasureSet(name, version, session, setId, m, stripeSize, members);
            ErasureLayout layout = set.layout();
            if (layout.pieceLength() != pieceLength) {
                throw new IllegalArgumentException("piece length " + pieceLength + " is not the "
                        + layout.pieceLength() + " bytes its members' rank files need");
            }
            int stripes = h.getInt();
            if (stripes != layout.stripes()) {
                throw new IllegalArgumentException(stripes + " stripes, but " + pieceLength + " bytes in stripes of "
                        + stripeSize + " are " + layout.stripes());
            }
            int k = layout.dataSymbols();
            if ((long) (k + 1) * stripes > h.remaining() / 4) {
                throw new IllegalArgumentException("CRC tables of " + (k + 1) + " × " + stripes
                        + " stripes do not fit the header");
            }
            List<StripeCrcs> data = new ArrayList<>(k);
            for (int s = 0; s < k; s++) {
                data.add(StripeCrcs.wrap(getInts(h, stripes)));
            }
            StripeCrcs parity = StripeCrcs.wrap(getInts(h, stripes));
            if (headerLength(set) != headerLength) {
                throw new IllegalArgumentException("header length " + headerLength + " is not the " + headerLength(set)
                        + " bytes its content takes");
            }
            while (h.hasRemaining()) {
                if (h.get() != 0) {
                    throw new IllegalArgumentException("padding after the CRC tables is not zero");
                }
            }
            return new ParityHeader(set, codeword, parityIndex, data, parity);
        } catch (BufferUnderflowException | ArithmeticException e) {
            throw new IllegalArgumentException("malformed header (" + e + ")");
        }
    }

    static int crc(byte[] header, int length) {
        CRC32C crc = new CRC32C();
        crc.update(header, 4, 8);
        crc.update(header, 16, length - 16);
        return (int) crc.getValue();
    }

    static long align(long n) {
        return (n + ALIGN - 1) / ALIGN * ALIGN;
    }

    private static int[] getInts(ByteBuffer b, int n) {
        int[] out = new int[n];
        b.asIntBuffer().get(out);
        b.position(b.position() + 4 * n);
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void putString(ByteBuffer b, String s) {
        byte[] bytes = utf8(s);
        b.putShort((short) bytes.length).put(bytes);
    }

    private static String getString(ByteBuffer b) {
        int n = Short.toUnsignedInt(b.getShort());
        if (n > b.remaining()) {
            throw new BufferUnderflowException();
        }
        byte[] s = new byte[n];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }
}
