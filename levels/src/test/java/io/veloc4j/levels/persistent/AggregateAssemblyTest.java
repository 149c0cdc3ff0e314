package io.veloc4j.levels.persistent;

import io.veloc4j.levels.CorruptCheckpointException;
import io.veloc4j.levels.scratch.RankFileInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static io.veloc4j.levels.persistent.AggregateTestSupport.extract;
import static io.veloc4j.levels.persistent.AggregateTestSupport.rankFile;
import static io.veloc4j.levels.persistent.AggregateTestSupport.smooth;
import static io.veloc4j.levels.persistent.AggregateTestSupport.source;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A group whose ranks live on three nodes: the writer encodes its own ranks into the file, the
 * other two nodes encode theirs into spools, and their parts (index + chunk bytes, streamed in
 * pieces as over the network) are appended; every rank restores bit-exact from the one file.
 */
class AggregateAssemblyTest {

    @TempDir
    Path tmp;

    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    private final AggregateWriter writer = new AggregateWriter(pool, 2, 1);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    /** The bytes of a spool, 100 KiB at a time, as messages would bring them. */
    private static AggregateAssembly.PartBytes pieces(Path spool) throws Exception {
        byte[] all = Files.readAllBytes(spool);
        int[] at = {0};
        return () -> {
            if (at[0] >= all.length) {
                return null;
            }
            int n = Math.min(100 << 10, all.length - at[0]);
            ByteBuffer b = ByteBuffer.wrap(all, at[0], n).slice();
            at[0] += n;
            return b;
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"agnostic", "agnostic-block", "aware", "aware-block"})
    void partsFromThreeNodesMakeOneFileEveryRankRestoresFrom(String label) throws Exception {
        Scheme scheme = Scheme.ofLabel(label);
        Encoding enc = Encoding.of(scheme, 1);
        Path scratch = Files.createDirectories(tmp.resolve("scratch"));
        List<RankFileInfo> files = new ArrayList<>();
        for (int r = 0; r < 6; r++) {
            files.add(rankFile(scratch, r, 6, smooth(20_000 + 3000 * r, r)));
        }
        // node A (the writer) holds ranks 2, 3; node B ranks 0, 1; node C ranks 4, 5
        AggregatePart b = writer.encodePart(tmp.resolve("spool-b/part"), enc, 0,
                List.of(source(files.get(0), 0), source(files.get(1), 1)));
        AggregatePart c = writer.encodePart(tmp.resolve("spool-c/part"), enc, 0,
                List.of(source(files.get(4), 4), source(files.get(5), 5)));
        assertEquals(Files.size(tmp.resolve("spool-b/part")), b.chunkBytes());
        Path dir = tmp.resolve("p/heat/7");
        AggregateInfo info;
        try (AggregateAssembly a = writer.assemble(dir, "group-0.abc.vagg", enc, 0, 7, 1 << 20)) {
            a.addLocal(List.of(source(files.get(2), 2), source(files.get(3), 3)));
            a.addPart(b, "node B", pieces(tmp.resolve("spool-b/part")));
            a.addPart(c, "node C", pieces(tmp.resolve("spool-c/part")));
            info = a.finish();
        }
        Path agg = dir.resolve("group-0.abc.vagg");
        assertEquals(List.of("group-0.abc.vagg"), names(dir), "one file, no temp left");
        assertEquals(Files.size(agg), info.storedBytes());
        assertEquals(List.of(2, 3, 0, 1, 4, 5), info.members().stream().map(Member::rank).toList(), "members in part order");
        long raw = files.stream().mapToLong(RankFileInfo::bytes).sum();
        assertEquals(raw, info.rawBytes());
        try (AggregateFile f = AggregateFile.open(agg)) {
            assertEquals(info.crc(), f.indexCrc());
            assertEquals(raw, f.scrub(), "every chunk decodes, both checksums");
        }
        for (int r = 0; r < 6; r++) {
            Path out = tmp.resolve("restored-" + r);
            extract(agg, r, out);
            assertArrayEquals(Files.readAllBytes(files.get(r).path()), Files.readAllBytes(out), "rank " + r);
        }
    }

    @Test
    void aPartShorterOrLongerThanItsIndexSaysOrWithADamagedIndexIsRefusedAndLeavesNoFile() throws Exception {
        Encoding enc = Encoding.of(Scheme.AWARE, 1);
        Path scratch = Files.createDirectories(tmp.resolve("scratch"));
        RankFileInfo f0 = rankFile(scratch, 0, 2, smooth(30_000, 0));
        RankFileInfo f1 = rankFile(scratch, 1, 2, smooth(30_000, 1));
        Path spool = tmp.resolve("spool/part");
        AggregatePart part = writer.encodePart(spool, enc, 0, List.of(source(f1, 1)));
        byte[] bytes = Files.readAllBytes(spool);
        Path dir = tmp.resolve("p/x/1");
        byte[] shorter = Arrays.copyOf(bytes, bytes.length - 1);
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        byte[] badIndex = part.index();
        badIndex[badIndex.length / 2] ^= 1;
        List<Object[]> cases = List.of(new Object[] {part, shorter, "ended after"}, new Object[] {part, longer, "more than"},
                new Object[] {new AggregatePart(badIndex, part.indexCrc(), part.chunkBytes(), part.rawBytes()), bytes, "checksum"});
        for (Object[] k : cases) {
            byte[] data = (byte[]) k[1];
            boolean[] sent = {false};
            try (AggregateAssembly a = writer.assemble(dir, "group-0.1.vagg", enc, 0, 1, 1 << 20)) {
                a.addLocal(List.of(source(f0, 0)));
                CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class,
                        () -> a.addPart((AggregatePart) k[0], "node 1", () -> {
                            if (sent[0]) {
                                return null;
                            }
                            sent[0] = true;
                            return ByteBuffer.wrap(data);
                        }));
                assertTrue(e.getMessage().contains((String) k[2]) && e.getMessage().contains("node 1"), e.getMessage());
            }
            assertEquals(List.of(), names(dir), "nothing left of the failed assembly");
        }
    }

    @Test
    void aCommittedVersionIsNeverAssembledInto() throws Exception {
        Encoding enc = Encoding.of(Scheme.AGNOSTIC, 1);
        Path dir = Files.createDirectories(tmp.resolve("p/c/3"));
        Files.writeString(dir.resolve(Manifest.FILE), "committed by an earlier launch");
        assertThrows(AlreadyCommittedException.class, () -> writer.assemble(dir, "group-0.2.vagg", enc, 0, 3, 1 << 20));
        assertFalse(Files.exists(dir.resolve("group-0.2.vagg")));
    }

    private static List<String> names(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
