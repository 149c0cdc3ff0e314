package io.veloc4j.runtime;

import io.veloc4j.VelocException;
import io.veloc4j.comm.LocalComm;
import io.veloc4j.config.VelocConfig;
import io.veloc4j.levels.persistent.AggregateInfo;
import io.veloc4j.levels.persistent.Manifest;
import io.veloc4j.levels.persistent.PersistentStore;
import io.veloc4j.runtime.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.veloc4j.runtime.VelocTest.bits;
import static io.veloc4j.runtime.VelocTest.deleteTree;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The flush engine seen through the public API: scratch → persistent, and restart from persistent. */
class FlushTest {

    private static final Duration HANG_GUARD = Duration.ofSeconds(90);

    @TempDir
    Path tmp;

    private Path cfgFile;

    /** Writes veloc.cfg (scratch per virtual node under tmp/s, persistent tmp/p) and loads it. */
    private VelocConfig config(int virtualNodes, String... extra) throws Exception {
        StringBuilder s = new StringBuilder();
        s.append("scratch = ").append(tmp).append("/s/%n\n");
        s.append("persistent = ").append(tmp).append("/p\n");
        s.append("virtual_nodes = ").append(virtualNodes).append('\n');
        for (int i = 0; i < extra.length; i += 2) {
            s.append(extra[i]).append(" = ").append(extra[i + 1]).append('\n');
        }
        cfgFile = tmp.resolve("veloc.cfg");
        Files.writeString(cfgFile, s);
        return VelocConfig.load(cfgFile, java.util.Map.of());
    }

    private static <T> List<T> job(int n, VelocConfig cfg, VelocTest.RankBody<T> body) {
        return assertTimeoutPreemptively(HANG_GUARD, () -> LocalComm.run(n, c -> {
            try (Veloc v = Veloc.init(cfg, c)) {
                return body.run(v, c);
            }
        }));
    }

    /** Per rank and version, a field larger than one 4 MiB aggregate chunk (with 2+ ranks per group). */
    private static double[] field(int rank, int version, int n) {
        double[] d = new double[n];
        for (int k = 0; k < n; k++) {
            d[k] = version * 1e6 + rank * 1000.0 + (k % 4099) * 0.125 + Math.sin(k) * 1e-3;
        }
        return d;
    }

    /** group-3.5e55.vagg → group-3.vagg: the launch's session is part of every persistent file name. */
    static String withoutSession(String file) {
        return file.replaceFirst("\\.[0-9a-f]+\\.(vagg|vck)$", ".$1");
    }

    /** The one file of group {@code g} in a version directory (whatever launch wrote it). */
    static Path groupFile(Path versionDir, int g) throws Exception {
        List<String> found = names(versionDir).stream().filter(n -> withoutSession(n).equals("group-" + g + ".vagg")).toList();
        assertEquals(1, found.size(), "one file of group " + g + " in " + versionDir + ": " + found);
        return versionDir.resolve(found.get(0));
    }

    static boolean hasGroupFile(Path versionDir, int g) throws Exception {
        return Files.isDirectory(versionDir) && names(versionDir).stream()
                .anyMatch(n -> withoutSession(n).equals("group-" + g + ".vagg"));
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void flipByte(Path file, long offset) throws Exception {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(offset);
            int b = raf.read();
            raf.seek(offset);
            raf.write(b ^ 0x40);
        }
    }

    // ---- restart from persistent -----------------------------------------------------------

    @ParameterizedTest(name = "catalog lost too: {0}")
    @ValueSource(booleans = {false, true})
    void scratchLostAfterFlushRestartsFromPersistentBitExact(boolean loseCatalog) throws Exception {
        VelocConfig cfg = config(2, "scratch_versions", "2");
        int n = 400_000; // 3.2 MiB per rank, 6.4 MiB per group: two chunks
        job(4, cfg, (v, c) -> {
            VelocTest.State s = new VelocTest.State(c.rank(), true);
            s.protect(v);
            double[] big = new double[n];
            v.protect(20, "big", big);
            for (int ver : new int[] {1, 2}) {
                System.arraycopy(field(c.rank(), ver, n), 0, big, 0, n);
                v.checkpoint("pers", ver);
            }
            v.checkpointWait();
            assertEquals(2, v.lastPersisted("pers"));
            return null;
        });
        for (int ver : new int[] {1, 2}) {
            assertTrue(Files.isRegularFile(tmp.resolve("p/pers/" + ver + "/MANIFEST")), "v" + ver);
        }
        assertTrue(Files.isDirectory(tmp.resolve("p/.veloc4j/catalog")), "the catalog's default place");
        deleteTree(tmp.resolve("s"));
        if (loseCatalog) {
            deleteTree(tmp.resolve("p/.veloc4j/catalog"));
        }
        List<Restored> got = job(4, cfg, (v, c) -> {
            VelocTest.State s = new VelocTest.State(c.rank(), false);
            s.protect(v);
            double[] big = new double[n];
            v.protect(20, "big", big);
            assertEquals(2, v.restartTest("pers"));
            assertEquals(1, v.restartTest("pers", 1));
            Restored r1 = v.restart("pers", 1);
            assertArrayEquals(bits(field(c.rank(), 1, n)), bits(big), "v1 of rank " + c.rank());
            Restored r = v.restart("pers", 2);
            assertArrayEquals(bits(field(c.rank(), 2, n)), bits(big), "v2 of rank " + c.rank());
            s.assertSameBits(new VelocTest.State(c.rank(), true));
            assertEquals(new Restored("pers", 1, "persistent"), r1);
            return r;
        });
        assertEquals(Collections.nCopies(4, new Restored("pers", 2, "persistent")), got);
    }

    @Test
    void corruptAggregateChunkFallsBackToScratchThenToThePreviousVersion() throws Exception {
        // groups of 2: node 0's ranks 0, 1 are group 0, node 1's are group 1
        VelocConfig cfg = config(2, "scratch_versions", "2", "group_size", "2");
        int n = 1000; // 8 KB per rank: both ranks of a group share one chunk (chunks end at a rank only past 16 KiB)
        job(4, cfg, (v, c) -> {
            double[] h = new double[n];
            v.protect(0, "h", h);
            for (int ver : new int[] {1, 2}) {
                System.arraycopy(field(c.rank(), ver, n), 0, h, 0, n);
                v.checkpoint("cc", ver);
            }
            v.checkpointWait();
            return null;
        });
        // node 0 = ranks 0, 1 = group 0; its v2 aggregate gets a flipped byte in its (only) chunk
        Path agg = groupFile(tmp.resolve("p/cc/2"), 0);
        assertTrue(Files.isRegularFile(agg));
        byte[] all = Files.readAllBytes(agg);
        long indexOffset = ByteBuffer.wrap(all, all.length - 32, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertTrue(indexOffset > 64, "chunk bytes precede the index");
        flipByte(agg, indexOffset / 2);

        List<Restored> fromScratch = job(4, cfg, (v, c) -> {
            double[] h = new double[n];
            v.protect(0, "h", h);
            assertEquals(2, v.restartTest("cc"));
            Restored r = v.restart("cc", 2);
            assertArrayEquals(bits(field(c.rank(), 2, n)), bits(h));
            return r;
        });
        assertEquals(Collections.nCopies(4, new Restored("cc", 2, "scratch")), fromScratch);

        deleteTree(tmp.resolve("s/0"));
        List<Restored> previous = job(4, cfg, (v, c) -> {
            double[] h = new double[n];
            v.protect(0, "h", h);
            if (c.rank() < 2) {
                VelocException e = assertThrows(VelocException.class, () -> v.restart("cc", 2));
                assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
            }
            assertEquals(1, v.restartTest("cc"), "no rank of group 0 has an intact v2 anywhere");
            Restored r = v.restart("cc", 1);
            assertArrayEquals(bits(field(c.rank(), 1, n)), bits(h));
            return r;
        });
        assertEquals(List.of(new Restored("cc", 1, "persistent"), new Restored("cc", 1, "persistent"),
                new Restored("cc", 1, "scratch"), new Restored("cc", 1, "scratch")), previous);
    }

    // ---- layout ----------------------------------------------------------------------------

    @ParameterizedTest(name = "scheme {0}")
    @ValueSource(strings = {"agnostic", "none"})
    void thirtyTwoRanksOnFourNodesMakeOneFilePerGroup(String scheme) throws Exception {
        VelocConfig cfg = config(4, "group_size", "4", "aggregation_scheme", scheme);
        int ranks = 32;
        job(ranks, cfg, (v, c) -> {
            long[] x = new long[100];
            v.protect(0, "x", x);
            for (int ver : new int[] {1, 2}) {
                Arrays.fill(x, ver * 1000L + c.rank());
                v.checkpoint("many", ver);
            }
            return null;
        });
        Set<String> expected = new TreeSet<>();
        int files = scheme.equals("none") ? ranks : 8;
        for (int i = 0; i < files; i++) {
            expected.add(scheme.equals("none") ? "rank-" + i + ".vck" : "group-" + i + ".vagg");
        }
        expected.add("MANIFEST");
        for (int ver : new int[] {1, 2}) {
            Path dir = tmp.resolve("p/many/" + ver);
            assertEquals(List.copyOf(expected), names(dir).stream().map(FlushTest::withoutSession).toList(), "v" + ver);
            Manifest m = Manifest.read(dir);
            assertEquals(files, m.files().size());
            assertEquals(ranks, m.ranks());
            assertEquals(scheme, m.scheme().label());
            if (!scheme.equals("none")) {
                for (AggregateInfo f : m.files()) {
                    int g = f.group();
                    assertEquals(List.of(4 * g, 4 * g + 1, 4 * g + 2, 4 * g + 3),
                            f.members().stream().map(io.veloc4j.levels.persistent.Member::rank).toList(),
                            "consecutive ranks of one node per group");
                }
            }
        }
        deleteTree(tmp.resolve("s"));
        List<Restored> got = job(ranks, cfg, (v, c) -> {
            long[] x = new long[100];
            v.protect(0, "x", x);
            Restored r = v.restart("many", v.restartTest("many"));
            long[] want = new long[100];
            Arrays.fill(want, 2000L + c.rank());
            assertArrayEquals(want, x);
            return r;
        });
        assertEquals(Collections.nCopies(ranks, new Restored("many", 2, "persistent")), got);
    }

    @ParameterizedTest(name = "scheme {0}")
    @ValueSource(strings = {"aware", "aware-block", "agnostic-block"})
    void dataAwareSchemesRestartFromPersistentBitExactWithDifferentVariableSets(String scheme) throws Exception {
        VelocConfig cfg = config(2, "aggregation_scheme", scheme, "block_size", "64k", "group_size", "2");
        int rows = 300;
        int cols = 128;
        job(4, cfg, (v, c) -> {
            double[] h = field(c.rank(), 1, rows * cols);
            v.protect(0, "h", h, rows, cols);
            int[] ids = new int[1000 + c.rank()];
            Arrays.setAll(ids, i -> i * 7 + c.rank());
            v.protect(1, "ids", ids);
            if (c.rank() % 2 == 1) {
                v.protect(2, "only-odd", new float[] {-0.0f, Float.intBitsToFloat(0x7fc00123), Float.MIN_VALUE});
            }
            v.checkpoint("aw", 1);
            v.checkpointWait();
            return null;
        });
        Manifest m = Manifest.read(tmp.resolve("p/aw/1"));
        assertEquals(scheme, m.scheme().label());
        assertEquals(2, m.files().size());
        deleteTree(tmp.resolve("s"));
        List<Restored> got = job(4, cfg, (v, c) -> {
            double[] h = new double[rows * cols];
            v.protect(0, "h", h, rows, cols);
            int[] ids = new int[1000 + c.rank()];
            v.protect(1, "ids", ids);
            float[] odd = new float[3];
            if (c.rank() % 2 == 1) {
                v.protect(2, "only-odd", odd);
            }
            Restored r = v.restart("aw", v.restartTest("aw"));
            assertArrayEquals(bits(field(c.rank(), 1, rows * cols)), bits(h), "rank " + c.rank());
            int[] want = new int[ids.length];
            Arrays.setAll(want, i -> i * 7 + c.rank());
            assertArrayEquals(want, ids);
            if (c.rank() % 2 == 1) {
                assertArrayEquals(new int[] {0x80000000, 0x7fc00123, 1},
                        new int[] {Float.floatToRawIntBits(odd[0]), Float.floatToRawIntBits(odd[1]), Float.floatToRawIntBits(odd[2])});
            }
            return r;
        });
        assertEquals(Collections.nCopies(4, new Restored("aw", 1, "persistent")), got);
    }

    @Test
    void clusterGroupingKeepsTheFileCountAndPutsTheZeroWritersTogether() throws Exception {
        VelocConfig cfg = config(4, "group_size", "4", "aggregation_scheme", "aware-block", "grouping", "cluster");
        int ranks = 32;
        int n = 1 << 16; // 256 KiB per rank
        job(ranks, cfg, (v, c) -> {
            int[] x = new int[n];
            if (c.rank() % 2 == 0) {
                for (int i = 0; i < n; i += 2) {
                    x[i] = c.rank();
                    x[i + 1] = 1234567;
                }
            }
            v.protect(0, "x", x);
            v.checkpoint("cl", 1);
            v.checkpointWait();
            return null;
        });
        Manifest m = Manifest.read(tmp.resolve("p/cl/1"));
        assertEquals(8, m.files().size(), "as many files as rank-wise grouping");
        for (AggregateInfo f : m.files()) {
            List<Integer> members = f.members().stream().map(io.veloc4j.levels.persistent.Member::rank).toList();
            assertEquals(4, members.size(), members.toString());
            assertEquals(1, members.stream().map(r -> r % 2).distinct().count(), "zero-writers together: " + members);
            assertEquals(1, members.stream().map(r -> r / 8).distinct().count(), "one node per group: " + members);
        }
        deleteTree(tmp.resolve("s"));
        List<Restored> got = job(ranks, cfg, (v, c) -> {
            int[] x = new int[n];
            v.protect(0, "x", x);
            Restored r = v.restart("cl", v.restartTest("cl"));
            for (int i = 0; i < n; i++) {
                int want = c.rank() % 2 == 1 ? 0 : i % 2 == 0 ? c.rank() : 1234567;
                if (x[i] != want) {
                    throw new AssertionError("rank " + c.rank() + " element " + i + ": " + x[i] + " != " + want);
                }
            }
            return r;
        });
        assertEquals(Collections.nCopies(ranks, new Restored("cl", 1, "persistent")), got);
    }

    // ---- failures and policies ----------------------------------------------------------

    @Test
    void unwritablePersistentFailsCheckpointWaitKeepsScratchAndRecovers() throws Exception {
        VelocConfig cfg = config(1);
        // root ignores permission bits: a regular file where the checkpoint's directory must go
        Files.createDirectories(tmp.resolve("p"));
        Path blocker = tmp.resolve("p/blk");
        Files.writeString(blocker, "not a directory");
        job(2, cfg, (v, c) -> {
            int[] x = {c.rank(), 1};
            v.protect(0, "x", x);
            v.checkpoint("blk", 1); // scratch works: the application goes on
            VelocException e = assertThrows(VelocException.class, v::checkpointWait);
            assertTrue(e.getMessage().contains(blocker.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("v1"), e.getMessage());
            assertTrue(Files.isRegularFile(tmp.resolve("s/0/blk/1/rank-" + c.rank() + ".vck")), "scratch copy kept");
            assertEquals(-1, v.lastPersisted("blk"));
            v.checkpointWait(); // a failure is reported once

            c.barrier();
            if (c.rank() == 0) {
                Files.delete(blocker);
            }
            c.barrier();
            x[1] = 2;
            v.checkpoint("blk", 2);
            v.checkpointWait();
            assertEquals(2, v.lastPersisted("blk"));
            assertTrue(Files.isRegularFile(tmp.resolve("p/blk/2/MANIFEST")));
            assertTrue(Files.isRegularFile(tmp.resolve("s/0/blk/1/rank-" + c.rank() + ".vck")),
                    "v1 never reached persistent storage: scratch keeps it");
            assertEquals(2, v.restartTest("blk"));
            return null;
        });
        assertFalse(new PersistentStore(tmp.resolve("p")).isCommitted("blk", 1));
    }

    @Test
    void maxVersionsKeepsExactlyTheNewestOnPersistentAndLsShowsThem() throws Exception {
        VelocConfig cfg = config(1, "max_versions", "2");
        job(2, cfg, (v, c) -> {
            int[] x = new int[10];
            v.protect(0, "mv", x);
            for (int ver = 1; ver <= 5; ver++) {
                Arrays.fill(x, ver);
                v.checkpoint("mv", ver);
            }
            return null;
        });
        assertEquals(List.of(5, 4), new PersistentStore(tmp.resolve("p")).committed("mv"));
        assertEquals(List.of("4", "5"), names(tmp.resolve("p/mv")), "pruned versions are gone entirely");

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(new String[] {"ls", "--config", cfgFile.toString()}, o, e);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        List<String[]> rows = text.lines().skip(1).map(l -> l.trim().split("\\s+")).filter(w -> w[0].equals("mv")).toList();
        Set<Integer> onPersistent = rows.stream().filter(w -> w[2].contains("persistent"))
                .map(w -> Integer.parseInt(w[1])).collect(Collectors.toSet());
        assertEquals(Set.of(4, 5), onPersistent, text);
        for (String[] w : rows) {
            if (Integer.parseInt(w[1]) >= 4) {
                assertEquals("persisted", w[w.length - 1], text);
            }
        }
    }

    @Test
    void syncModeReturnsWithTheVersionCommitted() throws Exception {
        VelocConfig cfg = config(1, "mode", "sync");
        job(2, cfg, (v, c) -> {
            int[] x = {c.rank()};
            v.protect(0, "sy", x);
            for (int ver = 1; ver <= 3; ver++) {
                v.checkpoint("sy", ver);
                assertTrue(Files.isRegularFile(tmp.resolve("p/sy/" + ver + "/MANIFEST")), "v" + ver + " on rank " + c.rank());
                assertEquals(ver, v.lastPersisted("sy"));
                assertTrue(v.checkpointFinished());
            }
            return null;
        });
    }

    /**
     * mode = sync returns once this rank's group is durable; the MANIFEST is written before any
     * group's Persisted is announced, so once every rank has returned the version is committed.
     */
    @Test
    void syncModeReturnsWithTheGroupPersistedAndAllRanksReturnedMeansCommitted() throws Exception {
        // two nodes, two groups; node 1's ranks checkpoint late, so node 0's group lands first
        VelocConfig cfg = config(2, "mode", "sync", "group_size", "2");
        List<List<Boolean>> seen = job(4, cfg, (v, c) -> {
            int[] x = {c.rank()};
            v.protect(0, "sy", x);
            if (c.rank() >= 2) {
                Thread.sleep(500);
            }
            v.checkpoint("sy", 1);
            boolean groupFile = hasGroupFile(tmp.resolve("p/sy/1"), c.rank() / 2);
            c.barrier();
            return List.of(groupFile, Files.isRegularFile(tmp.resolve("p/sy/1/MANIFEST")));
        });
        for (List<Boolean> r : seen) {
            assertEquals(List.of(true, true), r, "[own group file when checkpoint() returned, MANIFEST after all returned]");
        }
    }
}
