package io.veloc4j.levels.codec;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The birthday pre-check that lets Lorenzo skip its distinct-value scan on data that never repeats. */
class RanksSampleTest {

    private static final int N = 8704; // a typical 34 KB chunk of float32

    private static byte[] ints(int[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : v) {
            b.putInt(x);
        }
        return b.array();
    }

    private static byte[] longs(long[] v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) {
            b.putLong(x);
        }
        return b.array();
    }

    private static boolean mayHaveFew(byte[] raw, int width) {
        int n = raw.length / width;
        int limit = n / LorenzoCodec.RANK_DIVISOR;
        return Ranks.mayHaveFew(raw, 0, n, width, limit, new long[Ranks.sampleTable(limit)]);
    }

    @Test
    void allDistinctValuesSkipTheScan() {
        int[] v = new int[N];
        long[] w = new long[N];
        for (int i = 0; i < N; i++) {
            v[i] = Float.floatToRawIntBits(1.0f + i * 1e-4f); // a smooth field, no value twice
            w[i] = Double.doubleToRawLongBits(Math.sin(i * 0.01) + i);
        }
        assertFalse(mayHaveFew(ints(v), 4));
        assertFalse(mayHaveFew(longs(w), 8));
    }

    @Test
    void fewDistinctValuesAreFoundWhateverTheirLayout() {
        Random rnd = new Random(7);
        int limit = N / LorenzoCodec.RANK_DIVISOR;
        int[] scattered = new int[N];
        int[] runs = new int[N];
        int[] constant = new int[N];
        long[] wide = new long[N];
        for (int i = 0; i < N; i++) {
            scattered[i] = Float.floatToRawIntBits(rnd.nextInt(limit) * 0.5f); // exactly at the limit, uniform
            runs[i] = i / 8; // n/8 values, each in one run of 8
            constant[i] = 42;
            wide[i] = Double.doubleToRawLongBits(rnd.nextInt(limit / 2) * 0.25);
        }
        assertTrue(mayHaveFew(ints(scattered), 4));
        assertTrue(mayHaveFew(ints(runs), 4));
        assertTrue(mayHaveFew(ints(constant), 4));
        assertTrue(mayHaveFew(longs(wide), 8));
    }

    @Test
    void smallChunksAlwaysGetTheFullScan() {
        int[] v = new int[32];
        for (int i = 0; i < v.length; i++) {
            v[i] = i; // all distinct, but the picks would be half the chunk: scanning it costs no more
        }
        assertTrue(2 * Ranks.sampleSize(v.length / LorenzoCodec.RANK_DIVISOR) >= v.length);
        assertTrue(mayHaveFew(ints(v), 4));
    }

    @Test
    void idsMapBackToTheValuesWhetherTheTableStartsAtItsSizeOrGrows() {
        // 200 values scattered: the table starts at its final size; 25,000 values in runs of 8:
        // more than MAX_FIRST_CAPACITY / 2, so the table doubles on the way
        for (int n : new int[] {N, 200_000}) {
            boolean grows = n > N;
            int distinct = grows ? n / 8 : 200;
            Random rnd = new Random(3);
            ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                b.putFloat(grows ? (i / 8) * 0.125f : (i < distinct ? i : rnd.nextInt(distinct)) * 0.125f);
            }
            byte[] raw = b.array();
            int limit = Math.min(LorenzoCodec.MAX_DISTINCT, n / LorenzoCodec.RANK_DIVISOR);
            assertEquals(grows, distinct > Ranks.MAX_FIRST_CAPACITY / 2);
            int[] ids = new int[n];
            long[] values = new long[limit];
            assertTrue(mayHaveFew(raw, 4));
            int nd = Ranks.distinct32(raw, 0, n, limit, ids, new long[Ranks.capacity(limit)], values);
            assertEquals(distinct, nd);
            for (int i = 0; i < n; i++) {
                assertEquals((int) Kernels.I32.get(raw, 4 * i), (int) values[ids[i]], "element " + i + " of " + n);
            }
        }
    }
}
