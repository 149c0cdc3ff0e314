package io.veloc4j.levels.persistent;

import io.veloc4j.levels.CorruptCheckpointException;
import io.veloc4j.levels.Fuzz;
import io.veloc4j.levels.Region;
import io.veloc4j.levels.codec.CodecKind;
import io.veloc4j.levels.scratch.RankFile;
import io.veloc4j.levels.scratch.RankFileInfo;
import io.veloc4j.levels.scratch.RankFileWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.CRC32C;

import static io.veloc4j.levels.persistent.AggregateTestSupport.rankFile;
import static io.veloc4j.levels.persistent.AggregateTestSupport.source;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Real aggregates of every scheme, mutated a few thousand ways (seeded): bit flips anywhere,
 * truncations, extensions, forged footer fields, forged index bytes with the index CRC
 * recomputed, and forged chunk payloads with the chunk's CRC recomputed, so that the index
 * checks and the codecs' decoders have to judge them. Each mutant is opened and every member
 * extracted and checked as a restart does (the decoded rank file's header CRC is the one the
 * index recorded, its variable CRCs match): it is rejected with a CorruptCheckpointException
 * naming the file, or what it gives back is the original rank file, byte for byte.
 */
class AggregateFuzzTest {

    private static final int CASES_PER_FILE = 900;

    @TempDir
    Path tmp;

    private final ExecutorService pool = Executors.newFixedThreadPool(2);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private static List<RankFileWriter.Entry> entries(int rank) {
        double[] field = new double[40 * 60];
        for (int i = 0; i < field.length; i++) {
            field[i] = Math.sin(i * 0.01 + rank) * 100 + (i % 60);
        }
        int[] ids = new int[3000];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i / 3 + rank;
        }
        float[] f = new float[500];
        for (int i = 0; i < f.length; i++) {
            f[i] = rank + i * 0.25f;
        }
        byte[] raw = new byte[333];
        new Random(rank).nextBytes(raw);
        return List.of(new RankFileWriter.Entry(0, "field", new long[] {40, 60}, Region.of(field)),
                new RankFileWriter.Entry(1, "ids", new long[] {3000}, Region.of(ids)),
                new RankFileWriter.Entry(2, "f", new long[] {500}, Region.of(f)),
                new RankFileWriter.Entry(3, "raw", new long[] {333}, Region.of(raw)),
                new RankFileWriter.Entry(4, "empty", new long[] {0}, Region.of(new double[0])));
    }

    /** Opens the aggregate and extracts every member as a restart would; the extracted files, by rank. */
    private static Map<Integer, byte[]> restore(Path aggregate, Path outDir) throws Exception {
        Map<Integer, byte[]> out = new HashMap<>();
        try (AggregateFile a = AggregateFile.open(aggregate)) {
            for (Member m : a.members()) {
                Path file = outDir.resolve("rank-" + m.rank() + ".out");
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
                    a.extract(m.rank(), ch);
                }
                try (RankFile r = RankFile.open(file)) {
                    if (r.headerCrc() != m.rankFileCrc() || r.rank() != m.rank()) {
                        throw new CorruptCheckpointException(aggregate + ": rank " + m.rank() + " decodes to another file");
                    }
                    r.verify();
                }
                out.put(m.rank(), Files.readAllBytes(file));
            }
        }
        return out;
    }

    /**
     * The same rank file as far as anyone reads it: length, header and every variable's bytes.
     * The alignment padding between variables is covered by no CRC and never read: a forged
     * index can fill it from elsewhere, which harms no one.
     */
    private static void assertSameContent(byte[] original, byte[] restored, String what) {
        assertEquals(original.length, restored.length, what + ": length");
        ByteBuffer h = ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = h.getInt(8);
        boolean[] read = new boolean[original.length];
        java.util.Arrays.fill(read, 0, headerLength, true);
        int at = 38 + Short.toUnsignedInt(h.getShort(36));
        int count = h.getInt(at);
        at += 4;
        for (int i = 0; i < count; i++) {
            at += 6 + Short.toUnsignedInt(h.getShort(at + 4));
            int dims = original[at + 1];
            at += 2 + 8 * dims;
            long offset = h.getLong(at);
            long length = h.getLong(at + 8);
            java.util.Arrays.fill(read, (int) offset, (int) (offset + length), true);
            at += 20;
        }
        for (int i = 0; i < original.length; i++) {
            if (read[i] && original[i] != restored[i]) {
                fail(what + ": restored other bytes at " + i);
            }
        }
    }

    /** The index with one chunk's CRC replaced, encoded: the same length, as the CRC is a fixed 4 bytes. */
    private static ByteBuffer withChunkCrc(AggregateIndex x, int segment, int chunk, int crc) {
        List<Segment> segments = new ArrayList<>(x.segments());
        Segment s = segments.get(segment);
        List<Chunk> chunks = new ArrayList<>(s.chunks());
        Chunk c = chunks.get(chunk);
        chunks.set(chunk, new Chunk(c.rawOffset(), c.rawLength(), c.storedOffset(), c.storedLength(), crc));
        segments.set(segment, new Segment(s.key(), s.type(), s.rowLength(), s.codec(), s.length(), chunks));
        return new AggregateIndex(x.scheme(), segments, x.members(), x.extents()).encode();
    }

    /**
     * The index with one length or offset forged as a forger who knows the format would: the
     * fields that must agree with it (a segment's raw length, the chunks' running raw offsets)
     * changed along, so that only the file's real size and the format's limits can tell.
     */
    private static AggregateIndex forgeStructure(AggregateIndex x, Random r, String[] said) {
        List<Segment> segments = new ArrayList<>(x.segments());
        List<Member> members = new ArrayList<>(x.members());
        List<List<Extent>> extents = new ArrayList<>();
        x.extents().forEach(e -> extents.add(new ArrayList<>(e)));
        int si = r.nextInt(segments.size());
        Segment s = segments.get(si);
        List<Chunk> chunks = new ArrayList<>(s.chunks());
        int ci = r.nextInt(chunks.size());
        Chunk c = chunks.get(ci);
        long[] huge = {Integer.MAX_VALUE, AggregateFormat.CHUNK + 1L, 1 << 30, 0, (long) c.rawLength() * 2};
        int mi = r.nextInt(members.size());
        switch (r.nextInt(6)) {
            case 0 -> { // a chunk's raw length, its segment's length along
                int raw = (int) huge[r.nextInt(huge.length)];
                chunks.set(ci, new Chunk(c.rawOffset(), raw, c.storedOffset(), c.storedLength(), c.crc()));
                said[0] = "raw length " + raw + " of chunk " + si + "/" + ci;
            }
            case 1 -> { // a chunk's stored length
                int stored = (int) huge[r.nextInt(huge.length)];
                chunks.set(ci, new Chunk(c.rawOffset(), c.rawLength(), c.storedOffset(), stored, c.crc()));
                said[0] = "stored length " + stored + " of chunk " + si + "/" + ci;
            }
            case 2 -> { // a chunk pointed at another's stored bytes
                Chunk other = chunks.get(r.nextInt(chunks.size()));
                chunks.set(ci, new Chunk(c.rawOffset(), c.rawLength(), other.storedOffset(), c.storedLength(), c.crc()));
                said[0] = "stored offset of chunk " + si + "/" + ci;
            }
            case 3 -> { // a member's extent cut into 1-byte blocks
                List<Extent> ex = extents.get(mi);
                int ei = r.nextInt(ex.size());
                Extent e = ex.get(ei);
                if (e.length() > 1) {
                    ex.set(ei, new Extent(e.fileOffset(), e.length(), e.segment(), e.segOffset(), 1, 1));
                }
                said[0] = "1-byte blocks in extent " + ei + " of member " + mi;
            }
            case 4 -> { // a member that claims a huge rank file, one more extent covering it
                Member m = members.get(mi);
                long more = huge[r.nextInt(3)];
                members.set(mi, new Member(m.rank(), m.rawOffset(), m.rawLength() + more, m.rankFileCrc()));
                extents.get(mi).add(Extent.contiguous(m.rawLength(), more, si, 0));
                said[0] = "length of member " + mi + " plus " + more;
            }
            default -> { // a member's rank changed to another member's
                Member m = members.get(mi);
                Member o = members.get(r.nextInt(members.size()));
                members.set(mi, new Member(o.rank(), m.rawOffset(), m.rawLength(), m.rankFileCrc()));
                said[0] = "rank of member " + mi + " set to " + o.rank();
            }
        }
        // the running raw offsets and the segment's length follow the forged chunk
        List<Chunk> running = new ArrayList<>();
        long raw = 0;
        for (Chunk ch : chunks) {
            running.add(new Chunk(raw, ch.rawLength(), ch.storedOffset(), ch.storedLength(), ch.crc()));
            raw += ch.rawLength();
        }
        segments.set(si, new Segment(s.key(), s.type(), s.rowLength(), s.codec(), raw, running));
        return new AggregateIndex(x.scheme(), segments, members, extents);
    }

    /** The file's chunks, then {@code index} and a footer that agrees with it (CRC, raw total). */
    private static byte[] rebuilt(byte[] file, long indexOffset, AggregateIndex index) {
        long rawTotal = index.members().stream().mapToLong(Member::rawLength).sum();
        ByteBuffer idx = index.encode();
        int n = idx.remaining();
        byte[] out = java.util.Arrays.copyOf(file, (int) indexOffset + n + AggregateFormat.FOOTER);
        idx.get(out, (int) indexOffset, n);
        CRC32C crc = new CRC32C();
        crc.update(out, (int) indexOffset, n);
        ByteBuffer.wrap(out, (int) indexOffset + n, AggregateFormat.FOOTER).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(indexOffset).putInt(n).putInt((int) crc.getValue()).putLong(rawTotal)
                .putInt(AggregateFormat.FOOTER_MAGIC).putInt(0);
        return out;
    }

    private static void fixIndexCrc(byte[] m, long indexOffset, int indexLength) {
        CRC32C crc = new CRC32C();
        crc.update(m, (int) indexOffset, indexLength);
        ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putInt(m.length - AggregateFormat.FOOTER + 12, (int) crc.getValue());
    }

    @Test
    void mutantsAreRejectedCleanlyOrRestoreExactly() throws Exception {
        Path scratch = Files.createDirectories(tmp.resolve("scratch"));
        Map<Integer, byte[]> originals = new HashMap<>();
        List<AggregateWriter.Source> sources = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            RankFileInfo info = rankFile(scratch, r, 3, entries(r));
            originals.put(r, Files.readAllBytes(info.path()));
            sources.add(source(info, r));
        }
        List<Encoding> encodings = List.of(Encoding.of(Scheme.AGNOSTIC, 1),
                new Encoding(Scheme.AGNOSTIC_BLOCK, null, 1024, 1),
                new Encoding(Scheme.AWARE, null, Encoding.DEFAULT_BLOCK_SIZE, 1),
                new Encoding(Scheme.AWARE_BLOCK, CodecKind.LORENZO, 512, 1));
        AggregateWriter writer = new AggregateWriter(pool, 2, 1);
        Path dir = Files.createDirectories(tmp.resolve("m"));
        Path mutant = dir.resolve("group-0.vagg");
        int[] tried = new int[6];
        int[] accepted = new int[6];
        long start = System.nanoTime();
        for (Encoding enc : encodings) {
            Path versionDir = tmp.resolve(enc.scheme().label() + "-" + enc.codecLabel());
            AggregateInfo info = writer.write(versionDir, enc, 0, sources);
            byte[] bytes = Files.readAllBytes(versionDir.resolve(info.file()));
            Map<Integer, byte[]> unmutated = restore(versionDir.resolve(info.file()), dir);
            assertEquals(originals.keySet(), unmutated.keySet());
            originals.forEach((rank, b) -> assertArrayEquals(b, unmutated.get(rank), "the unmutated file restores rank " + rank));
            ByteBuffer footer = ByteBuffer.wrap(bytes, bytes.length - AggregateFormat.FOOTER, AggregateFormat.FOOTER)
                    .order(ByteOrder.LITTLE_ENDIAN);
            long indexOffset = footer.getLong();
            int indexLength = footer.getInt();
            AggregateIndex index = AggregateIndex.decode(ByteBuffer.wrap(bytes, (int) indexOffset, indexLength).slice());
            List<int[]> chunks = new ArrayList<>();
            for (int s = 0; s < index.segments().size(); s++) {
                for (int c = 0; c < index.segments().get(s).chunks().size(); c++) {
                    chunks.add(new int[] {s, c});
                }
            }
            assertTrue(chunks.size() >= 3, enc + ": several chunks to damage (" + chunks.size() + ")");
            assertTimeoutPreemptively(Duration.ofMinutes(2), () -> {
                Random r = new Random(enc.scheme().code() * 1000L + 7);
                for (int c = 0; c < CASES_PER_FILE; c++) {
                    int kind = r.nextInt(20);
                    byte[] m;
                    String what;
                    int k;
                    if (kind < 5) {
                        k = 0;
                        m = Fuzz.flip(bytes, 0, bytes.length, r);
                        what = "flip";
                    } else if (kind < 8) {
                        k = 1;
                        m = r.nextBoolean() ? Fuzz.truncate(bytes, r) : Fuzz.extend(bytes, r);
                        what = "length " + m.length;
                    } else if (kind < 10) {
                        k = 2;
                        int[][] fields = {{-32, 8}, {-24, 4}, {-16, 8}};
                        int[] f = fields[r.nextInt(fields.length)];
                        m = Fuzz.forge(bytes, bytes.length + f[0], f[1], r);
                        what = "forge footer at " + f[0];
                    } else if (kind < 15) {
                        k = 3;
                        int at = (int) indexOffset + r.nextInt(indexLength);
                        m = r.nextBoolean() ? Fuzz.flip(bytes, at, at + 1, r) : Fuzz.forgeVarint(bytes, at, r);
                        fixIndexCrc(m, indexOffset, indexLength);
                        what = "forge index at " + (at - indexOffset);
                    } else if (kind < 17) {
                        k = 5;
                        String[] said = new String[1];
                        m = rebuilt(bytes, indexOffset, forgeStructure(index, r, said));
                        what = "forge " + said[0];
                    } else {
                        k = 4;
                        int[] sc = chunks.get(r.nextInt(chunks.size()));
                        Chunk ch = index.segments().get(sc[0]).chunks().get(sc[1]);
                        m = Fuzz.flip(bytes, (int) ch.storedOffset(), (int) (ch.storedOffset() + ch.storedLength()), r);
                        CRC32C crc = new CRC32C();
                        crc.update(m, (int) ch.storedOffset(), ch.storedLength());
                        ByteBuffer idx = withChunkCrc(index, sc[0], sc[1], (int) crc.getValue());
                        assertEquals(indexLength, idx.remaining());
                        idx.get(m, (int) indexOffset, indexLength);
                        fixIndexCrc(m, indexOffset, indexLength);
                        what = "forge chunk " + sc[0] + "/" + sc[1] + " (" + index.segments().get(sc[0]).codec() + ")";
                    }
                    String label = enc.scheme().label() + "/" + enc.codecLabel() + " case " + c + " (" + what + ")";
                    Files.write(mutant, m);
                    Map<Integer, byte[]>[] got = new Map[1];
                    tried[k]++;
                    if (Fuzz.accepted(label, dir, (64L << 20) + 16L * m.length, () -> got[0] = restore(mutant, dir))) {
                        accepted[k]++;
                        assertTrue(k != 1, label + ": a file of another length was accepted");
                        for (Map.Entry<Integer, byte[]> e : got[0].entrySet()) {
                            byte[] original = originals.get(e.getKey());
                            assertNotNull(original, label + ": restored a rank that was never written: " + e.getKey());
                            assertSameContent(original, e.getValue(), label + ": rank " + e.getKey());
                        }
                    }
                }
            });
        }
        System.out.printf("aggregate fuzz: %d cases (4 schemes) in %d ms; accepted flips %d/%d, length changes %d/%d,"
                        + " forged footers %d/%d, forged index bytes %d/%d, forged chunks %d/%d, forged lengths and offsets %d/%d%n",
                CASES_PER_FILE * encodings.size(), (System.nanoTime() - start) / 1_000_000, accepted[0], tried[0],
                accepted[1], tried[1], accepted[2], tried[2], accepted[3], tried[3], accepted[4], tried[4], accepted[5], tried[5]);
    }
}
