package io.veloc4j.runtime;

import io.veloc4j.VelocException;
import io.veloc4j.comm.CommException;
import io.veloc4j.comm.LocalComm;
import io.veloc4j.config.VelocConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The public API over ranks-as-threads, with real files in a temp directory. */
class VelocTest {

    private static final Duration HANG_GUARD = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    private VelocConfig config(int virtualNodes, String... extra) throws Exception {
        Map<String, String> m = new HashMap<>(Map.of("scratch", tmp + "/s/%n", "persistent", tmp + "/p",
                "virtual_nodes", Integer.toString(virtualNodes)));
        for (int i = 0; i < extra.length; i += 2) {
            m.put(extra[i], extra[i + 1]);
        }
        return VelocConfig.of(m);
    }

    @FunctionalInterface
    interface RankBody<T> {
        T run(Veloc v, LocalComm c) throws Exception;
    }

    /** Runs {@code body} on {@code n} ranks, each with its own client (closed afterwards). */
    static <T> List<T> job(int n, VelocConfig cfg, RankBody<T> body) {
        return assertTimeoutPreemptively(HANG_GUARD, () -> LocalComm.run(n, c -> {
            try (Veloc v = Veloc.init(cfg, c)) {
                return body.run(v, c);
            }
        }));
    }

    static <T> T single(VelocConfig cfg, RankBody<T> body) {
        return job(1, cfg, body).get(0);
    }

    static long[] bits(double[] a) {
        return Arrays.stream(a).mapToLong(Double::doubleToRawLongBits).toArray();
    }

    static int[] bits(float[] a) {
        int[] out = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = Float.floatToRawIntBits(a[i]);
        }
        return out;
    }

    /** Every protectable type, with values that a sloppy copy would change; rank-specific. */
    static final class State {
        final double[] d;
        final float[] f;
        final long[] l;
        final int[] i;
        final short[] s;
        final char[] c;
        final byte[] b;
        final ByteBuffer bb;
        final double[] empty = new double[0];
        final int[] one;

        State(int rank, boolean fill) {
            d = new double[] {0, 0, 0, 0, 0, 0, 0};
            f = new float[5];
            l = new long[3];
            i = new int[4];
            s = new short[3];
            c = new char[4];
            b = new byte[5];
            bb = ByteBuffer.allocateDirect(11);
            one = new int[1];
            if (fill) {
                d[0] = Double.longBitsToDouble(0x7ff0000000000001L + 2L * rank); // NaN with odd payload
                d[1] = Double.longBitsToDouble(0xfff8000000000abcL + rank);
                d[2] = -0.0;
                d[3] = Double.MIN_VALUE * (rank + 1); // subnormal
                d[4] = Double.longBitsToDouble(0x000fffffffffffffL);
                d[5] = Double.NEGATIVE_INFINITY;
                d[6] = rank + 0.1;
                f[0] = Float.intBitsToFloat(0x7f800001 + rank * 2);
                f[1] = -0.0f;
                f[2] = Float.MIN_VALUE;
                f[3] = Float.intBitsToFloat(0x007fffff);
                f[4] = rank - 0.3f;
                l[0] = Long.MIN_VALUE + rank;
                l[1] = -1;
                l[2] = Long.MAX_VALUE;
                i[0] = Integer.MIN_VALUE;
                i[1] = rank;
                i[2] = -7;
                i[3] = 0xdeadbeef;
                s[0] = Short.MIN_VALUE;
                s[1] = (short) rank;
                s[2] = -1;
                c[0] = '\uffff';
                c[1] = '\ud800';
                c[2] = (char) ('a' + rank);
                c[3] = 0;
                for (int k = 0; k < 5; k++) {
                    b[k] = (byte) (k * 51 + rank - 128);
                }
                for (int k = 0; k < 11; k++) {
                    bb.put(k, (byte) (rank * 11 + k));
                }
                one[0] = 42 + rank;
            }
        }

        void protect(Veloc v) throws VelocException {
            v.protect(0, "d", d);
            v.protect(1, "f", f);
            v.protect(2, "l", l);
            v.protect(3, "i", i);
            v.protect(4, "s", s);
            v.protect(5, "c", c);
            v.protect(6, "b", b);
            v.protect(7, "bb", bb);
            v.protect(8, "empty", empty);
            v.protect(9, "one", one);
        }

        void assertSameBits(State o) {
            assertArrayEquals(bits(o.d), bits(d), "double bits");
            assertArrayEquals(bits(o.f), bits(f), "float bits");
            assertArrayEquals(o.l, l);
            assertArrayEquals(o.i, i);
            assertArrayEquals(o.s, s);
            assertArrayEquals(o.c, c);
            assertArrayEquals(o.b, b);
            for (int k = 0; k < 11; k++) {
                assertEquals(o.bb.get(k), bb.get(k), "buffer byte " + k);
            }
            assertArrayEquals(o.one, one);
        }
    }

    // ---- protect / checkpoint / restart ----

    @Test
    void everyTypeRestoresBitExactOnEveryRank() throws Exception {
        VelocConfig cfg = config(2);
        job(4, cfg, (v, c) -> {
            State s = new State(c.rank(), true);
            s.protect(v);
            v.checkpoint("all", 3);
            return null;
        });
        List<Restored> restored = job(4, cfg, (v, c) -> {
            State fresh = new State(c.rank(), false);
            fresh.protect(v);
            int ver = v.restartTest("all");
            assertEquals(3, ver);
            Restored r = v.restart("all", ver);
            fresh.assertSameBits(new State(c.rank(), true));
            return r;
        });
        for (Restored r : restored) {
            assertEquals(new Restored("all", 3, "scratch"), r);
        }
    }

    @Test
    void scratchLayoutFollowsVirtualNodes() throws Exception {
        VelocConfig cfg = config(2);
        List<Path> dirs = job(4, cfg, (v, c) -> {
            v.protect(0, "x", new int[] {c.rank()});
            v.checkpoint("lay", 0);
            return v.scratchDir();
        });
        for (int r = 0; r < 4; r++) {
            Path dir = tmp.resolve("s").resolve(Integer.toString(r / 2));
            assertEquals(dir, dirs.get(r));
            assertTrue(Files.isRegularFile(dir.resolve("lay/0/rank-" + r + ".vck")), "rank " + r);
            assertFalse(Files.exists(tmp.resolve("s").resolve(Integer.toString(1 - r / 2)).resolve("lay/0/rank-" + r + ".vck")));
        }
    }

    @Test
    void restartTestWithNothingIsMinusOne() throws Exception {
        List<Integer> vs = job(3, config(1), (v, c) -> v.restartTest("nothing"));
        assertEquals(List.of(-1, -1, -1), vs);
    }

    @Test
    void restartTestReturnsNewestAndRespectsMax() throws Exception {
        VelocConfig cfg = config(1, "scratch_versions", "10");
        job(3, cfg, (v, c) -> {
            int[] x = new int[2];
            v.protect(0, "x", x);
            for (int ver : new int[] {10, 20, 30}) {
                x[0] = ver;
                x[1] = c.rank();
                v.checkpoint("m", ver);
            }
            return null;
        });
        List<int[]> got = job(3, cfg, (v, c) -> {
            int[] x = new int[2];
            v.protect(0, "x", x);
            int[] answers = {v.restartTest("m"), v.restartTest("m", 30), v.restartTest("m", 29), v.restartTest("m", 20),
                    v.restartTest("m", 19), v.restartTest("m", 10), v.restartTest("m", 9), v.restartTest("m", 0)};
            v.restart("m", 20);
            assertArrayEquals(new int[] {20, c.rank()}, x);
            v.restart("m", 10);
            assertArrayEquals(new int[] {10, c.rank()}, x);
            return answers;
        });
        for (int[] a : got) {
            assertArrayEquals(new int[] {30, 30, 20, 20, 10, 10, -1, 30}, a, "0 means any version, as in VELOC");
        }
    }

    @Test
    void checkpointOfSameOrOlderVersionIsAnErrorAndKeepsTheFirstCopy() throws Exception {
        long[] back = single(config(1), (v, c) -> {
            long[] x = {1};
            v.protect(0, "x", x);
            v.checkpoint("again", 5);
            x[0] = 2;
            VelocException same = assertThrows(VelocException.class, () -> v.checkpoint("again", 5));
            assertTrue(same.getMessage().contains("versions must increase"), same.getMessage());
            VelocException older = assertThrows(VelocException.class, () -> v.checkpoint("again", 4));
            assertTrue(older.getMessage().contains("use a version above 5"), older.getMessage());
            x[0] = 0;
            assertEquals(5, v.restartTest("again"));
            v.restart("again", 5);
            return x;
        });
        assertArrayEquals(new long[] {1}, back);
    }

    @Test
    void sizeMismatchIsRefusedClearly() throws Exception {
        VelocConfig cfg = config(1);
        single(cfg, (v, c) -> {
            v.protect(0, "field", new double[10]);
            v.checkpoint("sz", 1);
            return null;
        });
        VelocException e = single(cfg, (v, c) -> {
            double[] wrong = new double[11];
            Arrays.fill(wrong, 7.0);
            v.protect(0, "field", wrong);
            VelocException ex = assertThrows(VelocException.class, () -> v.restart("sz", 1));
            assertTrue(Arrays.stream(wrong).allMatch(x -> x == 7.0), "memory untouched on a refused restart");
            return ex;
        });
        assertTrue(e.getMessage().contains("field"), e.getMessage());
        assertTrue(e.getMessage().contains("10"), e.getMessage());
        assertTrue(e.getMessage().contains("11"), e.getMessage());
    }

    @Test
    void typeMismatchIsRefusedClearly() throws Exception {
        VelocConfig cfg = config(1);
        single(cfg, (v, c) -> {
            v.protect(0, "field", new double[10]);
            v.checkpoint("ty", 1);
            return null;
        });
        VelocException e = single(cfg, (v, c) -> {
            v.protect(0, "field", new long[10]); // same byte count
            return assertThrows(VelocException.class, () -> v.restart("ty", 1));
        });
        assertTrue(e.getMessage().contains("float64"), e.getMessage());
        assertTrue(e.getMessage().contains("int64"), e.getMessage());
    }

    @Test
    void protectingAVariableTheCheckpointLacksIsRefused() throws Exception {
        VelocConfig cfg = config(1);
        single(cfg, (v, c) -> {
            v.protect(0, "a", new int[1]);
            v.checkpoint("miss", 1);
            return null;
        });
        VelocException e = single(cfg, (v, c) -> {
            v.protect(0, "a", new int[1]);
            v.protect(5, "extra", new int[1]);
            return assertThrows(VelocException.class, () -> v.restart("miss", 1));
        });
        assertTrue(e.getMessage().contains("id 5"), e.getMessage());
        assertTrue(e.getMessage().contains("extra"), e.getMessage());
    }

    @Test
    void recoverSizeThroughRestartBegin() throws Exception {
        VelocConfig cfg = config(1);
        job(2, cfg, (v, c) -> {
            double[] grid = new double[100 + c.rank()];
            Arrays.setAll(grid, k -> k * 0.5 + c.rank());
            v.protect(0, "grid", grid);
            v.protect(1, "meta", new long[] {c.rank(), 99});
            v.checkpoint("rs", 8);
            return null;
        });
        job(2, cfg, (v, c) -> {
            VelocException before = assertThrows(VelocException.class, () -> v.recoverSize(0));
            assertTrue(before.getMessage().contains("restartBegin"), before.getMessage());
            VelocException before2 = assertThrows(VelocException.class, v::recoverMem);
            assertTrue(before2.getMessage().contains("restartBegin"), before2.getMessage());

            int ver = v.restartTest("rs");
            v.restartBegin("rs", ver);
            long n = v.recoverSize(0) / Double.BYTES;
            assertEquals((100 + c.rank()) * 8L, v.recoverSize(0), "bytes, as VELOC_Recover_size");
            assertEquals(16, v.recoverSize(1));
            VelocException none = assertThrows(VelocException.class, () -> v.recoverSize(77));
            assertTrue(none.getMessage().contains("77"), none.getMessage());
            double[] grid = new double[(int) n];
            long[] meta = new long[2];
            v.protect(0, "grid", grid);
            v.protect(1, "meta", meta);
            Restored r = v.recoverMem();
            v.restartEnd();
            assertEquals(new Restored("rs", 8, "scratch"), r);
            for (int k = 0; k < n; k++) {
                assertEquals(k * 0.5 + c.rank(), grid[k]);
            }
            assertArrayEquals(new long[] {c.rank(), 99}, meta);
            assertThrows(VelocException.class, () -> v.recoverSize(0), "restartEnd closes the session");
            return null;
        });
    }

    @Test
    void unprotectLeavesTheVariableOut() throws Exception {
        VelocConfig cfg = config(1);
        int[] kept = single(cfg, (v, c) -> {
            int[] a = {1};
            int[] b = {2};
            v.protect(0, "a", a);
            v.protect(1, "b", b);
            v.unprotect(1);
            v.checkpoint("un", 1);
            a[0] = 0;
            b[0] = 0;
            v.restart("un", 1);
            return new int[] {a[0], b[0]};
        });
        assertArrayEquals(new int[] {1, 0}, kept, "a restored, b not protected");
        single(cfg, (v, c) -> {
            v.restartBegin("un", 1);
            assertEquals(Integer.BYTES, v.recoverSize(0));
            assertThrows(VelocException.class, () -> v.recoverSize(1), "b was unprotected before the checkpoint");
            v.restartEnd();
            return null;
        });
    }

    @Test
    void protectAgainReplacesTheMemory() throws Exception {
        int[][] got = single(config(1), (v, c) -> {
            int[] old = {1, 1};
            int[] neu = {2, 2, 2};
            v.protect(0, "x", old);
            v.protect(0, "x", neu);
            v.checkpoint("re", 1);
            neu[0] = 9;
            v.restart("re", 1);
            return new int[][] {old, neu};
        });
        assertArrayEquals(new int[] {1, 1}, got[0]);
        assertArrayEquals(new int[] {2, 2, 2}, got[1]);
    }

    @Test
    void routedFileRoundTrip() throws Exception {
        VelocConfig cfg = config(1);
        job(2, cfg, (v, c) -> {
            Path f = v.routeFile("rf", tmp.resolve("app").resolve("out-" + c.rank() + ".bin"));
            Files.createDirectories(f.getParent());
            byte[] content = new byte[5000 + c.rank()];
            for (int k = 0; k < content.length; k++) {
                content[k] = (byte) (k * 31 + c.rank());
            }
            Files.write(f, content);
            int[] x = {c.rank()};
            v.protect(0, "x", x);
            v.checkpoint("rf", 1);
            Files.writeString(f, "overwritten after the checkpoint");
            return null;
        });
        // rank 1's file is gone entirely
        Files.delete(tmp.resolve("app").resolve("out-1.bin"));
        job(2, cfg, (v, c) -> {
            Path f = v.routeFile("rf", tmp.resolve("app").resolve("out-" + c.rank() + ".bin"));
            int[] x = new int[1];
            v.protect(0, "x", x);
            v.restart("rf", v.restartTest("rf"));
            assertEquals(c.rank(), x[0]);
            byte[] back = Files.readAllBytes(f);
            assertEquals(5000 + c.rank(), back.length);
            for (int k = 0; k < back.length; k++) {
                assertEquals((byte) (k * 31 + c.rank()), back[k], "byte " + k);
            }
            return null;
        });
        try (Stream<Path> s = Files.list(tmp.resolve("app"))) {
            assertEquals(List.of("out-0.bin", "out-1.bin"), s.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temporary restore files left");
        }
    }

    @Test
    void routedFileOnlyBelongsToItsCheckpointName() throws Exception {
        VelocConfig cfg = config(1);
        Path f = tmp.resolve("only.txt");
        single(cfg, (v, c) -> {
            v.routeFile("withfile", f);
            Files.writeString(f, "v1");
            v.protect(0, "x", new int[1]);
            v.checkpoint("withfile", 1);
            v.checkpoint("other", 1);
            Files.writeString(f, "v2");
            v.restart("other", 1);
            assertEquals("v2", Files.readString(f), "restarting another name must not touch the file");
            v.restart("withfile", 1);
            assertEquals("v1", Files.readString(f));
            return null;
        });
    }

    @Test
    void checkpointWithMissingRoutedFileFails() throws Exception {
        VelocException e = single(config(1), (v, c) -> {
            v.routeFile("rf", tmp.resolve("never-written"));
            return assertThrows(VelocException.class, () -> v.checkpoint("rf", 1));
        });
        assertTrue(e.getMessage().contains("never-written"), e.getMessage());
    }

    // ---- names and versions ----

    @Test
    void badCheckpointNamesAreRefused() throws Exception {
        String longName = "n".repeat(129);
        single(config(1), (v, c) -> {
            v.protect(0, "x", new int[1]);
            for (String bad : new String[] {"a/b", "/abs", "..", "a..b", "../up", "", longName, "sp ace", "a\\b", null}) {
                VelocException e = assertThrows(VelocException.class, () -> v.checkpoint(bad, 1), "checkpoint " + bad);
                assertTrue(e.getMessage().contains("not allowed"), e.getMessage());
                assertThrows(VelocException.class, () -> v.restartTest(bad), "restartTest " + bad);
                assertThrows(VelocException.class, () -> v.restart(bad, 1), "restart " + bad);
                assertThrows(VelocException.class, () -> v.routeFile(bad, tmp.resolve("f")), "routeFile " + bad);
            }
            return null;
        });
        try (Stream<Path> s = Files.walk(tmp)) {
            // the runtime's own metadata (journal, catalog) may exist; no checkpoint data may
            assertEquals(List.of(), s.filter(Files::isRegularFile).filter(p -> !p.toString().contains("/.veloc4j/")).toList(),
                    "nothing written for refused names");
        }
        for (String dir : new String[] {"up", "abs", "a", "s/up", "s/abs", "s/0/a", "s/0/sp ace", "s/0/a\\b"}) {
            assertFalse(Files.exists(tmp.resolve(dir)), dir);
        }
    }

    @Test
    void longestAllowedNameWorks() throws Exception {
        String name = "x".repeat(127) + "9";
        int[] x = single(config(1), (v, c) -> {
            int[] a = {5};
            v.protect(0, "a", a);
            v.checkpoint(name, 1);
            a[0] = 0;
            assertEquals(1, v.restartTest(name));
            v.restart(name, 1);
            return a;
        });
        assertArrayEquals(new int[] {5}, x);
        assertTrue(Files.isRegularFile(tmp.resolve("s/0").resolve(name).resolve("1/rank-0.vck")));
    }

    @Test
    void negativeVersionIsRefused() throws Exception {
        single(config(1), (v, c) -> {
            v.protect(0, "x", new int[1]);
            VelocException e = assertThrows(VelocException.class, () -> v.checkpoint("neg", -1));
            assertTrue(e.getMessage().contains("-1"), e.getMessage());
            assertThrows(VelocException.class, () -> v.restart("neg", -1));
            assertThrows(VelocException.class, () -> v.restartBegin("neg", Integer.MIN_VALUE));
            v.checkpoint("neg", 0); // zero is a version
            assertEquals(0, v.restartTest("neg"));
            return null;
        });
    }

    @Test
    void protectRefusesBadIdsAndNames() throws Exception {
        single(config(1), (v, c) -> {
            assertThrows(VelocException.class, () -> v.protect(-1, "x", new int[1]));
            assertThrows(VelocException.class, () -> v.protect(0, "", new int[1]));
            assertThrows(VelocException.class, () -> v.protect(0, null, new int[1]));
            return null;
        });
    }

    @Test
    void closedClientRefusesWork() throws Exception {
        VelocException e = assertTimeoutPreemptively(HANG_GUARD, () -> LocalComm.run(1, c -> {
            Veloc v = Veloc.init(config(1), c);
            v.close();
            v.close(); // idempotent
            return assertThrows(VelocException.class, () -> v.checkpoint("c", 1));
        })).get(0);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    // ---- scratch pruning ----

    @Test
    void scratchVersionsKeepsExactlyTheNewest() throws Exception {
        // scratch only: with a persistent level, pruned versions stay restorable from there
        VelocConfig cfg = config(2, "scratch_versions", "3", "persistent_interval", "-1");
        job(4, cfg, (v, c) -> {
            long[] x = new long[16];
            v.protect(0, "x", x);
            for (int ver = 1; ver <= 7; ver++) {
                Arrays.fill(x, ver * 100L + c.rank());
                v.checkpoint("prune", ver);
            }
            return null;
        });
        for (int node = 0; node < 2; node++) {
            Path dir = tmp.resolve("s").resolve(Integer.toString(node)).resolve("prune");
            try (Stream<Path> s = Files.list(dir)) {
                assertEquals(List.of("5", "6", "7"), s.map(p -> p.getFileName().toString()).sorted().toList(), "node " + node);
            }
            for (int ver = 5; ver <= 7; ver++) {
                try (Stream<Path> s = Files.list(dir.resolve(Integer.toString(ver)))) {
                    assertEquals(List.of("rank-" + 2 * node + ".vck", "rank-" + (2 * node + 1) + ".vck"),
                            s.map(p -> p.getFileName().toString()).sorted().toList());
                }
            }
        }
        List<Integer> vs = job(4, cfg, (v, c) -> {
            long[] x = new long[16];
            v.protect(0, "x", x);
            assertEquals(-1, v.restartTest("prune", 4), "pruned versions are gone");
            int ver = v.restartTest("prune");
            v.restart("prune", ver);
            assertEquals(700L + c.rank(), x[15]);
            return ver;
        });
        assertEquals(List.of(7, 7, 7, 7), vs);
    }

    @Test
    void pruningIsPerCheckpointName() throws Exception {
        VelocConfig cfg = config(1, "scratch_versions", "1");
        single(cfg, (v, c) -> {
            v.protect(0, "x", new int[1]);
            v.checkpoint("a", 1);
            v.checkpoint("b", 1);
            v.checkpoint("a", 2);
            v.checkpoint("b", 2);
            v.checkpoint("a", 3);
            return null;
        });
        try (Stream<Path> s = Files.list(tmp.resolve("s/0/a"))) {
            assertEquals(List.of("3"), s.map(p -> p.getFileName().toString()).toList());
        }
        try (Stream<Path> s = Files.list(tmp.resolve("s/0/b"))) {
            assertEquals(List.of("2"), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    // ---- damage: a version some rank cannot restore is never promised ----

    private static void flipDataByte(Path rankFile) throws IOException {
        // the data of the only variable starts at the (64-byte aligned) end of the header, whose
        // length is stored at byte 8; flip a byte well inside the data
        byte[] all = Files.readAllBytes(rankFile);
        int headerLength = ByteBuffer.wrap(all, 8, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
        assertTrue(headerLength + 100 < all.length, "the data region is where the format says");
        try (RandomAccessFile raf = new RandomAccessFile(rankFile.toFile(), "rw")) {
            raf.seek(headerLength + 100);
            int b = raf.read();
            raf.seek(headerLength + 100);
            raf.write(b ^ 0x01);
        }
    }

    @Test
    void corruptByteInOneRanksNewestFileFallsBackToThePreviousVersion() throws Exception {
        VelocConfig cfg = config(1, "persistent_interval", "-1"); // scratch is the only level

        job(4, cfg, (v, c) -> {
            double[] h = new double[64];
            v.protect(0, "h", h);
            for (int ver : new int[] {1, 2}) {
                Arrays.fill(h, ver * 10.0 + c.rank());
                v.checkpoint("cor", ver);
            }
            return null;
        });
        flipDataByte(tmp.resolve("s/0/cor/2/rank-2.vck"));
        List<double[]> got = job(4, cfg, (v, c) -> {
            double[] h = new double[64];
            v.protect(0, "h", h);
            if (c.rank() == 2) {
                // explicitly asking for the damaged version fails on that rank, naming the damage
                // (the memory is left untouched: a copy is verified before anything is restored)
                VelocException e = assertThrows(VelocException.class, () -> v.restart("cor", 2));
                assertTrue(e.getMessage().contains("checksum"), e.getMessage());
                assertTrue(e.getMessage().contains("rank 2"), e.getMessage());
            }
            int ver = v.restartTest("cor");
            assertEquals(1, ver, "rank " + c.rank());
            Restored r = v.restart("cor", ver);
            assertEquals(new Restored("cor", 1, "scratch"), r);
            return h;
        });
        for (int r = 0; r < 4; r++) {
            double[] expected = new double[64];
            Arrays.fill(expected, 10.0 + r);
            assertArrayEquals(bits(expected), bits(got.get(r)), "rank " + r);
        }
    }

    @Test
    void missingFileOfOneRankFallsBackToThePreviousVersion() throws Exception {
        VelocConfig cfg = config(1, "persistent_interval", "-1"); // scratch is the only level
        job(3, cfg, (v, c) -> {
            v.protect(0, "x", new int[] {c.rank()});
            v.checkpoint("gone", 1);
            v.checkpoint("gone", 2);
            return null;
        });
        Files.delete(tmp.resolve("s/0/gone/2/rank-1.vck"));
        assertEquals(List.of(1, 1, 1), job(3, cfg, (v, c) -> v.restartTest("gone")));
        Files.delete(tmp.resolve("s/0/gone/1/rank-0.vck"));
        assertEquals(List.of(-1, -1, -1), job(3, cfg, (v, c) -> v.restartTest("gone")));
    }

    @Test
    void losingOneVirtualNodesScratchLeavesNothingToRestartWhenScratchIsTheOnlyLevel() throws Exception {
        VelocConfig cfg = config(4, "persistent_interval", "-1");
        job(16, cfg, (v, c) -> {
            assertEquals(c.rank() / 4, v.topology().node());
            v.protect(0, "h", new double[] {c.rank()});
            v.checkpoint("vn", 10);
            v.checkpoint("vn", 20);
            return null;
        });
        for (int node = 0; node < 4; node++) {
            for (int r = 4 * node; r < 4 * node + 4; r++) {
                assertTrue(Files.isRegularFile(tmp.resolve("s/" + node + "/vn/20/rank-" + r + ".vck")));
            }
        }
        assertFalse(Files.exists(tmp.resolve("p/vn")), "persistent_interval = -1: nothing flushed");
        assertEquals(java.util.Collections.nCopies(16, 20), job(16, cfg, (v, c) -> v.restartTest("vn")));

        deleteTree(tmp.resolve("s/2"));
        List<Integer> after = job(16, cfg, (v, c) -> {
            double[] h = new double[1];
            v.protect(0, "h", h);
            int ver = v.restartTest("vn");
            if (c.rank() / 4 == 2) {
                assertThrows(VelocException.class, () -> v.restart("vn", 20), "its files are gone");
            }
            return ver;
        });
        assertEquals(java.util.Collections.nCopies(16, -1), after);
    }

    @Test
    void losingOneVirtualNodesScratchRestartsThoseRanksFromPersistent() throws Exception {
        VelocConfig cfg = config(4);
        job(16, cfg, (v, c) -> {
            double[] h = new double[1000];
            v.protect(0, "h", h);
            for (int ver : new int[] {10, 20}) {
                Arrays.setAll(h, k -> ver * 1000.0 + c.rank() * 7.25 + k / 3.0);
                v.checkpoint("vn", ver);
            }
            v.checkpointWait();
            assertEquals(20, v.lastPersisted("vn"));
            return null;
        });
        assertTrue(Files.isRegularFile(tmp.resolve("p/vn/20/MANIFEST")));

        deleteTree(tmp.resolve("s/2"));
        List<Restored> after = job(16, cfg, (v, c) -> {
            double[] h = new double[1000];
            v.protect(0, "h", h);
            int ver = v.restartTest("vn");
            assertEquals(20, ver, "rank " + c.rank());
            Restored r = v.restart("vn", ver);
            double[] expected = new double[1000];
            Arrays.setAll(expected, k -> 20 * 1000.0 + c.rank() * 7.25 + k / 3.0);
            assertArrayEquals(bits(expected), bits(h), "rank " + c.rank());
            return r;
        });
        for (int r = 0; r < 16; r++) {
            assertEquals(new Restored("vn", 20, r / 4 == 2 ? "persistent" : "scratch"), after.get(r), "rank " + r);
        }
    }

    @Test
    void tooManyVirtualNodesFailsInit() throws Exception {
        VelocConfig cfg = config(5);
        CommException e = assertTimeoutPreemptively(HANG_GUARD,
                () -> assertThrows(CommException.class, () -> LocalComm.run(4, c -> Veloc.init(cfg, c))));
        assertTrue(e.getCause().getMessage().contains("virtual_nodes"), e.getCause().getMessage());
    }

    static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
        assertFalse(Files.exists(p));
    }
}
