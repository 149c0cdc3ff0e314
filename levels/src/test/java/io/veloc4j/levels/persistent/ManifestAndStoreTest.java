package io.veloc4j.levels.persistent;

import io.veloc4j.levels.CorruptCheckpointException;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.scratch.RankFileInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.veloc4j.levels.persistent.AggregateTestSupport.rankFile;
import static io.veloc4j.levels.persistent.AggregateTestSupport.smooth;
import static io.veloc4j.levels.persistent.AggregateTestSupport.source;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MANIFEST format and the commit / prune rules of the persistent store. */
class ManifestAndStoreTest {

    @TempDir
    Path tmp;

    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    private final AggregateWriter writer = new AggregateWriter(pool, 2, 1);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private static Manifest sample(String name, int version) {
        // CRCs with the top bit set: they must survive the unsigned hex text form
        AggregateInfo g0 = new AggregateInfo(0, "group-0.vagg", 3000, 1200, 0x9abcdef0,
                List.of(new Member(0, 0, 1000, 0x80000001), new Member(1, 1000, 2000, 0x12345678)), "lorenzo:2,zstd:1");
        AggregateInfo g1 = new AggregateInfo(1, "group-1.vagg", 5L << 32, 777, -1,
                List.of(new Member(2, 0, 5L << 32, 0)), "copy");
        return new Manifest(name, version, 3, Scheme.AGNOSTIC, List.of(g0, g1));
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void manifestRoundTrips() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("heat/40"));
        Manifest m = sample("heat", 40);
        m.writeTo(dir);
        assertEquals(List.of("MANIFEST"), names(dir), "written atomically: no temp file left");
        Manifest back = Manifest.read(dir);
        assertEquals(m, back);
        assertEquals(3000 + (5L << 32), back.rawBytes());
        assertEquals(1200 + 777, back.storedBytes());
        assertEquals("group-1.vagg", back.fileOf(2).orElseThrow().file());
        assertEquals("group-0.vagg", back.fileOf(1).orElseThrow().file());
        assertTrue(back.fileOf(3).isEmpty());

        Manifest none = new Manifest("x", 0, 1, Scheme.NONE,
                List.of(new AggregateInfo(0, "rank-0.vck", 64, 64, 5, List.of(new Member(0, 0, 64, 5)), "copy")));
        Path d2 = Files.createDirectories(tmp.resolve("x/0"));
        none.writeTo(d2);
        assertEquals(none, Manifest.read(d2));
    }

    @Test
    void corruptedManifestIsDetected() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("heat/40"));
        sample("heat", 40).writeTo(dir);
        Path file = dir.resolve(Manifest.FILE);
        String good = Files.readString(file);

        // one digit of a member's offset changed: still well-formed text, wrong checksum
        String bad = good.replace("1:1000:2000:", "1:1001:2000:");
        assertFalse(bad.equals(good));
        Files.writeString(file, bad);
        LevelException e = assertThrows(LevelException.class, () -> Manifest.read(dir));
        assertInstanceOf(CorruptCheckpointException.class, e, e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());

        // truncated (the crc line lost)
        Files.writeString(file, good.substring(0, good.lastIndexOf("crc ")));
        assertInstanceOf(CorruptCheckpointException.class, assertThrows(LevelException.class, () -> Manifest.read(dir)));

        // garbage
        Files.write(file, new byte[] {0, 1, 2, 3});
        assertInstanceOf(CorruptCheckpointException.class, assertThrows(LevelException.class, () -> Manifest.read(dir)));

        // a single flipped bit anywhere
        byte[] bytes = good.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i += 7) {
            byte[] copy = bytes.clone();
            copy[i] ^= 0x01;
            Files.write(file, copy);
            final int at = i;
            assertThrows(LevelException.class, () -> Manifest.read(dir), "bit flipped at byte " + at);
        }

        // missing: not committed, which is not corruption
        Files.delete(file);
        LevelException missing = assertThrows(LevelException.class, () -> Manifest.read(dir));
        assertFalse(missing instanceof CorruptCheckpointException, missing.getMessage());
    }

    private static final long SESSION = 0x5e55;

    private AggregateInfo write(Path dir, Scheme scheme, int group, long session, List<AggregateWriter.Source> sources)
            throws Exception {
        return writer.write(dir, PersistentStore.fileName(scheme, group, sources.get(0).rank(), session),
                Encoding.of(scheme, 1), group, sources);
    }

    @Test
    void tryCommitWritesTheManifestOnlyWhenEveryFileIsThere() throws Exception {
        Path scratch = Files.createDirectories(tmp.resolve("scratch"));
        PersistentStore store = new PersistentStore(tmp.resolve("p"));
        RankFileInfo[] f = new RankFileInfo[4];
        for (int r = 0; r < 4; r++) {
            f[r] = rankFile(scratch, r, 4, smooth(5000, r));
        }
        Path dir = store.versionDir("agg", 3);
        AggregateInfo g1 = write(dir, Scheme.AGNOSTIC, 1, SESSION, List.of(source(f[2], 2), source(f[3], 3)));
        assertEquals("group-1.5e55.vagg", g1.file());

        assertEquals(Optional.empty(), store.tryCommit("agg", 3, 4, Scheme.AGNOSTIC, 2, SESSION));
        assertFalse(Files.exists(dir.resolve(Manifest.FILE)));
        assertFalse(store.isCommitted("agg", 3));
        assertEquals(List.of(), store.committed("agg"));

        // a leftover temp file of the missing group does not count as that group
        Files.write(dir.resolve("group-0.5e55.vagg.tmp"), new byte[100]);
        assertEquals(Optional.empty(), store.tryCommit("agg", 3, 4, Scheme.AGNOSTIC, 2, SESSION));
        assertFalse(Files.exists(dir.resolve(Manifest.FILE)));
        Files.delete(dir.resolve("group-0.5e55.vagg.tmp"));

        // nor does a dead launch's file of that group
        write(dir, Scheme.AGNOSTIC, 0, 0xdead, List.of(source(f[0], 0), source(f[1], 1)));
        assertEquals(Optional.empty(), store.tryCommit("agg", 3, 4, Scheme.AGNOSTIC, 2, SESSION));
        assertFalse(Files.exists(dir.resolve(Manifest.FILE)));

        AggregateInfo g0 = write(dir, Scheme.AGNOSTIC, 0, SESSION, List.of(source(f[0], 0), source(f[1], 1)));
        Manifest m = store.tryCommit("agg", 3, 4, Scheme.AGNOSTIC, 2, SESSION).orElseThrow();
        assertEquals(new Manifest("agg", 3, 4, Scheme.AGNOSTIC, List.of(g0, g1)), m, "groups in order, as written");
        assertEquals(m, Manifest.read(dir));
        assertTrue(store.isCommitted("agg", 3));
        assertEquals(List.of(3), store.committed("agg"));
        assertEquals(List.of("MANIFEST", "group-0.5e55.vagg", "group-1.5e55.vagg"), names(dir),
                "the dead launch's file is gone once this launch committed");
        byte[] before = Files.readAllBytes(dir.resolve(Manifest.FILE));
        assertEquals(Optional.empty(), store.tryCommit("agg", 3, 4, Scheme.AGNOSTIC, 2, SESSION), "committed once");
        assertArrayEquals(before, Files.readAllBytes(dir.resolve(Manifest.FILE)));
    }

    @Test
    void aCommittedVersionIsNeverWrittenAgain() throws Exception {
        Path scratch = Files.createDirectories(tmp.resolve("scratch"));
        PersistentStore store = new PersistentStore(tmp.resolve("p"));
        RankFileInfo f0 = rankFile(scratch, 0, 1, smooth(3000, 0));
        Path dir = store.versionDir("imm", 7);
        write(dir, Scheme.AGNOSTIC, 0, SESSION, List.of(source(f0, 0)));
        Manifest m = store.tryCommit("imm", 7, 1, Scheme.AGNOSTIC, 1, SESSION).orElseThrow();
        Map<String, byte[]> before = contents(dir);

        // a relaunch's engine replaying the same group: neither its own name nor the committed one is written
        AlreadyCommittedException e = assertThrows(AlreadyCommittedException.class,
                () -> write(dir, Scheme.AGNOSTIC, 0, 0xbeef, List.of(source(f0, 0))));
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        assertThrows(AlreadyCommittedException.class, () -> write(dir, Scheme.AGNOSTIC, 0, SESSION, List.of(source(f0, 0))));
        // and a second MANIFEST never replaces the first
        assertFalse(new Manifest("imm", 7, 1, Scheme.NONE, List.of()).writeTo(dir));
        assertEquals(m, Manifest.read(dir));
        Map<String, byte[]> after = contents(dir);
        assertEquals(before.keySet(), after.keySet(), "no file added, none removed");
        before.forEach((k, v) -> assertArrayEquals(v, after.get(k), k + " unchanged"));
    }

    private static Map<String, byte[]> contents(Path dir) throws Exception {
        Map<String, byte[]> out = new java.util.TreeMap<>();
        for (String n : names(dir)) {
            out.put(n, Files.readAllBytes(dir.resolve(n)));
        }
        return out;
    }

    @Test
    void tryCommitWithSchemeNoneCountsRankFiles() throws Exception {
        Path scratch = Files.createDirectories(tmp.resolve("scratch"));
        PersistentStore store = new PersistentStore(tmp.resolve("p"));
        Path dir = store.versionDir("n", 1);
        for (int r = 0; r < 3; r++) {
            write(dir, Scheme.NONE, r, SESSION, List.of(source(rankFile(scratch, r, 3, smooth(100, r)), r)));
            Optional<Manifest> m = store.tryCommit("n", 1, 3, Scheme.NONE, 3, SESSION);
            assertEquals(r == 2, m.isPresent(), "after rank " + r);
        }
        Manifest m = Manifest.read(dir);
        assertEquals(List.of("rank-0.5e55.vck", "rank-1.5e55.vck", "rank-2.5e55.vck"),
                m.files().stream().map(AggregateInfo::file).toList());
        for (int r = 0; r < 3; r++) {
            assertEquals(Files.size(dir.resolve("rank-" + r + ".5e55.vck")), m.fileOf(r).orElseThrow().storedBytes());
        }
    }

    @Test
    void pruneKeepsTheNewestCommittedAndNeverTouchesUncommitted() throws Exception {
        PersistentStore store = new PersistentStore(tmp.resolve("p"));
        for (int v = 1; v <= 6; v++) {
            Path dir = Files.createDirectories(store.versionDir("heat", v));
            Files.write(dir.resolve("group-0.vagg"), new byte[10]);
            sample("heat", v).writeTo(dir);
        }
        // in flight: an older one (a slow flush) and a newer one (being written)
        for (int v : new int[] {0, 7}) {
            Path dir = Files.createDirectories(store.versionDir("heat", v));
            Files.write(dir.resolve("group-0.vagg"), new byte[10]);
            Files.write(dir.resolve("group-1.vagg.tmp"), new byte[5]);
        }
        // another name is not affected
        Path other = Files.createDirectories(store.versionDir("other", 1));
        sample("other", 1).writeTo(other);

        List<Integer> pruned = store.prune("heat", 2);
        assertEquals(Set.of(1, 2, 3, 4), Set.copyOf(pruned));
        assertEquals(List.of(6, 5), store.committed("heat"));
        try (Stream<Path> s = Files.list(tmp.resolve("p/heat"))) {
            assertEquals(Set.of("0", "5", "6", "7"), s.map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
        }
        for (int v : new int[] {0, 7}) {
            assertEquals(List.of("group-0.vagg", "group-1.vagg.tmp"), names(store.versionDir("heat", v)), "v" + v);
        }
        assertEquals(List.of("MANIFEST", "group-0.vagg"), names(store.versionDir("heat", 5)));
        assertEquals(List.of(1), store.committed("other"));

        assertEquals(List.of(), store.prune("heat", 2), "idempotent");
        assertEquals(List.of(), store.prune("absent", 2));
    }
}
