package io.veloc4j.levels.codec;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;

/**
 * One thread's working memory for a codec call: zstd contexts and scratch arrays, grown on demand
 * and reused. Never shared by two calls at once (see {@link ScratchPool}).
 */
final class Scratch {

    private final int level;
    private ZstdCompressCtx cctx;
    private ZstdCompressCtx planeCctx;
    private ZstdDecompressCtx dctx;
    private byte[] planes;
    private byte[] aux;
    private byte[] small;
    private long[] keys;
    private int[] slots;
    private long[] values;
    private int[] ranks;
    private long[] table64;
    private long[] sorted;
    private int[] table32;
    private long[] fcm64;
    private long[] dfcm64;
    private int[] fcm32;
    private int[] dfcm32;
    private final int[] histogram = new int[1024];
    private int[] ints;
    private final int[] tile32 = new int[Kernels.TILE];
    private final long[] tile64 = new long[Kernels.TILE];
    private long[] longs;

    Scratch(int level) {
        this.level = level;
    }

    /** Chunk-sized ints: mapped values or ranks. */
    int[] ints(int size) {
        if (ints == null || ints.length < size) {
            ints = new int[grow(ints == null ? 0 : ints.length, size)];
        }
        return ints;
    }

    /** Chunk-sized longs: mapped values. */
    long[] longs(int size) {
        if (longs == null || longs.length < size) {
            longs = new long[grow(longs == null ? 0 : longs.length, size)];
        }
        return longs;
    }

    int[] tile32() {
        return tile32;
    }

    long[] tile64() {
        return tile64;
    }

    int[] histogram() {
        return histogram;
    }

    ZstdCompressCtx cctx() {
        if (cctx == null) {
            cctx = new ZstdCompressCtx();
            cctx.setLevel(level);
            cctx.setChecksum(false);
            cctx.setContentSize(true);
        }
        return cctx;
    }

    /**
     * The context for byte planes of transformed values: at the fast levels (1, 2) with a smaller
     * hash table and longer minimum match than zstd's defaults, which on planes is 5-15 % faster
     * for the same size (matches there are runs and repeats, rarely short).
     */
    ZstdCompressCtx planeCctx() {
        if (planeCctx == null) {
            planeCctx = new ZstdCompressCtx();
            planeCctx.setLevel(level);
            planeCctx.setChecksum(false);
            planeCctx.setContentSize(true);
            if (level >= 1 && level <= 2) {
                planeCctx.setHashLog(12);
                planeCctx.setMinMatch(7);
            }
        }
        return planeCctx;
    }

    ZstdDecompressCtx dctx() {
        if (dctx == null) {
            dctx = new ZstdDecompressCtx();
        }
        return dctx;
    }

    private static int grow(int have, int need) {
        return Math.max(need, Math.min(Integer.MAX_VALUE - 16, have + (have >> 3)));
    }

    /** Byte planes of the transformed values. */
    byte[] planes(int size) {
        if (planes == null || planes.length < size) {
            planes = new byte[grow(planes == null ? 0 : planes.length, size)];
        }
        return planes;
    }

    /** A second chunk-sized byte buffer (ranks). */
    byte[] aux(int size) {
        if (aux == null || aux.length < size) {
            aux = new byte[grow(aux == null ? 0 : aux.length, size)];
        }
        return aux;
    }

    /** A third byte buffer, for small side streams (rank table, FPC selectors). */
    byte[] small(int size) {
        if (small == null || small.length < size) {
            small = new byte[grow(small == null ? 0 : small.length, size)];
        }
        return small;
    }

    long[] keys(int size) {
        if (keys == null || keys.length < size) {
            keys = new long[size];
        }
        return keys;
    }

    int[] slots(int size) {
        if (slots == null || slots.length < size) {
            slots = new int[size];
        }
        return slots;
    }

    long[] values(int size) {
        if (values == null || values.length < size) {
            values = new long[size];
        }
        return values;
    }

    int[] ranks(int size) {
        if (ranks == null || ranks.length < size) {
            ranks = new int[size];
        }
        return ranks;
    }

    /** At least {@code size} longs: the sorted distinct values when encoding ranks. */
    long[] sorted(int size) {
        if (sorted == null || sorted.length < size) {
            sorted = new long[size];
        }
        return sorted;
    }

    /** Exactly {@code size} longs, a power of two (rank tables are indexed by mask). */
    long[] table64(int size) {
        if (table64 == null || table64.length != size) {
            table64 = new long[size];
        }
        return table64;
    }

    /** Exactly {@code size} ints, a power of two (rank tables are indexed by mask). */
    int[] table32(int size) {
        if (table32 == null || table32.length != size) {
            table32 = new int[size];
        }
        return table32;
    }

    long[] fcm64(int size) {
        if (fcm64 == null || fcm64.length != size) {
            fcm64 = new long[size];
            dfcm64 = new long[size];
        }
        return fcm64;
    }

    long[] dfcm64() {
        return dfcm64;
    }

    int[] fcm32(int size) {
        if (fcm32 == null || fcm32.length != size) {
            fcm32 = new int[size];
            dfcm32 = new int[size];
        }
        return fcm32;
    }

    int[] dfcm32() {
        return dfcm32;
    }
}
