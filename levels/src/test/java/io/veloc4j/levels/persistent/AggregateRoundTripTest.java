package io.veloc4j.levels.persistent;

import io.veloc4j.levels.CorruptCheckpointException;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.scratch.RankFile;
import io.veloc4j.levels.scratch.RankFileInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

import static io.veloc4j.levels.persistent.AggregateTestSupport.emptyVariables;
import static io.veloc4j.levels.persistent.AggregateTestSupport.extract;
import static io.veloc4j.levels.persistent.AggregateTestSupport.flipByte;
import static io.veloc4j.levels.persistent.AggregateTestSupport.randomBytes;
import static io.veloc4j.levels.persistent.AggregateTestSupport.rankFile;
import static io.veloc4j.levels.persistent.AggregateTestSupport.smooth;
import static io.veloc4j.levels.persistent.AggregateTestSupport.source;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** AggregateWriter → AggregateFile: what goes into a group file comes back out, per member, bit-exact. */
class AggregateRoundTripTest {

    private static final int MIB = 1 << 20;

    @TempDir
    Path tmp;

    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    private final AggregateWriter writer = new AggregateWriter(pool, 2, 1);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    /** A group of varied members: larger than a chunk, tiny, empty variables, no variables at all. */
    private List<RankFileInfo> variedGroup(Path scratch) throws Exception {
        Files.createDirectories(scratch);
        List<RankFileInfo> files = new ArrayList<>();
        files.add(rankFile(scratch, 0, 5, randomBytes(5 * MIB + 123, 0)));      // 2 chunks, incompressible
        files.add(rankFile(scratch, 1, 5, emptyVariables()));                   // header only, 0-length variables
        files.add(rankFile(scratch, 2, 5, List.of()));                          // no variables at all
        files.add(rankFile(scratch, 3, 5, smooth(1_200_000, 3)));               // ~9 MiB, compressible, 3+ chunks
        files.add(rankFile(scratch, 4, 5, smooth(10, 4)));                      // tiny
        return files;
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void agnosticRoundTripsEveryMemberBitExact() throws Exception {
        List<RankFileInfo> files = variedGroup(tmp.resolve("scratch"));
        List<AggregateWriter.Source> sources = new ArrayList<>();
        for (int r = 0; r < files.size(); r++) {
            sources.add(source(files.get(r), r));
        }
        Path dir = tmp.resolve("p/agg/3");
        AggregateInfo info = writer.write(dir, Scheme.AGNOSTIC, 7, sources);

        Path agg = dir.resolve("group-7.vagg");
        assertEquals(List.of("group-7.vagg"), names(dir), "one file per group, no temp left");
        assertEquals("group-7.vagg", info.file());
        assertEquals(7, info.group());
        assertEquals(Files.size(agg), info.storedBytes());
        long raw = 0;
        for (RankFileInfo f : files) {
            raw += Files.size(f.path());
        }
        assertEquals(raw, info.rawBytes());
        assertTrue(info.storedBytes() < info.rawBytes(), "the smooth member compresses");
        assertTrue(AggregateTestSupport.index(agg).chunks().size() >= 4, "several 4 MiB chunks");

        try (AggregateFile a = AggregateFile.open(agg)) {
            assertEquals(Scheme.AGNOSTIC, a.scheme());
            assertEquals(info.crc(), a.indexCrc());
            assertEquals(info.members(), a.members());
            assertEquals(List.of(0, 1, 2, 3, 4), a.members().stream().map(Member::rank).toList());
            assertTrue(a.member(99).isEmpty());
            LevelException none = assertThrows(LevelException.class, () -> a.verify(99));
            assertTrue(none.getMessage().contains("99"), none.getMessage());
        }
        for (int r = 0; r < files.size(); r++) {
            Path out = tmp.resolve("out-" + r + ".vck");
            extract(agg, r, out);
            assertArrayEquals(Files.readAllBytes(files.get(r).path()), Files.readAllBytes(out), "rank " + r);
            try (RankFile back = RankFile.open(out)) {
                back.verify();
                assertEquals(r, back.rank());
                assertEquals(files.get(r).crc(), back.headerCrc());
            }
            try (AggregateFile a = AggregateFile.open(agg)) {
                a.verify(r);
                assertEquals(files.get(r).crc(), a.member(r).orElseThrow().rankFileCrc());
            }
        }
    }

    @Test
    void noneCopiesEachRankFileVerbatim() throws Exception {
        List<RankFileInfo> files = variedGroup(tmp.resolve("scratch"));
        Path dir = tmp.resolve("p/agg/3");
        for (int r = 0; r < files.size(); r++) {
            AggregateInfo info = writer.write(dir, Scheme.NONE, r, List.of(source(files.get(r), r)));
            assertEquals("rank-" + r + ".vck", info.file());
            long size = Files.size(files.get(r).path());
            assertEquals(size, info.rawBytes());
            assertEquals(size, info.storedBytes());
            assertEquals(files.get(r).crc(), info.crc());
            assertEquals(List.of(new Member(r, 0, size, files.get(r).crc())), info.members());
        }
        assertEquals(List.of("rank-0.vck", "rank-1.vck", "rank-2.vck", "rank-3.vck", "rank-4.vck"), names(dir));
        for (int r = 0; r < files.size(); r++) {
            assertArrayEquals(Files.readAllBytes(files.get(r).path()), Files.readAllBytes(dir.resolve("rank-" + r + ".vck")),
                    "rank " + r);
            try (RankFile f = RankFile.open(dir.resolve("rank-" + r + ".vck"))) {
                f.verify();
            }
        }
    }

    @Test
    void oneMembersExtractReadsOnlyItsChunks() throws Exception {
        Path scratch = tmp.resolve("scratch");
        Files.createDirectories(scratch);
        List<AggregateWriter.Source> sources = new ArrayList<>();
        List<RankFileInfo> files = new ArrayList<>();
        for (int r = 0; r < 8; r++) {
            RankFileInfo f = rankFile(scratch, r, 8, randomBytes(4 * MIB - 4096, 100 + r));
            files.add(f);
            sources.add(source(f, r));
        }
        Path dir = tmp.resolve("p/agg/3");
        writer.write(dir, Scheme.AGNOSTIC, 0, sources);
        Path agg = dir.resolve("group-0.vagg");
        long size = Files.size(agg);
        assertTrue(size > 30L * MIB, "incompressible: " + size);

        for (int r : new int[] {0, 5, 7}) {
            Path out = tmp.resolve("out-" + r);
            long read = extract(agg, r, out);
            assertArrayEquals(Files.readAllBytes(files.get(r).path()), Files.readAllBytes(out), "rank " + r);
            assertTrue(read >= Files.size(files.get(r).path()), "at least its own bytes: " + read);
            // its slice spans at most 2 chunks of the 8: a quarter of the file, plus the index
            assertTrue(read < size / 3, "rank " + r + " read " + read + " of " + size + " bytes");
        }
    }

    @Test
    void flippedByteInAChunkFailsOnlyTheMembersInThatChunk() throws Exception {
        Path scratch = tmp.resolve("scratch");
        Files.createDirectories(scratch);
        List<AggregateWriter.Source> sources = new ArrayList<>();
        List<RankFileInfo> files = new ArrayList<>();
        // 6 KiB each: chunks end at a member boundary once they hold 16 KiB, so ranks 0-2 and 3-5 share one each
        for (int r = 0; r < 6; r++) {
            RankFileInfo f = rankFile(scratch, r, 6, randomBytes(6 << 10, 200 + r));
            files.add(f);
            sources.add(source(f, r));
        }
        Path dir = tmp.resolve("p/agg/3");
        writer.write(dir, Scheme.AGNOSTIC, 0, sources);
        Path agg = dir.resolve("group-0.vagg");
        AggregateTestSupport.Index index = AggregateTestSupport.index(agg);
        assertEquals(2, index.chunks().size());
        AggregateTestSupport.IndexChunk first = index.chunks().get(0);
        flipByte(agg, first.storedOffset() + first.storedLength() / 2);
        try (AggregateFile a = AggregateFile.open(agg)) {
            LevelException s = assertThrows(LevelException.class, a::scrub);
            assertInstanceOf(CorruptCheckpointException.class, s, s.getMessage());
            assertTrue(s.getMessage().contains(agg.toString()), s.getMessage());
        }

        int damaged = 0;
        int intact = 0;
        for (int r = 0; r < 6; r++) {
            boolean hit = index.chunksOf(r).contains(first);
            final int rank = r;
            Path out = tmp.resolve("out-" + r);
            if (hit) {
                damaged++;
                try (AggregateFile a = AggregateFile.open(agg)) {
                    LevelException v = assertThrows(LevelException.class, () -> a.verify(rank));
                    assertInstanceOf(CorruptCheckpointException.class, v, v.getMessage());
                    assertTrue(v.getMessage().contains(agg.toString()), v.getMessage());
                }
                LevelException e = assertThrows(LevelException.class, () -> extract(agg, rank, out));
                assertInstanceOf(CorruptCheckpointException.class, e, e.getMessage());
            } else {
                intact++;
                try (AggregateFile a = AggregateFile.open(agg)) {
                    a.verify(rank);
                }
                extract(agg, rank, out);
                assertArrayEquals(Files.readAllBytes(files.get(r).path()), Files.readAllBytes(out), "rank " + r);
            }
        }
        assertEquals(3, damaged, "ranks in the damaged chunk");
        assertEquals(3, intact, "ranks in the other chunk");
    }

    @Test
    void flippedByteInTheIndexIsDetectedAtOpen() throws Exception {
        Path scratch = tmp.resolve("scratch");
        Files.createDirectories(scratch);
        RankFileInfo f = rankFile(scratch, 0, 1, smooth(1000, 0));
        Path dir = tmp.resolve("p/agg/3");
        writer.write(dir, Scheme.AGNOSTIC, 0, List.of(source(f, 0)));
        Path agg = dir.resolve("group-0.vagg");
        flipByte(agg, Files.size(agg) - 32 - 10); // inside the index, just before the footer
        LevelException e = assertThrows(LevelException.class, () -> AggregateFile.open(agg));
        assertInstanceOf(CorruptCheckpointException.class, e, e.getMessage());
    }

    @Test
    void aReplacedOrCorruptRankFileIsNeverPersisted() throws Exception {
        Path scratch = tmp.resolve("scratch");
        Files.createDirectories(scratch);
        RankFileInfo f = rankFile(scratch, 0, 1, smooth(1000, 0));
        Path dir = tmp.resolve("p/agg/3");
        AggregateWriter.Source stale = new AggregateWriter.Source(0, f.path(), f.crc() ^ 1);
        assertThrows(SupersededException.class, () -> writer.write(dir, Scheme.AGNOSTIC, 0, List.of(stale)));

        long headerLength = java.nio.ByteBuffer.wrap(Files.readAllBytes(f.path()), 8, 4)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
        flipByte(f.path(), headerLength + 100);
        for (Scheme s : Scheme.values()) {
            LevelException e = assertThrows(LevelException.class, () -> writer.write(dir, s, 0, List.of(source(f, 0))));
            assertInstanceOf(CorruptCheckpointException.class, e, e.getMessage());
        }
        assertFalse(Files.exists(dir) && !names(dir).isEmpty(), "nothing left on persistent storage");
    }
}
