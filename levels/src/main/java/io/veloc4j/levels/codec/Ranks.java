package io.veloc4j.levels.codec;

import java.util.Arrays;

/**
 * The distinct values of a chunk, for the rank transform of {@link LorenzoCodec}: data with few
 * distinct values (quantized or categorical fields, masks, shared grid coordinates) is recoded as
 * each value's rank among the chunk's sorted distinct values plus the table of those values.
 * Ranks are small, and as smooth as the data, so they predict far better than the values' bits.
 * Stateless; the arrays come from the caller's scratch.
 */
final class Ranks {

    /**
     * Checkpoints: at element 4096, 8192, 16384 … give up when more than 40 % of the elements so
     * far were distinct, or 30 % from 16384 on (the transform pays below 25 %).
     */
    static final int PROBE = 4096;

    /** Whether to give up at checkpoint {@code i} with {@code nd} distinct values so far. */
    static boolean hopeless(int i, int nd) {
        return nd > (i >= 4 * PROBE ? (long) i * 3 / 10 : (long) i * 2 / 5);
    }

    private Ranks() {
    }

    /** First hash table capacity: small enough for L1, grown (doubled) at load 1/2. */
    static final int FIRST_CAPACITY = 1024;

    /** Hash table capacity for up to {@code limit} distinct values: a power of two, load ≤ 1/2. */
    static int capacity(int limit) {
        return Math.max(FIRST_CAPACITY, Integer.highestOneBit(Math.max(8, limit) * 2 - 1) << 1);
    }

    /**
     * Assigns each of the {@code n} 32-bit elements at {@code raw[off]} the id of its bit pattern
     * (ids in order of first appearance) in {@code ids}; the patterns go to {@code values[id]}.
     * Returns the number of distinct patterns, or -1 as soon as there are more than {@code limit},
     * or when that looks {@link #hopeless}. {@code table} (at least
     * {@link #capacity}(limit) long) is the hash table: entries pattern &lt;&lt; 32 | id + 1, 0 empty.
     */
    static int distinct32(byte[] raw, int off, int n, int limit, int[] ids, long[] table, long[] values) {
        int cap = FIRST_CAPACITY;
        int hmask = cap - 1;
        int shift = 32 - Integer.numberOfTrailingZeros(cap);
        int grow = cap >>> 1;
        Arrays.fill(table, 0, cap, 0L);
        int nd = 0;
        int checkpoint = PROBE;
        for (int i = 0; i < n; i++) {
            if (i == checkpoint) {
                if (hopeless(i, nd)) {
                    return -1;
                }
                checkpoint <<= 1;
            }
            int v = (int) Kernels.I32.get(raw, off + 4 * i);
            int id;
            int h = (v * 0x9E3779B9) >>> shift;
            while (true) {
                long e = table[h];
                if (e == 0) {
                    if (nd == limit) {
                        return -1;
                    }
                    values[nd] = v;
                    id = nd++;
                    table[h] = (long) v << 32 | nd;
                    if (nd > grow) {
                        // double the table and reinsert every value
                        cap <<= 1;
                        hmask = cap - 1;
                        shift--;
                        grow = cap >>> 1;
                        Arrays.fill(table, 0, cap, 0L);
                        for (int k = 0; k < nd; k++) {
                            int u = (int) values[k];
                            int g = (u * 0x9E3779B9) >>> shift;
                            while (table[g] != 0) {
                                g = (g + 1) & hmask;
                            }
                            table[g] = (long) u << 32 | (k + 1);
                        }
                    }
                    break;
                }
                if ((int) (e >>> 32) == v) {
                    id = (int) e - 1;
                    break;
                }
                h = (h + 1) & hmask;
            }
            ids[i] = id;
        }
        return nd;
    }

    /**
     * {@link #distinct32} for 64-bit elements: {@code keys} and {@code slots} (at least
     * {@link #capacity}(limit) each) are the hash table, slot id + 1, 0 empty.
     */
    static int distinct64(byte[] raw, int off, int n, int limit, int[] ids, long[] keys, int[] slots, long[] values) {
        int cap = FIRST_CAPACITY;
        int hmask = cap - 1;
        int shift = 64 - Integer.numberOfTrailingZeros(cap);
        int grow = cap >>> 1;
        Arrays.fill(slots, 0, cap, 0);
        int nd = 0;
        int checkpoint = PROBE;
        for (int i = 0; i < n; i++) {
            if (i == checkpoint) {
                if (hopeless(i, nd)) {
                    return -1;
                }
                checkpoint <<= 1;
            }
            long v = (long) Kernels.I64.get(raw, off + 8 * i);
            int id;
            int h = (int) ((v * 0x9E3779B97F4A7C15L) >>> shift);
            while (true) {
                int s = slots[h];
                if (s == 0) {
                    if (nd == limit) {
                        return -1;
                    }
                    keys[h] = v;
                    values[nd] = v;
                    id = nd++;
                    slots[h] = nd;
                    if (nd > grow) {
                        cap <<= 1;
                        hmask = cap - 1;
                        shift--;
                        grow = cap >>> 1;
                        Arrays.fill(slots, 0, cap, 0);
                        for (int k = 0; k < nd; k++) {
                            long u = values[k];
                            int g = (int) ((u * 0x9E3779B97F4A7C15L) >>> shift);
                            while (slots[g] != 0) {
                                g = (g + 1) & hmask;
                            }
                            keys[g] = u;
                            slots[g] = k + 1;
                        }
                    }
                    break;
                }
                if (keys[h] == v) {
                    id = s - 1;
                    break;
                }
                h = (h + 1) & hmask;
            }
            ids[i] = id;
        }
        return nd;
    }

    /**
     * Ranks of 32-bit values: {@code mapped[id]} holds the order-mapped value of id (sign-extended);
     * sorts them into {@code sorted} and stores each id's rank in {@code rankOf}. {@code mapped} is
     * clobbered.
     */
    static void rank32(long[] mapped, int nd, long[] sorted, int[] rankOf) {
        // key: the mapped value with its sign flipped (unsigned order = signed order) above the id
        for (int id = 0; id < nd; id++) {
            mapped[id] = (mapped[id] ^ 0x80000000L) << 32 | id;
        }
        radixSortHigh32(mapped, sorted, nd);
        for (int k = 0; k < nd; k++) {
            rankOf[(int) mapped[k]] = k;
            sorted[k] = (int) ((mapped[k] >>> 32) ^ 0x80000000L);
        }
    }

    /**
     * Sorts {@code a[0, n)} by its high 32 bits as unsigned (3 stable passes of 11 bits), using
     * {@code tmp} ({@code n} longs) as scratch; small inputs are simply sorted.
     */
    static void radixSortHigh32(long[] a, long[] tmp, int n) {
        if (n < 512) {
            // ids in the low half make every value distinct: a plain signed sort after flipping the top bit
            for (int i = 0; i < n; i++) {
                a[i] ^= Long.MIN_VALUE;
            }
            Arrays.sort(a, 0, n);
            for (int i = 0; i < n; i++) {
                a[i] ^= Long.MIN_VALUE;
            }
            return;
        }
        int[] count = new int[2048];
        long[] src = a;
        long[] dst = tmp;
        for (int shift = 32; shift < 64; shift += 11) {
            Arrays.fill(count, 0);
            for (int i = 0; i < n; i++) {
                count[(int) (src[i] >>> shift) & 2047]++;
            }
            int sum = 0;
            for (int d = 0; d < 2048; d++) {
                int c = count[d];
                count[d] = sum;
                sum += c;
            }
            for (int i = 0; i < n; i++) {
                long v = src[i];
                dst[count[(int) (v >>> shift) & 2047]++] = v;
            }
            long[] t = src;
            src = dst;
            dst = t;
        }
        if (src != a) {
            System.arraycopy(src, 0, a, 0, n);
        }
    }

    /**
     * Ranks of 64-bit values: sorts the order-mapped values {@code mapped[id]} into {@code sorted}
     * and stores each id's rank in {@code rankOf}.
     */
    static void rank64(long[] mapped, int nd, long[] sorted, int[] rankOf) {
        System.arraycopy(mapped, 0, sorted, 0, nd);
        Arrays.sort(sorted, 0, nd);
        for (int id = 0; id < nd; id++) {
            rankOf[id] = Arrays.binarySearch(sorted, 0, nd, mapped[id]);
        }
    }

    /** Replaces the ids in {@code ids[0, n)} by their ranks. */
    static void recode(int[] ids, int n, int[] rankOf) {
        for (int i = 0; i < n; i++) {
            ids[i] = rankOf[ids[i]];
        }
    }
}
