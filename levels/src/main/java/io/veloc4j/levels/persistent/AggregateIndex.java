package io.veloc4j.levels.persistent;

import io.veloc4j.levels.ElementType;
import io.veloc4j.levels.codec.CodecKind;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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

    ByteBuffer encode() {
        List<byte[]> keys = segments.stream().map(s -> s.key().getBytes(StandardCharsets.UTF_8)).toList();
        int size = 12;
        for (int i = 0; i < segments.size(); i++) {
            size += 2 + keys.get(i).length + 2 + 4 + 8 + 4 + segments.get(i).chunks().size() * 28;
        }
        size += 4;
        for (List<Extent> ex : extents) {
            size += 4 + 8 + 4 + 4 + ex.size() * 44;
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(AggregateFormat.INDEX_MAGIC).putShort(AggregateFormat.VERSION).put((byte) scheme.code()).put((byte) 0)
                .putInt(segments.size());
        for (int i = 0; i < segments.size(); i++) {
            Segment s = segments.get(i);
            b.putShort((short) keys.get(i).length).put(keys.get(i)).put((byte) s.type().code()).put((byte) s.codec().code())
                    .putInt(s.rowLength()).putLong(s.length()).putInt(s.chunks().size());
            for (Chunk c : s.chunks()) {
                b.putLong(c.rawOffset()).putInt(c.rawLength()).putLong(c.storedOffset()).putInt(c.storedLength()).putInt(c.crc());
            }
        }
        b.putInt(members.size());
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            b.putInt(m.rank()).putLong(m.rawLength()).putInt(m.rankFileCrc()).putInt(extents.get(i).size());
            for (Extent e : extents.get(i)) {
                b.putLong(e.fileOffset()).putLong(e.length()).putInt(e.segment()).putLong(e.segOffset()).putLong(e.block())
                        .putLong(e.stride());
            }
        }
        return b.flip();
    }

    /**
     * Parses an index whose CRC has been checked.
     *
     * @throws IllegalArgumentException or java.nio.BufferUnderflowException if malformed
     */
    static AggregateIndex decode(ByteBuffer b) {
        b.order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != AggregateFormat.INDEX_MAGIC) {
            throw new IllegalArgumentException("bad index magic");
        }
        short version = b.getShort();
        if (version != AggregateFormat.VERSION) {
            throw new IllegalArgumentException("index format version " + version + " is not supported (expected "
                    + AggregateFormat.VERSION + ")");
        }
        Scheme scheme = Scheme.ofCode(b.get());
        b.get();
        int n = b.getInt();
        List<Segment> segments = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] key = new byte[Short.toUnsignedInt(b.getShort())];
            b.get(key);
            ElementType type = ElementType.ofCode(b.get());
            CodecKind codec = CodecKind.ofCode(b.get());
            if (!codec.appliesTo(type)) {
                throw new IllegalArgumentException("segment " + i + ": codec " + codec.label() + " does not apply to " + type);
            }
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
                Extent x = new Extent(b.getLong(), b.getLong(), b.getInt(), b.getLong(), b.getLong(), b.getLong());
                long lastBlock = x.fileOffset() + x.length();
                long lastSeg = x.segOffset() + (x.blocks() - 1) * x.stride() + (x.length() - (x.blocks() - 1) * x.block());
                if (x.segment() < 0 || x.segment() >= segments.size() || x.fileOffset() < 0 || lastBlock > length
                        || x.segOffset() < 0 || lastSeg > segments.get(x.segment()).length()) {
                    throw new IllegalArgumentException("extent of rank " + rank + " lies outside its file or segment");
                }
                ex.add(x);
            }
            extents.add(ex);
        }
        return new AggregateIndex(scheme, segments, members, extents);
    }
}
