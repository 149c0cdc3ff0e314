package io.veloc4j.comm;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ranks as threads: collectives, point-to-point, dup isolation, and failure propagation. */
class LocalCommTest {

    /** Only a guard against hangs; nothing here measures time. */
    private static final Duration HANG_GUARD = Duration.ofSeconds(30);

    @Test
    void identityAndHost() throws Exception {
        List<int[]> ids = LocalComm.run(5, c -> new int[] {c.rank(), c.size(), c.hostLeader(), c.hostRank(), c.hostSize()});
        for (int r = 0; r < 5; r++) {
            assertArrayEquals(new int[] {r, 5, 0, r, 5}, ids.get(r));
        }
        LocalComm one = LocalComm.single();
        assertEquals(0, one.rank());
        assertEquals(1, one.size());
        assertEquals(7, one.allreduce(7, Comm.ReduceOp.SUM));
        assertArrayEquals(new long[] {7}, one.allgather(7));
        one.barrier();
    }

    @Test
    void allreduceMinMaxSum() throws Exception {
        int n = 7;
        List<long[]> res = assertTimeoutPreemptively(HANG_GUARD, () -> LocalComm.run(n, c -> {
            long mine = (c.rank() * 37L) % 11 - 5; // 7 ranks: -5, 10-... distinct, some negative
            return new long[] {c.allreduce(mine, Comm.ReduceOp.MIN), c.allreduce(mine, Comm.ReduceOp.MAX),
                    c.allreduce(mine, Comm.ReduceOp.SUM), c.allreduce(Long.MAX_VALUE - c.rank(), Comm.ReduceOp.MAX),
                    c.allreduce(Long.MIN_VALUE + c.rank(), Comm.ReduceOp.MIN)};
        }));
        long[] vals = IntStream.range(0, n).mapToLong(r -> (r * 37L) % 11 - 5).toArray();
        long min = java.util.Arrays.stream(vals).min().orElseThrow();
        long max = java.util.Arrays.stream(vals).max().orElseThrow();
        long sum = java.util.Arrays.stream(vals).sum();
        for (long[] r : res) {
            assertArrayEquals(new long[] {min, max, sum, Long.MAX_VALUE, Long.MIN_VALUE}, r);
        }
    }

    @Test
    void allgatherIsIndexedByRankAndRepeatable() throws Exception {
        int n = 6;
        List<long[][]> res = assertTimeoutPreemptively(HANG_GUARD, () -> LocalComm.run(n, c -> {
            long[][] rounds = new long[50][];
            for (int i = 0; i < rounds.length; i++) {
                rounds[i] = c.allgather(c.rank() * 1000L + i); // back-to-back rounds must not mix
            }
            return rounds;
        }));
        for (long[][] rounds : res) {
            for (int i = 0; i < rounds.length; i++) {
                long[] expected = new long[n];
                for (int r = 0; r < n; r++) {
                    expected[r] = r * 1000L + i;
                }
                assertArrayEquals(expected, rounds[i], "round " + i);
            }
        }
    }

    @Test
    void barrierHoldsEveryoneUntilAllArrive() throws Exception {
        int n = 8;
        AtomicInteger arrived = new AtomicInteger();
        List<Integer> seen = assertTimeoutPreemptively(HANG_GUARD, () -> LocalComm.run(n, c -> {
            if (c.rank() == n - 1) {
                Thread.sleep(200); // the last rank is late; nobody may pass before it arrives
            }
            arrived.incrementAndGet();
            c.barrier();
            return arrived.get();
        }));
        for (int s : seen) {
            assertEquals(n, s);
        }
    }

    @Test
    void sendRecvRing() throws Exception {
        int n = 5;
        List<double[]> got = assertTimeoutPreemptively(HANG_GUARD, () -> LocalComm.run(n, c -> {
            int right = (c.rank() + 1) % n;
            int left = (c.rank() + n - 1) % n;
            double[] send = {c.rank(), -0.0, Double.longBitsToDouble(0x7ff0000000000001L + c.rank())};
            double[] recv = new double[3];
            c.sendRecv(send, right, recv, left, 9);
            send[0] = 999; // the message must have been copied at send time
            return recv;
        }));
        for (int r = 0; r < n; r++) {
            int left = (r + n - 1) % n;
            double[] recv = got.get(r);
            assertEquals(left, recv[0]);
            assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(recv[1]));
            assertEquals(0x7ff0000000000001L + left, Double.doubleToRawLongBits(recv[2]));
        }
    }

    @Test
    void sendRecvMatchesTagsAndSkipsNone() throws Exception {
        List<double[]> got = assertTimeoutPreemptively(HANG_GUARD, () -> LocalComm.run(2, c -> {
            double[] a = new double[1];
            double[] b = new double[1];
            if (c.rank() == 0) {
                c.sendRecv(new double[] {1}, 1, new double[0], Comm.NONE, 1);
                c.sendRecv(new double[] {2}, 1, new double[0], Comm.NONE, 2);
                return new double[0];
            }
            // receive in the opposite order of sending: tags, not arrival order, decide
            c.sendRecv(new double[0], Comm.NONE, b, 0, 2);
            c.sendRecv(new double[0], Comm.NONE, a, 0, 1);
            return new double[] {a[0], b[0]};
        }));
        assertArrayEquals(new double[] {1, 2}, got.get(1));
    }

    @Test
    void receiveOfWrongLengthFails() {
        CommException e = assertTimeoutPreemptively(HANG_GUARD, () -> assertThrows(CommException.class,
                () -> LocalComm.run(2, c -> {
                    if (c.rank() == 0) {
                        c.sendRecv(new double[3], 1, new double[0], Comm.NONE, 0);
                    } else {
                        c.sendRecv(new double[0], Comm.NONE, new double[2], 0, 0);
                    }
                    return null;
                })));
        assertTrue(e.getMessage().contains("rank 1"), e.getMessage());
        assertInstanceOf(CommException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("expected 2 doubles"), e.getCause().getMessage());
    }

    @Test
    void dupIsolatesTraffic() throws Exception {
        List<double[]> got = assertTimeoutPreemptively(HANG_GUARD, () -> LocalComm.run(2, c -> {
            Comm d = c.dup();
            try {
                assertEquals(c.rank(), d.rank());
                assertEquals(c.size(), d.size());
                if (c.rank() == 0) {
                    // same peer, same tag, different communicators
                    d.sendRecv(new double[] {222}, 1, new double[0], Comm.NONE, 5);
                    c.sendRecv(new double[] {111}, 1, new double[0], Comm.NONE, 5);
                    return new double[0];
                }
                double[] fromWorld = new double[1];
                double[] fromDup = new double[1];
                c.sendRecv(new double[0], Comm.NONE, fromWorld, 0, 5);
                d.sendRecv(new double[0], Comm.NONE, fromDup, 0, 5);
                return new double[] {fromWorld[0], fromDup[0]};
            } finally {
                d.close();
            }
        }));
        assertArrayEquals(new double[] {111, 222}, got.get(1));
    }

    @Test
    void collectivesOnDupAndWorldInterleave() throws Exception {
        List<long[]> got = assertTimeoutPreemptively(HANG_GUARD, () -> LocalComm.run(4, c -> {
            Comm d = c.dup();
            long a = d.allreduce(c.rank(), Comm.ReduceOp.SUM);
            long b = c.allreduce(10, Comm.ReduceOp.SUM);
            long[] g = d.allgather(c.rank() * 2L);
            d.close();
            return new long[] {a, b, g[0], g[1], g[2], g[3]};
        }));
        for (long[] r : got) {
            assertArrayEquals(new long[] {6, 40, 0, 2, 4, 6}, r);
        }
    }

    @Test
    void failingRankReleasesCollectives() {
        IllegalStateException boom = new IllegalStateException("boom on purpose");
        CommException e = assertTimeoutPreemptively(HANG_GUARD, () -> assertThrows(CommException.class,
                () -> LocalComm.run(6, c -> {
                    c.barrier();
                    if (c.rank() == 3) {
                        throw boom;
                    }
                    c.barrier(); // would wait forever for rank 3
                    return null;
                })));
        assertTrue(e.getMessage().contains("rank 3"), e.getMessage());
        assertSame(boom, e.getCause(), "the root cause, not a released rank's exception");
    }

    @Test
    void failingRankReleasesReceives() {
        CommException e = assertTimeoutPreemptively(HANG_GUARD, () -> assertThrows(CommException.class,
                () -> LocalComm.run(4, c -> {
                    if (c.rank() == 2) {
                        throw new java.io.IOException("disk gone");
                    }
                    c.sendRecv(new double[0], Comm.NONE, new double[1], 2, 0); // rank 2 never sends
                    return null;
                })));
        assertTrue(e.getMessage().contains("rank 2"), e.getMessage());
        assertInstanceOf(java.io.IOException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("disk gone"));
    }

    @Test
    void failureInsideAllgatherAndOnRankZero() {
        CommException e = assertTimeoutPreemptively(HANG_GUARD, () -> assertThrows(CommException.class,
                () -> LocalComm.run(3, c -> {
                    for (int i = 0; i < 10; i++) {
                        c.allgather(i);
                        if (c.rank() == 0 && i == 4) {
                            throw new ArithmeticException("rank zero dies");
                        }
                    }
                    return null;
                })));
        assertTrue(e.getMessage().contains("rank 0"), e.getMessage());
        assertInstanceOf(ArithmeticException.class, e.getCause());
    }

    @Test
    void errorsArePropagatedToo() {
        CommException e = assertTimeoutPreemptively(HANG_GUARD, () -> assertThrows(CommException.class,
                () -> LocalComm.run(2, c -> {
                    if (c.rank() == 1) {
                        throw new AssertionError("an Error, not an Exception");
                    }
                    c.barrier();
                    return null;
                })));
        assertInstanceOf(AssertionError.class, e.getCause());
    }

    @Test
    void zeroRanksRefused() {
        CommException e = assertThrows(CommException.class, () -> LocalComm.run(0, c -> null));
        assertTrue(e.getMessage().contains("at least one rank"), e.getMessage());
    }

    @Test
    void byteMessagesArriveOnceInOrderPerSourceWithTheirTag() throws Exception {
        List<String> got = assertTimeoutPreemptively(HANG_GUARD, () -> LocalComm.run(3, c -> {
            if (c.rank() > 0) {
                for (int i = 0; i < 3; i++) {
                    byte[] b = ("r" + c.rank() + "m" + i).getBytes();
                    java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(b.length + 4).position(2);
                    buf.put(b).flip().position(2); // only position..limit travels
                    c.send(0, 77, buf);
                }
                c.send(0, 78, java.nio.ByteBuffer.wrap(new byte[] {9}));
                return "";
            }
            StringBuilder out = new StringBuilder();
            // a specific source's messages, in the order sent; another tag is not mixed in
            for (int i = 0; i < 3; i++) {
                Comm.Message m = c.receive(2, 77, 10_000);
                assertEquals(2, m.source());
                out.append(new String(bytes(m.data()))).append(' ');
            }
            for (int i = 0; i < 3; i++) {
                Comm.Message m = c.receive(Comm.ANY, 77, 10_000);
                out.append(new String(bytes(m.data()))).append(' ');
            }
            assertArrayEquals(new byte[] {9}, bytes(c.receive(1, 78, 10_000).data()));
            assertArrayEquals(new byte[] {9}, bytes(c.receive(2, 78, 10_000).data()));
            assertTrue(c.poll(Comm.ANY, 77).isEmpty(), "each message arrives once");
            CommException none = assertThrows(CommException.class, () -> c.receive(1, 79, 50));
            assertTrue(none.getMessage().contains("tag 79") && none.getMessage().contains("rank 1"), none.getMessage());
            return out.toString().trim();
        }));
        assertEquals("r2m0 r2m1 r2m2 r1m0 r1m1 r1m2", got.get(0));
    }

    @Test
    void byteCollectives() throws Exception {
        List<String> got = assertTimeoutPreemptively(HANG_GUARD, () -> LocalComm.run(4, c -> {
            byte[][] all = c.allgatherBytes(new byte[c.rank()]);
            byte[] root = c.broadcastBytes(c.rank() == 2 ? new byte[] {1, 2, 3} : new byte[0], 2);
            StringBuilder b = new StringBuilder();
            for (byte[] a : all) {
                b.append(a.length);
            }
            return b + ":" + java.util.Arrays.toString(root);
        }));
        assertEquals(java.util.Collections.nCopies(4, "0123:[1, 2, 3]"), got);
    }

    private static byte[] bytes(java.nio.ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }
}
