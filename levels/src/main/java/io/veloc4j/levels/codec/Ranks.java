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

    /**
     * Sampled elements with equal bits at different positions needed before the full scan: with
     * at most {@code limit} distinct values among {@code n}, {@link #sampleSize} random picks hold
     * about 12 such pairs or more whatever the distribution (birthday bound, Cauchy–Schwarz), while
     * data whose values are all distinct, most floating-point fields, holds none.
     */
    static final int MIN_COLLISIONS = 4;

    /** Picks for {@link #mayHaveFew}: about √(32 · limit), so the expected pairs are ≥ 12 when the transform applies. */
    static int sampleSize(int limit) {
        return (int) Math.ceil(Math.sqrt(32.0 * limit));
    }

    /**
     * Whether the {@code n} elements of {@code width} bytes at {@code raw[off]} may have at most
     * {@code limit} distinct values, judged from {@link #sampleSize} pseudo-random picks: false
     * when fewer than {@link #MIN_COLLISIONS} pairs of picks at different positions hold equal
     * bits. Costs a few hundred lookups where {@link #distinct32}'s own early exit needs 4096 on
     * data that never repeats; a false "no" only forgoes the transform (rare: fewer than 4 pairs
     * where about 12 are expected). {@code table} needs {@link #sampleTable}(limit) longs.
     */
    static boolean mayHaveFew(byte[] raw, int off, int n, int width, int limit, long[] table) {
        int m = sampleSize(limit);
        if (2 * m >= n) {
            return true; // small chunk: the full scan is as cheap
        }
        int cap = sampleTable(limit);
        int mask = cap - 1;
        // entries: position + 1 in the low 32 bits, a 32-bit hash of the bits above; 0 = empty
        Arrays.fill(table, 0, cap, 0L);
        long state = 0x9E3779B97F4A7C15L ^ n;
        int pairs = 0;
        for (int k = 0; k < m; k++) {
            state ^= state << 13;
            state ^= state >>> 7;
            state ^= state << 17;
            int pos = (int) ((state >>> 33) % n);
            long v = width == 8 ? (long) Kernels.I64.get(raw, off + 8 * pos) : (int) Kernels.I32.get(raw, off + 4 * pos);
            long h = v * 0x9E3779B97F4A7C15L;
            int tag = (int) (h >>> 32);
            int i = (int) (h >>> 40) & mask;
            while (true) {
                long e = table[i];
                if (e == 0) {
                    table[i] = (long) tag << 32 | (pos + 1);
                    break;
                }
                int at = (int) e - 1;
                if ((int) (e >>> 32) == tag && at != pos && equal(raw, off, width, at, pos)) {
                    if (++pairs >= MIN_COLLISIONS) {
                        return true;
                    }
                    break;
                }
                if (at == pos) {
                    break; // the same element picked twice says nothing
                }
                i = (i + 1) & mask;
            }
        }
        return false;
    }

    /** Table size for {@link #mayHaveFew}: a power of two at least 4 × the picks. */
    static int sampleTable(int limit) {
        return Integer.highestOneBit(sampleSize(limit) * 4 - 1) << 1;
    }

    private static boolean equal(byte[] raw, int off, int width, int a, int b) {
        return width == 8 ? (long) Kernels.I64.get(raw, off + 8 * a) == (long) Kernels.I64.get(raw, off + 8 * b)
                : (int) Kernels.I32.get(raw, off + 4 * a) == (int) Kernels.I32.get(raw, off + 4 * b);
    }

    /** Smallest hash table capacity. */
    static final int FIRST_CAPACITY = 1024;

    /**
     * Largest first capacity: the table starts at its final size up to this (growing it on the way,
     * rehashing at every doubling, cost as much as the scan itself), and doubles beyond it only for
     * the rare chunk with this many distinct values.
     */
    static final int MAX_FIRST_CAPACITY = 1 << 14;

    /** Capacity the scan starts with for up to {@code limit} distinct values. */
    static int firstCapacity(int limit) {
        return Math.min(capacity(limit), MAX_FIRST_CAPACITY);
    }

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
        int cap = firstCapacity(limit);
        int hmask = cap - 1;
        int shift = 32 - Integer.numberOfTrailingZeros(cap);
        int grow = cap >>> 1;
        Arrays.fill(table, 0, cap, 0L);
        int nd = 0;
        int checkpoint = PROBE;
        // no shortcut for runs of one value: where values are few they also change often (the
        // quantized field of the real data: 59 % of elements differ from their predecessor), and
        // the unpredictable branch cost more than the lookups it saved (2.9 vs 2.1 ns an element)
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
        int cap = firstCapacity(limit);
        int hmask = cap - 1;
        int shift = 64 - Integer.numberOfTrailingZeros(cap);
        int grow = cap >>> 1;
        Arrays.fill(slots, 0, cap, 0);
        int nd = 0;
        int checkpoint = PROBE;
        long last = 0;
        int lastId = 0;
        for (int i = 0; i < n; i++) {
            if (i == checkpoint) {
                if (hopeless(i, nd)) {
                    return -1;
                }
                checkpoint <<= 1;
            }
            long v = (long) Kernels.I64.get(raw, off + 8 * i);
            if (v == last && i > 0) {
                ids[i] = lastId;
                continue;
            }
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
            last = v;
            lastId = id;
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
