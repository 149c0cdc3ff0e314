package io.veloc4j.levels.persistent;

import io.veloc4j.levels.ElementType;
import io.veloc4j.levels.Region;
import io.veloc4j.levels.codec.CodecKind;
import io.veloc4j.levels.scratch.RankFileInfo;
import io.veloc4j.levels.scratch.RankFileWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.CRC32C;

import static io.veloc4j.levels.persistent.AggregateTestSupport.extract;
import static io.veloc4j.levels.persistent.AggregateTestSupport.rankFile;
import static io.veloc4j.levels.persistent.AggregateTestSupport.source;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** AggregateIndex encode/decode: version 3 round trips, is small, rejects malformed bytes, and version 2 is still read. */
class AggregateIndexTest {

    private static final long GIB = 1L << 30;

    @TempDir
    Path tmp;

    /** A member as written: decode derives its raw offset as the running sum of lengths, so build it that way. */
    private record M(int rank, long length, int crc, List<Extent> extents) {
    }

    private static AggregateIndex index(Scheme scheme, List<Segment> segments, M... ms) {
        List<Member> members = new ArrayList<>();
        List<List<Extent>> extents = new ArrayList<>();
        long raw = 0;
        for (M m : ms) {
            members.add(new Member(m.rank(), raw, m.length(), m.crc()));
            extents.add(m.extents());
            raw += m.length();
        }
        return new AggregateIndex(scheme, segments, members, extents);
    }

    /** Chunks laid out contiguously from {@code stored}, as the writer does. */
    private static List<Chunk> chunks(long stored, int... rawThenStored) {
        List<Chunk> out = new ArrayList<>();
        long raw = 0;
        for (int i = 0; i < rawThenStored.length; i += 2) {
            out.add(new Chunk(raw, rawThenStored[i], stored, rawThenStored[i + 1], 0x9E3779B9 * (i + 1)));
            raw += rawThenStored[i];
            stored += rawThenStored[i + 1];
        }
        return out;
    }

    /** Edge cases: empty key, zero-chunk segment, offsets past 4 GiB and out of order, ranks 0 and MAX_VALUE, many extents. */
    private static AggregateIndex edgy() {
        int big = Integer.MAX_VALUE;
        List<Chunk> huge = List.of(
                new Chunk(0, big, 6 * GIB, 1000, -1),
                new Chunk(big, big, 5 * GIB, 77, 0),                       // stored before the previous chunk
                new Chunk(2L * big, 1 << 20, 9 * GIB + 12345, 40, 123));   // a gap
        List<Segment> segments = List.of(
                new Segment("", ElementType.INT8, 0, CodecKind.ZSTD, 2L * big + (1 << 20), huge),
                new Segment("empty|float64|0", ElementType.FLOAT64, 0, CodecKind.LORENZO, 0, List.of()),
                new Segment("h|float64|512x512", ElementType.FLOAT64, 512, CodecKind.FPC, 4096,
                        chunks(9 * GIB + 20000, 1024, 13, 3072, 99)),
                new Segment("ids|int32|\u00e9t\u00e9", ElementType.INT32, 7, CodecKind.DELTA, 64, chunks(0, 64, 10)));
        List<Extent> many = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            many.add(new Extent(i * 8L, 8, 2, i * 8L, 8, 0));
        }
        many.add(new Extent(2400, 1000, 2, 2400, 100, 150)); // blocked: ends at 2400 + 9 * 150 + 100 = 3850
        return index(Scheme.AWARE_BLOCK, segments,
                new M(0, 3L * GIB, 0xCAFEBABE, List.of(Extent.contiguous(0, 3L * GIB, 0, 0), Extent.contiguous(5, 0, 2, 0))),
                new M(Integer.MAX_VALUE, 3400, -7, many),
                new M(7, 0, 0, List.of()),
                new M(3, 64, 1, List.of(new Extent(0, 64, 3, 0, 16, 16))));
    }

    /** As the writer produces on very compressible data: 4 ranks, 2 segments, 64 chunks of 10-100 stored bytes. */
    private static AggregateIndex realistic() {
        List<Chunk> a = new ArrayList<>();
        long raw = 0;
        long stored = 0;
        for (int i = 0; i < 48; i++) {
            int len = 16384 + (i % 4) * 4096;
            a.add(new Chunk(raw, len, stored, 10 + (i * 37) % 90, i * 0x01000193));
            raw += len;
            stored += a.get(i).storedLength();
        }
        long aLength = raw;
        List<Chunk> b = new ArrayList<>();
        raw = 0;
        for (int i = 0; i < 16; i++) {
            b.add(new Chunk(raw, 4096, stored, 20 + i, ~i));
            raw += 4096;
            stored += 20 + i;
        }
        List<Segment> segments = List.of(
                new Segment("field|float64|256x" + (aLength / 2048), ElementType.FLOAT64, 256, CodecKind.LORENZO, aLength, a),
                new Segment("~rest", ElementType.INT8, 0, CodecKind.ZSTD, raw, b));
        long quarterA = aLength / 4;
        long quarterB = raw / 4;
        M[] ms = new M[4];
        for (int r = 0; r < 4; r++) {
            ms[r] = new M(r, quarterB + quarterA, 0x5bd1e995 * r, List.of(
                    Extent.contiguous(0, quarterB, 1, r * quarterB),
                    new Extent(quarterB, quarterA, 0, r * 8192L, 8192, 4 * 8192)));
        }
        return index(Scheme.AWARE_BLOCK, segments, ms);
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    private static AggregateIndex decode(byte[] b) {
        return AggregateIndex.decode(ByteBuffer.wrap(b));
    }

    /** Version 2 as AggregateIndex.encode wrote it before version 3. */
    private static byte[] encodeV2(AggregateIndex x) {
        ByteBuffer b = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(AggregateFormat.INDEX_MAGIC).putShort((short) 2).put((byte) x.scheme().code()).put((byte) 0)
                .putInt(x.segments().size());
        for (Segment s : x.segments()) {
            byte[] key = s.key().getBytes(StandardCharsets.UTF_8);
            b.putShort((short) key.length).put(key).put((byte) s.type().code()).put((byte) s.codec().code())
                    .putInt(s.rowLength()).putLong(s.length()).putInt(s.chunks().size());
            for (Chunk c : s.chunks()) {
                b.putLong(c.rawOffset()).putInt(c.rawLength()).putLong(c.storedOffset()).putInt(c.storedLength())
                        .putInt(c.crc());
            }
        }
        b.putInt(x.members().size());
        for (int i = 0; i < x.members().size(); i++) {
            Member m = x.members().get(i);
            b.putInt(m.rank()).putLong(m.rawLength()).putInt(m.rankFileCrc()).putInt(x.extents().get(i).size());
            for (Extent e : x.extents().get(i)) {
                b.putLong(e.fileOffset()).putLong(e.length()).putInt(e.segment()).putLong(e.segOffset()).putLong(e.block())
                        .putLong(e.stride());
            }
        }
        return Arrays.copyOf(b.array(), b.position());
    }

    @Test
    void roundTripsEdgeCases() {
        AggregateIndex x = edgy();
        ByteBuffer enc = x.encode();
        assertEquals(0, enc.position());
        assertEquals(enc.capacity(), enc.limit(), "sized exactly");
        assertEquals(x, AggregateIndex.decode(enc));
        assertEquals(x, decode(encodeV2(x)), "version 2 of the same index reads the same");
    }

    @Test
    void roundTripsEmptyIndexAndEveryScheme() {
        for (Scheme s : Scheme.values()) {
            AggregateIndex x = index(s, List.of());
            assertEquals(x, AggregateIndex.decode(x.encode()), s.label());
        }
    }

    @Test
    void contiguousChunksCostOneByteOfStoredOffset() {
        AggregateIndex one = index(Scheme.AGNOSTIC, List.of(new Segment("~all", ElementType.INT8, 0, CodecKind.ZSTD, 50,
                chunks(0, 50, 20))));
        AggregateIndex two = index(Scheme.AGNOSTIC, List.of(new Segment("~all", ElementType.INT8, 0, CodecKind.ZSTD, 100,
                chunks(0, 50, 20, 50, 20))));
        // a chunk of raw 50 / stored 20: 1 byte raw length, 1 byte offset delta 0, 1 byte stored length, 4 bytes CRC
        assertEquals(7, two.encode().remaining() - one.encode().remaining());
    }

    @Test
    void version3IsLessThanHalfOfVersion2() {
        AggregateIndex x = realistic();
        int v3 = x.encode().remaining();
        int v2 = encodeV2(x).length;
        System.out.println("realistic index (4 members, 2 segments, 64 chunks): v2 " + v2 + " B, v3 " + v3 + " B");
        assertTrue(v3 * 2 < v2, "v3 " + v3 + " B vs v2 " + v2 + " B");
        assertEquals(x, AggregateIndex.decode(x.encode()));
        assertEquals(x, decode(encodeV2(x)));
    }

    @Test
    void refusesToWriteWhatVersion3CannotSay() {
        List<Chunk> gap = List.of(new Chunk(0, 10, 0, 5, 0), new Chunk(20, 10, 5, 5, 0));
        AggregateIndex x = index(Scheme.AGNOSTIC, List.of(new Segment("~all", ElementType.INT8, 0, CodecKind.ZSTD, 30, gap)));
        assertThrows(IllegalArgumentException.class, x::encode);
        AggregateIndex negativeRank = index(Scheme.AGNOSTIC, List.of(), new M(-1, 0, 0, List.of()));
        assertThrows(IllegalArgumentException.class, negativeRank::encode);
    }

    @Test
    void everyTruncationFails() {
        for (byte[] whole : List.of(bytes(edgy().encode()), encodeV2(edgy()))) {
            for (int n = 0; n < whole.length; n++) {
                byte[] prefix = Arrays.copyOf(whole, n);
                try {
                    decode(prefix);
                    fail("a prefix of " + n + " of " + whole.length + " bytes decoded");
                } catch (IllegalArgumentException | BufferUnderflowException expected) {
                    // what callers turn into CorruptCheckpointException
                }
            }
        }
    }

    @Test
    void flippedBytesFailCleanlyOrDecode() {
        for (byte[] whole : List.of(bytes(realistic().encode()), encodeV2(realistic()))) {
            flipEach(whole);
        }
    }

    private static void flipEach(byte[] whole) {
        for (int at = 0; at < whole.length; at++) {
            for (int bit : new int[] {0x01, 0x40, 0x80}) {
                byte[] b = whole.clone();
                b[at] ^= (byte) bit;
                try {
                    decode(b);
                } catch (IllegalArgumentException | BufferUnderflowException expected) {
                    // a clean rejection; anything else (OOM, NegativeArraySize, ArithmeticException) fails the test
                }
            }
        }
    }

    @Test
    void rejectsTrailingBytes() {
        for (byte[] whole : List.of(bytes(edgy().encode()), encodeV2(edgy()))) {
            byte[] longer = Arrays.copyOf(whole, whole.length + 1);
            assertMessage("after the end of the index", longer);
        }
    }

    @Test
    void rejectsUnknownVersions() {
        for (int v : new int[] {1, 4, -1}) {
            byte[] b = bytes(edgy().encode());
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putShort(4, (short) v);
            assertMessage("index format version " + v + " is not supported", b);
        }
    }

    /** A v3 index up to and including the first segment's raw length (a one-segment index of empty key, int8, zstd, row 0). */
    private static ByteArrayOutputStream segmentHead(long rawLength) {
        ByteArrayOutputStream o = header();
        o.write(1);    // segments
        o.write(0);    // key length
        o.write(ElementType.INT8.code());
        o.write(CodecKind.ZSTD.code());
        o.write(0);    // row length
        varint(o, rawLength);
        return o;
    }

    private static ByteArrayOutputStream header() {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(AggregateFormat.INDEX_MAGIC)
                .putShort(AggregateFormat.VERSION).put((byte) Scheme.AGNOSTIC.code()).put((byte) 0).array());
        return o;
    }

    private static void varint(ByteArrayOutputStream o, long v) {
        while ((v & ~0x7FL) != 0) {
            o.write((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        o.write((int) v);
    }

    private static void assertMessage(String part, byte[] index) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> decode(index));
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }

    @Test
    void rejectsCountsTheBytesCannotHold() {
        ByteArrayOutputStream o = segmentHead(0);
        varint(o, Integer.MAX_VALUE); // chunks
        o.writeBytes(new byte[64]);
        assertMessage("segment 0 chunk count: 2147483647 is more than the remaining 64 bytes can hold", o.toByteArray());

        ByteArrayOutputStream m = header();
        m.write(0);                   // segments
        varint(m, 1_000_000_000);     // members
        assertMessage("member count", m.toByteArray());

        ByteArrayOutputStream k = header();
        k.write(1);
        varint(k, 1L << 30);          // key length
        k.writeBytes(new byte[16]);
        assertMessage("segment 0 key length", k.toByteArray());
    }

    @Test
    void rejectsOverlongAndOverflowingVarints() {
        ByteArrayOutputStream o = header();
        o.writeBytes(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
                (byte) 0x80, (byte) 0x80, (byte) 0x80, 0});
        assertMessage("segment count: varint longer than 10 bytes", o.toByteArray());

        ByteArrayOutputStream v = header();
        v.writeBytes(new byte[] {-1, -1, -1, -1, -1, -1, -1, -1, -1, 0x02});
        assertMessage("segment count: varint overflows 64 bits", v.toByteArray());
    }

    @Test
    void rejectsValuesOutOfRange() {
        ByteArrayOutputStream tooLong = segmentHead(-1); // 2^64 - 1: not a length
        assertMessage("segment 0 raw length", tooLong.toByteArray());

        ByteArrayOutputStream rank = header();
        rank.write(0);
        rank.write(1);                // members
        varint(rank, 1L << 31);       // rank past Integer.MAX_VALUE
        rank.writeBytes(new byte[16]);
        assertMessage("member 0 rank: 2147483648 does not fit an int", rank.toByteArray());

        ByteArrayOutputStream before = segmentHead(10);
        before.write(1);              // chunks
        before.write(10);             // raw length
        before.write(1);              // zigzag -1: stored before the file's start
        before.writeBytes(new byte[16]);
        assertMessage("segment 0 chunk 0: stored offset -1", before.toByteArray());

        ByteArrayOutputStream stored = segmentHead(10);
        stored.write(1);
        stored.write(10);
        stored.write(0);
        varint(stored, 1L << 31);     // stored length
        stored.writeBytes(new byte[16]);
        assertMessage("segment 0 chunk 0: stored length: 2147483648 does not fit an int", stored.toByteArray());

        ByteArrayOutputStream sum = segmentHead(11);
        sum.write(1);
        sum.write(10);                // raw length 10, segment says 11
        sum.write(0);
        sum.write(5);
        sum.writeBytes(new byte[4]);
        sum.write(0);                 // members
        assertMessage("segment 0 chunks hold 10 bytes, not 11", sum.toByteArray());
    }

    /** An empty variable's extent may sit at the very end of its segment (or of its rank file): it is inside. */
    @Test
    void anEmptyExtentAtTheEndOfItsSegmentAndFileIsInside() {
        AggregateIndex x = index(Scheme.AWARE, List.of(new Segment("v|float64|1", ElementType.FLOAT64, 0, CodecKind.SHUFFLE, 64,
                chunks(0, 64, 20))), new M(0, 64, 0, List.of(Extent.contiguous(0, 64, 0, 0), Extent.contiguous(64, 0, 0, 64))));
        assertEquals(x, AggregateIndex.decode(x.encode()));
        assertEquals(x, decode(encodeV2(x)));
        AggregateIndex past = index(Scheme.AWARE, List.of(new Segment("v|float64|1", ElementType.FLOAT64, 0, CodecKind.SHUFFLE, 64,
                chunks(0, 64, 20))), new M(0, 64, 0, List.of(Extent.contiguous(64, 0, 0, 65))));
        assertMessage("extent of rank 0 lies outside its file or segment", bytes(past.encode()));
    }

    @Test
    void keepsTheExistingChecks() {
        AggregateIndex outside = index(Scheme.AGNOSTIC, List.of(new Segment("~all", ElementType.INT8, 0, CodecKind.ZSTD, 100,
                chunks(0, 100, 20))), new M(0, 100, 0, List.of(Extent.contiguous(0, 100, 0, 1))));
        assertMessage("member 0 extent 0: extent of rank 0 lies outside its file or segment", bytes(outside.encode()));
        assertMessage("extent of rank 0 lies outside its file or segment", encodeV2(outside));

        // a stride so large that the extent's end wraps past Long.MAX_VALUE: still outside
        AggregateIndex wraps = index(Scheme.AGNOSTIC, List.of(new Segment("~all", ElementType.INT8, 0, CodecKind.ZSTD, 100,
                chunks(0, 100, 20))), new M(0, 100, 0, List.of(new Extent(0, 20, 0, 0, 10, Long.MAX_VALUE))));
        assertMessage("extent of rank 0 lies outside its file or segment", bytes(wraps.encode()));

        AggregateIndex wrongCodec = index(Scheme.AWARE, List.of(new Segment("x", ElementType.INT8, 0, CodecKind.FPC, 0,
                List.of())));
        assertMessage("segment 0: codec fpc does not apply to int8", bytes(wrongCodec.encode()));
    }

    @Test
    void aggregateFileReadsAVersion2Index() throws Exception {
        Path scratch = Files.createDirectories(tmp.resolve("scratch"));
        List<RankFileInfo> files = new ArrayList<>();
        List<AggregateWriter.Source> sources = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            files.add(rankFile(scratch, r, 4, List.of(
                    new RankFileWriter.Entry(0, "zeros", new long[] {64, 64}, Region.of(new double[64 * 64])),
                    new RankFileWriter.Entry(1, "ids", new long[] {1000}, Region.of(new int[1000])))));
            sources.add(source(files.get(r), r));
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        AggregateInfo info;
        try {
            info = new AggregateWriter(pool, 2, 1).write(tmp.resolve("agg"), Scheme.AWARE_BLOCK, 0, sources);
        } finally {
            pool.shutdownNow();
        }
        Path agg = tmp.resolve("agg").resolve(info.file());
        byte[] file = Files.readAllBytes(agg);
        ByteBuffer footer = ByteBuffer.wrap(file, file.length - AggregateFormat.FOOTER, AggregateFormat.FOOTER)
                .order(ByteOrder.LITTLE_ENDIAN);
        int indexOffset = (int) footer.getLong();
        int v3 = footer.getInt();
        AggregateIndex index = decode(Arrays.copyOfRange(file, indexOffset, indexOffset + v3));
        byte[] v2 = encodeV2(index);
        System.out.println("4 ranks of zeros, aware-block: data " + indexOffset + " B, index v2 " + v2.length + " B, v3 "
                + v3 + " B");
        assertTrue(v3 * 2 < v2.length, "v3 " + v3 + " B vs v2 " + v2.length + " B");

        // the same file as version 2 wrote it: data, v2 index, footer pointing at it
        CRC32C crc = new CRC32C();
        crc.update(v2);
        ByteBuffer old = ByteBuffer.allocate(indexOffset + v2.length + AggregateFormat.FOOTER).order(ByteOrder.LITTLE_ENDIAN)
                .put(file, 0, indexOffset).put(v2).putLong(indexOffset).putInt(v2.length).putInt((int) crc.getValue())
                .putLong(footer.getLong(file.length - 16))
                .putInt(AggregateFormat.FOOTER_MAGIC).putInt(0);
        Path v2File = tmp.resolve("v2.vagg");
        Files.write(v2File, old.array());
        for (int r = 0; r < 4; r++) {
            Path out = tmp.resolve("rank-" + r + ".out");
            extract(v2File, r, out);
            assertArrayEquals(Files.readAllBytes(files.get(r).path()), Files.readAllBytes(out), "rank " + r);
        }
    }

    /** A version 2 index stores chunk offsets as they are: one near Long.MAX_VALUE must not wrap around the bounds check. */
    @Test
    void aVersion2ChunkOffsetThatWouldOverflowIsCorrupt() throws Exception {
        Path scratch = Files.createDirectories(tmp.resolve("scratch"));
        RankFileInfo file = rankFile(scratch, 0, 1, AggregateTestSupport.smooth(5000, 0));
        ExecutorService pool = Executors.newFixedThreadPool(1);
        AggregateInfo info;
        try {
            info = new AggregateWriter(pool, 1, 1).write(tmp.resolve("agg"), Scheme.AGNOSTIC, 0, List.of(source(file, 0)));
        } finally {
            pool.shutdownNow();
        }
        byte[] bytes = Files.readAllBytes(tmp.resolve("agg").resolve(info.file()));
        ByteBuffer footer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int indexOffset = (int) footer.getLong(bytes.length - AggregateFormat.FOOTER);
        int indexLength = footer.getInt(bytes.length - AggregateFormat.FOOTER + 8);
        AggregateIndex x = decode(Arrays.copyOfRange(bytes, indexOffset, indexOffset + indexLength));
        Segment s = x.segments().get(0);
        Chunk c = s.chunks().get(0);
        List<Chunk> chunks = new ArrayList<>(s.chunks());
        chunks.set(0, new Chunk(c.rawOffset(), c.rawLength(), Long.MAX_VALUE - 1, c.storedLength(), c.crc()));
        AggregateIndex forged = new AggregateIndex(x.scheme(), List.of(new Segment(s.key(), s.type(), s.rowLength(), s.codec(),
                s.length(), chunks)), x.members(), x.extents());
        byte[] v2 = encodeV2(forged);
        CRC32C crc = new CRC32C();
        crc.update(v2);
        ByteBuffer out = ByteBuffer.allocate(indexOffset + v2.length + AggregateFormat.FOOTER).order(ByteOrder.LITTLE_ENDIAN)
                .put(bytes, 0, indexOffset).put(v2).putLong(indexOffset).putInt(v2.length).putInt((int) crc.getValue())
                .putLong(footer.getLong(bytes.length - 16)).putInt(AggregateFormat.FOOTER_MAGIC).putInt(0);
        Path forgedFile = tmp.resolve("forged.vagg");
        Files.write(forgedFile, out.array());
        io.veloc4j.levels.CorruptCheckpointException e = assertThrows(io.veloc4j.levels.CorruptCheckpointException.class,
                () -> AggregateFile.open(forgedFile));
        assertTrue(e.getMessage().contains("beyond the data"), e.getMessage());
    }
}
