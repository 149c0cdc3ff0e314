package io.veloc4j.levels.persistent;

import io.veloc4j.levels.Region;
import io.veloc4j.levels.scratch.RankFileInfo;
import io.veloc4j.levels.scratch.RankFileWriter;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Rank files to aggregate, and a reader of the aggregate's index written from the documented format. */
final class AggregateTestSupport {

    private AggregateTestSupport() {
    }

    /** A chunk as the index lists it; raw offsets are within its segment. */
    record IndexChunk(int segment, long rawOffset, int rawLength, long storedOffset, int storedLength) {
        boolean overlaps(int seg, long from, long to) {
            return segment == seg && rawOffset < to && rawOffset + rawLength > from;
        }
    }

    /** A segment as the index lists it. */
    record IndexSegment(String key, int type, int codec, int rowLength, long length) {
    }

    /** An extent as the index lists it. */
    record IndexExtent(long fileOffset, long length, int segment, long segOffset, long block, long stride) {
    }

    /** A member as the index lists it. */
    record IndexMember(int rank, long length, List<IndexExtent> extents) {
    }

    record Index(int scheme, List<IndexSegment> segments, List<IndexChunk> chunks, List<IndexMember> members) {
        IndexMember member(int rank) {
            return members.stream().filter(m -> m.rank() == rank).findFirst().orElseThrow();
        }

        /** The chunks that hold any byte of {@code rank}'s file. */
        List<IndexChunk> chunksOf(int rank) {
            List<IndexChunk> out = new ArrayList<>();
            for (IndexExtent e : member(rank).extents()) {
                long blocks = (e.length() + e.block() - 1) / e.block();
                for (long i = 0; i < blocks; i++) {
                    long from = e.segOffset() + i * e.stride();
                    long to = from + Math.min(e.block(), e.length() - i * e.block());
                    for (IndexChunk c : chunks) {
                        if (c.overlaps(e.segment(), from, to) && !out.contains(c)) {
                            out.add(c);
                        }
                    }
                }
            }
            return out;
        }

        long storedBytes() {
            return chunks.stream().mapToLong(IndexChunk::storedLength).sum();
        }
    }

    /** Parses footer and index (version 3) per AggregateFormat's documentation (little-endian). */
    static Index index(Path aggregate) throws IOException {
        byte[] all = Files.readAllBytes(aggregate);
        ByteBuffer f = ByteBuffer.wrap(all, all.length - 32, 32).order(ByteOrder.LITTLE_ENDIAN);
        long indexOffset = f.getLong();
        int indexLength = f.getInt();
        ByteBuffer b = ByteBuffer.wrap(all, (int) indexOffset, indexLength).order(ByteOrder.LITTLE_ENDIAN);
        b.getInt();
        if (b.getShort() != 3) {
            throw new IllegalStateException("this reader knows index version 3 only");
        }
        int scheme = b.get();
        b.get();
        List<IndexSegment> segments = new ArrayList<>();
        List<IndexChunk> chunks = new ArrayList<>();
        long expected = 0;
        for (int s = 0, n = (int) varint(b); s < n; s++) {
            byte[] key = new byte[(int) varint(b)];
            b.get(key);
            segments.add(new IndexSegment(new String(key, java.nio.charset.StandardCharsets.UTF_8), b.get(), b.get(),
                    (int) varint(b), varint(b)));
            long ro = 0;
            for (long i = varint(b); i > 0; i--) {
                int rl = (int) varint(b);
                long z = varint(b);
                long so = expected + ((z >>> 1) ^ -(z & 1));
                int sl = (int) varint(b);
                b.getInt();
                chunks.add(new IndexChunk(s, ro, rl, so, sl));
                ro += rl;
                expected = so + sl;
            }
        }
        List<IndexMember> members = new ArrayList<>();
        for (long i = varint(b); i > 0; i--) {
            int r = (int) varint(b);
            long length = varint(b);
            b.getInt();
            List<IndexExtent> extents = new ArrayList<>();
            for (long e = varint(b); e > 0; e--) {
                extents.add(new IndexExtent(varint(b), varint(b), (int) varint(b), varint(b), varint(b), varint(b)));
            }
            members.add(new IndexMember(r, length, extents));
        }
        return new Index(scheme, segments, chunks, members);
    }

    /** Unsigned LEB128. */
    private static long varint(ByteBuffer b) {
        long v = 0;
        for (int shift = 0; ; shift += 7) {
            int x = b.get();
            v |= (long) (x & 0x7F) << shift;
            if (x >= 0) {
                return v;
            }
        }
    }

    static RankFileInfo rankFile(Path dir, int rank, int size, List<RankFileWriter.Entry> entries) throws Exception {
        return new RankFileWriter(1 << 20).write(dir.resolve("rank-" + rank + ".vck"), "agg", 3, rank, size, entries,
                true, false);
    }

    /** Random bytes: incompressible. */
    static List<RankFileWriter.Entry> randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return List.of(new RankFileWriter.Entry(0, "noise", new long[] {n}, Region.of(b)));
    }

    /** A smooth field: compressible. */
    static List<RankFileWriter.Entry> smooth(int doubles, int rank) {
        double[] d = new double[doubles];
        for (int i = 0; i < d.length; i++) {
            d[i] = rank + (i % 1000) * 0.5;
        }
        return List.of(new RankFileWriter.Entry(0, "h", new long[] {d.length}, Region.of(d)),
                new RankFileWriter.Entry(1, "step", new long[] {1}, Region.of(new int[] {rank})));
    }

    static List<RankFileWriter.Entry> emptyVariables() {
        return List.of(new RankFileWriter.Entry(0, "h", new long[] {0}, Region.of(new double[0])),
                new RankFileWriter.Entry(1, "ids", new long[] {0}, Region.of(new int[0])));
    }

    static AggregateWriter.Source source(RankFileInfo info, int rank) {
        return new AggregateWriter.Source(rank, info.path(), info.crc());
    }

    /** Decodes {@code rank} out of the aggregate into {@code out}; returns bytes read by that open file. */
    static long extract(Path aggregate, int rank, Path out) throws Exception {
        try (AggregateFile a = AggregateFile.open(aggregate);
             FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING)) {
            a.extract(rank, ch);
            return a.bytesRead();
        }
    }

    static void flipByte(Path file, long offset) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(offset);
            int b = raf.read();
            raf.seek(offset);
            raf.write(b ^ 0x10);
        }
    }
}
