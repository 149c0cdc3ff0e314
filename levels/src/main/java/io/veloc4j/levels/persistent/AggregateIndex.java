package io.veloc4j.levels.persistent;

import io.veloc4j.levels.ElementType;
import io.veloc4j.levels.codec.CodecKind;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An aggregate's index: its segments with their chunks, and per member the extents that map its
 * rank file onto the segments. See {@link AggregateFormat} for the bytes.
 */
record AggregateIndex(Scheme scheme, List<Segment> segments, List<Member> members, List<List<Extent>> extents) {

    AggregateIndex {
        segments = List.copyOf(segments);
        members = List.copyOf(members);
        extents = extents.stream().map(List::copyOf).toList();
    }

    /**
     * The index of one file made of several parts laid one after another (each part: its chunks
     * from stored offset 0, as {@link AggregateWriter#encodePart} writes them): part p's chunks move
     * by {@code chunkBase[p]}, its extents point at its segments' new places, and members get raw
     * offsets in the order of the parts. The parts' segments stay separate (a variable that two
     * nodes' ranks share appears once per part): each node encoded its own ranks.
     */
    static AggregateIndex concat(Scheme scheme, List<AggregateIndex> parts, long[] chunkBase) {
        List<Segment> segments = new ArrayList<>();
        List<Member> members = new ArrayList<>();
        List<List<Extent>> extents = new ArrayList<>();
        long raw = 0;
        for (int p = 0; p < parts.size(); p++) {
            AggregateIndex part = parts.get(p);
            int segBase = segments.size();
            for (Segment s : part.segments()) {
                List<Chunk> moved = new ArrayList<>(s.chunks().size());
                for (Chunk c : s.chunks()) {
                    moved.add(new Chunk(c.rawOffset(), c.rawLength(), c.storedOffset() + chunkBase[p], c.storedLength(), c.crc()));
                }
                segments.add(new Segment(s.key(), s.type(), s.rowLength(), s.codec(), s.length(), moved));
            }
            for (int m = 0; m < part.members().size(); m++) {
                Member mem = part.members().get(m);
                members.add(new Member(mem.rank(), raw, mem.rawLength(), mem.rankFileCrc()));
                raw += mem.rawLength();
                List<Extent> es = new ArrayList<>();
                for (Extent e : part.extents().get(m)) {
                    es.add(new Extent(e.fileOffset(), e.length(), e.segment() + segBase, e.segOffset(), e.block(), e.stride()));
                }
                extents.add(es);
            }
        }
        return new AggregateIndex(scheme, segments, members, extents);
    }

    /** "codec:count" per codec over the typed segments, e.g. "lorenzo:12,shuffle:2"; untyped bytes are "zstd". */
    String codecSummary() {
        Map<String, Integer> n = new TreeMap<>();
        for (Segment s : segments) {
            n.merge(s.codec().label(), 1, Integer::sum);
        }
        StringBuilder b = new StringBuilder();
        n.forEach((k, v) -> b.append(b.length() == 0 ? "" : ",").append(k).append(':').append(v));
        return b.toString();
    }

    /**
     * The index in format {@link AggregateFormat#VERSION} (3): varints instead of fixed-width
     * fields, chunk raw offsets left out (they are the running sum) and stored offsets written
     * relative to where the previous chunk ended (one 0 byte when chunks are contiguous).
     * Returns a flipped buffer of exactly the index bytes.
     *
     * @throws IllegalArgumentException if a field the format stores unsigned is negative, or a
     *                                  chunk's raw offset is not the running sum: v3 could not say it
     */
    ByteBuffer encode() {
        Out o = new Out(256);
        o.int32(AggregateFormat.INDEX_MAGIC).int16(AggregateFormat.VERSION).byte8(scheme.code()).byte8(0);
        o.varint(segments.size());
        long expected = 0;
        for (Segment s : segments) {
            byte[] key = s.key().getBytes(StandardCharsets.UTF_8);
            o.varint(key.length).bytes(key).byte8(s.type().code()).byte8(s.codec().code());
            o.varint(s.rowLength()).varint(s.length()).varint(s.chunks().size());
            long at = 0;
            for (Chunk c : s.chunks()) {
                if (c.rawOffset() != at) {
                    throw new IllegalArgumentException("segment '" + s.key() + "': chunk at raw offset " + c.rawOffset()
                            + " does not follow the previous one (" + at + ")");
                }
                at += c.rawLength();
                o.varint(c.rawLength()).zvarint(c.storedOffset() - expected).varint(c.storedLength()).int32(c.crc());
                expected = c.storedOffset() + c.storedLength();
            }
        }
        o.varint(members.size());
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            o.varint(m.rank()).varint(m.rawLength()).int32(m.rankFileCrc()).varint(extents.get(i).size());
            for (Extent e : extents.get(i)) {
                o.varint(e.fileOffset()).varint(e.length()).varint(e.segment()).varint(e.segOffset()).varint(e.block())
                        .varint(e.stride());
            }
        }
        return o.buffer();
    }

    /**
     * Parses an index whose CRC has been checked: format version 3, or version 2 as written
     * before it.
     *
     * @throws IllegalArgumentException or java.nio.BufferUnderflowException if malformed
     */
    static AggregateIndex decode(ByteBuffer b) {
        b.order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != AggregateFormat.INDEX_MAGIC) {
            throw new IllegalArgumentException("bad index magic");
        }
        short version = b.getShort();
        AggregateIndex index = switch (version) {
            case AggregateFormat.VERSION -> decodeV3(b);
            case 2 -> decodeV2(b);
            default -> throw new IllegalArgumentException("index format version " + version + " is not supported (expected "
                    + AggregateFormat.VERSION + " or 2)");
        };
        if (b.hasRemaining()) {
            throw new IllegalArgumentException(b.remaining() + " bytes after the end of the index");
        }
        return index;
    }

    private static AggregateIndex decodeV3(ByteBuffer b) {
        In in = new In(b);
        Scheme scheme = Scheme.ofCode(in.byte8("scheme"));
        in.byte8("reserved byte");
        // the least bytes one entry can take, so a corrupt count fails before anything is allocated
        int n = in.count("segment count", 6);
        List<Segment> segments = new ArrayList<>(n);
        long expected = 0;
        for (int i = 0; i < n; i++) {
            String at = "segment " + i;
            byte[] key = in.bytes(at + " key", in.count(at + " key length", 1));
            ElementType type = ElementType.ofCode(in.byte8(at + " element type"));
            CodecKind codec = codecFor(i, type, CodecKind.ofCode(in.byte8(at + " codec")));
            int rowLength = in.int31(at + " row length");
            long length = in.long63(at + " raw length");
            int count = in.count(at + " chunk count", 7);
            List<Chunk> chunks = new ArrayList<>(count);
            long raw = 0;
            for (int c = 0; c < count; c++) {
                try {
                    int rawLength = in.int31("raw length");
                    // expected >= 0, so a sum that wraps comes out negative as well
                    long storedOffset = expected + in.zvarint("stored offset");
                    if (storedOffset < 0) {
                        throw new IllegalArgumentException("stored offset " + storedOffset + " is negative or overflows");
                    }
                    int storedLength = in.int31("stored length");
                    chunks.add(new Chunk(raw, rawLength, storedOffset, storedLength, in.int32("CRC")));
                    raw += rawLength;
                    expected = storedOffset + storedLength;
                    if (expected < 0) {
                        throw new IllegalArgumentException("stored bytes end past the largest file offset");
                    }
                } catch (IllegalArgumentException e) {
                    throw located(at + " chunk " + c, e);
                }
            }
            if (raw != length) {
                throw new IllegalArgumentException("segment " + i + " chunks hold " + raw + " bytes, not " + length);
            }
            segments.add(new Segment(new String(key, StandardCharsets.UTF_8), type, rowLength, codec, length, chunks));
        }
        int m = in.count("member count", 7);
        List<Member> members = new ArrayList<>(m);
        List<List<Extent>> extents = new ArrayList<>(m);
        long raw = 0;
        for (int i = 0; i < m; i++) {
            String at = "member " + i;
            int rank = in.int31(at + " rank");
            long length = in.long63(at + " rank file length");
            members.add(new Member(rank, raw, length, in.int32(at + " header CRC")));
            raw = addChecked(raw, length, at + " rank file length");
            int count = in.count(at + " extent count", 6);
            List<Extent> ex = new ArrayList<>(count);
            for (int e = 0; e < count; e++) {
                try {
                    ex.add(checkExtent(new Extent(in.long63("file offset"), in.long63("length"), in.int31("segment"),
                            in.long63("segment offset"), in.long63("block"), in.long63("stride")), rank, length, segments));
                } catch (IllegalArgumentException x) {
                    throw located(at + " extent " + e, x);
                }
            }
            extents.add(ex);
        }
        return new AggregateIndex(scheme, segments, members, extents);
    }

    /** Version 2: fixed-width fields, every chunk's raw offset and absolute stored offset written out. */
    private static AggregateIndex decodeV2(ByteBuffer b) {
        Scheme scheme = Scheme.ofCode(b.get());
        b.get();
        int n = b.getInt();
        List<Segment> segments = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] key = new byte[Short.toUnsignedInt(b.getShort())];
            b.get(key);
            ElementType type = ElementType.ofCode(b.get());
            CodecKind codec = codecFor(i, type, CodecKind.ofCode(b.get()));
            int rowLength = b.getInt();
            long length = b.getLong();
            List<Chunk> chunks = new ArrayList<>();
            long at = 0;
            for (int c = b.getInt(); c > 0; c--) {
                Chunk ch = new Chunk(b.getLong(), b.getInt(), b.getLong(), b.getInt(), b.getInt());
                if (ch.rawOffset() != at || ch.rawLength() < 0 || ch.storedLength() < 0 || ch.storedOffset() < 0) {
                    throw new IllegalArgumentException("chunk table of segment " + i + " is inconsistent");
                }
                at += ch.rawLength();
                chunks.add(ch);
            }
            if (at != length) {
                throw new IllegalArgumentException("segment " + i + " chunks hold " + at + " bytes, not " + length);
            }
            segments.add(new Segment(new String(key, StandardCharsets.UTF_8), type, rowLength, codec, length, chunks));
        }
        List<Member> members = new ArrayList<>();
        List<List<Extent>> extents = new ArrayList<>();
        long raw = 0;
        for (int m = b.getInt(); m > 0; m--) {
            int rank = b.getInt();
            long length = b.getLong();
            int crc = b.getInt();
            members.add(new Member(rank, raw, length, crc));
            raw += length;
            List<Extent> ex = new ArrayList<>();
            for (int e = b.getInt(); e > 0; e--) {
                ex.add(checkExtent(new Extent(b.getLong(), b.getLong(), b.getInt(), b.getLong(), b.getLong(), b.getLong()),
                        rank, length, segments));
            }
            extents.add(ex);
        }
        return new AggregateIndex(scheme, segments, members, extents);
    }

    private static CodecKind codecFor(int segment, ElementType type, CodecKind codec) {
        if (!codec.appliesTo(type)) {
            throw new IllegalArgumentException("segment " + segment + ": codec " + codec.label() + " does not apply to " + type);
        }
        return codec;
    }

    /**
     * The extent, if it lies inside its rank file and its segment.
     * Exact arithmetic, so huge values cannot wrap around past the check.
     */
    private static Extent checkExtent(Extent x, int rank, long fileLength, List<Segment> segments) {
        boolean inside;
        try {
            long lastBlock = Math.addExact(x.fileOffset(), x.length());
            long full = Math.max(0, x.blocks() - 1); // an empty extent has no block: it ends where it starts
            long lastSeg = Math.addExact(Math.addExact(x.segOffset(), Math.multiplyExact(full, x.stride())),
                    x.length() - full * x.block());
            inside = x.segment() >= 0 && x.segment() < segments.size() && x.fileOffset() >= 0 && lastBlock <= fileLength
                    && x.segOffset() >= 0 && lastSeg <= segments.get(x.segment()).length();
        } catch (ArithmeticException e) {
            inside = false;
        }
        if (!inside) {
            throw new IllegalArgumentException("extent of rank " + rank + " lies outside its file or segment");
        }
        return x;
    }

    /** The failure of a chunk or extent, prefixed with which one: names are built only on failure, not per entry. */
    private static IllegalArgumentException located(String where, IllegalArgumentException e) {
        return new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }

    private static long addChecked(long a, long b, String what) {
        try {
            return Math.addExact(a, b);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(what + ": total overflows");
        }
    }

    /** Appends little-endian fields to a growing array. */
    private static final class Out {
        private byte[] buf;
        private int n;

        Out(int capacity) {
            buf = new byte[capacity];
        }

        private void ensure(int more) {
            if (buf.length - n < more) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, n + more));
            }
        }

        Out byte8(int v) {
            ensure(1);
            buf[n++] = (byte) v;
            return this;
        }

        Out bytes(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, buf, n, b.length);
            n += b.length;
            return this;
        }

        Out int16(int v) {
            return byte8(v).byte8(v >> 8);
        }

        Out int32(int v) {
            return byte8(v).byte8(v >> 8).byte8(v >> 16).byte8(v >> 24);
        }

        /** Unsigned LEB128; negative values are refused, since the reader takes them as corrupt. */
        Out varint(long v) {
            if (v < 0) {
                throw new IllegalArgumentException("index field is negative: " + v);
            }
            while (v >= 0x80) {
                byte8((int) v | 0x80);
                v >>>= 7;
            }
            return byte8((int) v);
        }

        /** Zigzag, so small negative values stay short too. */
        Out zvarint(long v) {
            long z = (v << 1) ^ (v >> 63);
            while ((z & ~0x7FL) != 0) {
                byte8((int) z | 0x80);
                z >>>= 7;
            }
            return byte8((int) z);
        }

        ByteBuffer buffer() {
            return ByteBuffer.wrap(Arrays.copyOf(buf, n)).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    /** Reads v3 fields; every malformation is an IllegalArgumentException naming the field. */
    private static final class In {
        private final ByteBuffer b;

        In(ByteBuffer b) {
            this.b = b;
        }

        int byte8(String what) {
            need(1, what);
            return b.get() & 0xFF;
        }

        int int32(String what) {
            need(4, what);
            return b.getInt();
        }

        byte[] bytes(String what, int length) {
            need(length, what);
            byte[] out = new byte[length];
            b.get(out);
            return out;
        }

        private void need(int bytes, String what) {
            if (b.remaining() < bytes) {
                throw new IllegalArgumentException(what + ": the index ends early");
            }
        }

        long varint(String what) {
            long v = 0;
            for (int shift = 0; ; shift += 7) {
                int x = byte8(what);
                // the 10th byte has room for bit 63 only
                if (shift == 63 && x > 1) {
                    throw new IllegalArgumentException(what + ": varint "
                            + (x > 0x7F ? "longer than 10 bytes" : "overflows 64 bits"));
                }
                v |= (long) (x & 0x7F) << shift;
                if (x < 0x80) {
                    return v;
                }
            }
        }

        long zvarint(String what) {
            long z = varint(what);
            return (z >>> 1) ^ -(z & 1);
        }

        long long63(String what) {
            long v = varint(what);
            if (v < 0) {
                throw new IllegalArgumentException(what + ": " + Long.toUnsignedString(v) + " is too large");
            }
            return v;
        }

        int int31(String what) {
            long v = long63(what);
            if (v > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(what + ": " + v + " does not fit an int");
            }
            return (int) v;
        }

        /** A count of entries that take at least {@code minBytes} each: no more than the remaining bytes can hold. */
        int count(String what, int minBytes) {
            int v = int31(what);
            if (v > b.remaining() / minBytes) {
                throw new IllegalArgumentException(what + ": " + v + " is more than the remaining " + b.remaining()
                        + " bytes can hold");
            }
            return v;
        }
    }
}
