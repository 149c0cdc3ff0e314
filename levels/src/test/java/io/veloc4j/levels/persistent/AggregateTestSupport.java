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

    /** A chunk as the index lists it. */
    record IndexChunk(long rawOffset, int rawLength, long storedOffset, int storedLength) {
        boolean overlaps(long from, long to) {
            return rawOffset < to && rawOffset + rawLength > from;
        }
    }

    /** A member as the index lists it. */
    record IndexMember(int rank, long rawOffset, long rawLength) {
    }

    record Index(List<IndexChunk> chunks, List<IndexMember> members) {
        IndexMember member(int rank) {
            return members.stream().filter(m -> m.rank() == rank).findFirst().orElseThrow();
        }

        List<IndexChunk> chunksOf(int rank) {
            IndexMember m = member(rank);
            return chunks.stream().filter(c -> c.overlaps(m.rawOffset(), m.rawOffset() + m.rawLength())).toList();
        }
    }

    /** Parses footer and index per AggregateFormat's documentation (little-endian). */
    static Index index(Path aggregate) throws IOException {
        byte[] all = Files.readAllBytes(aggregate);
        ByteBuffer f = ByteBuffer.wrap(all, all.length - 32, 32).order(ByteOrder.LITTLE_ENDIAN);
        long indexOffset = f.getLong();
        int indexLength = f.getInt();
        ByteBuffer b = ByteBuffer.wrap(all, (int) indexOffset, indexLength).order(ByteOrder.LITTLE_ENDIAN);
        b.getInt();
        b.getShort();
        b.get();
        b.get();
        List<IndexChunk> chunks = new ArrayList<>();
        for (int i = b.getInt(); i > 0; i--) {
            long ro = b.getLong();
            int rl = b.getInt();
            long so = b.getLong();
            int sl = b.getInt();
            b.getInt();
            chunks.add(new IndexChunk(ro, rl, so, sl));
        }
        List<IndexMember> members = new ArrayList<>();
        for (int i = b.getInt(); i > 0; i--) {
            int r = b.getInt();
            long ro = b.getLong();
            long rl = b.getLong();
            b.getInt();
            members.add(new IndexMember(r, ro, rl));
        }
        return new Index(chunks, members);
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
