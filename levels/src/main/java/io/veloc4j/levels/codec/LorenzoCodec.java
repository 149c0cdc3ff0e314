package io.veloc4j.levels.codec;

import io.veloc4j.levels.ElementType;

/**
 * Floats and integers: 2-D Lorenzo prediction over rows of the variable's trailing extent
 * (pred = W + N − NW; the first row predicts from W, the first element from 0; 1-D previous-element
 * prediction when the row length is 0, 1 or at least the chunk), on floats mapped to ordered
 * integers, residuals zigzagged, shuffled and compressed with zstd.
 *
 * <p>Chunks of 32- and 64-bit elements with few distinct values (at most a quarter of the elements,
 * and {@value #MAX_DISTINCT}) are coded as ranks instead: the sorted distinct values (delta-coded) and
 * each element's rank in them, predicted the same way.
 *
 * <p>Body: varint row length used (0 = 1-D); then without the rank flag one planes block of the
 * residuals; with it (flag bit 0) varint distinct count d, a planes block of the d table deltas (element
 * width) and a planes block of the n rank residuals (4 bytes).
 */
final class LorenzoCodec extends TransformCodec {

    static final int FLAG_RANK = 1;
    /** At most this many distinct values for the rank transform. */
    static final int MAX_DISTINCT = 1 << 16;
    /** Rank transform when distinct values ≤ n / this. */
    static final int RANK_DIVISOR = 4;
    /** No rank transform below this many elements. */
    static final int MIN_RANK_ELEMENTS = 64;

    private final int rowLength;
    private final int rankDivisor;
    private final int fm32;
    private final long fm64;

    LorenzoCodec(ElementType type, int rowLength, int level) {
        this(type, rowLength, level, RANK_DIVISOR, new ScratchPool(level));
    }

    /** @param rankDivisor rank transform when distinct ≤ n / rankDivisor; 0 = never (for measurements) */
    LorenzoCodec(ElementType type, int rowLength, int level, int rankDivisor) {
        this(type, rowLength, level, rankDivisor, new ScratchPool(level));
    }

    LorenzoCodec(ElementType type, int rowLength, int level, int rankDivisor, ScratchPool pool) {
        super(type, level, pool);
        if (rowLength < 0) {
            throw new IllegalArgumentException("row length " + rowLength);
        }
        this.rowLength = rowLength;
        this.rankDivisor = rankDivisor;
        boolean floating = type == ElementType.FLOAT32 || type == ElementType.FLOAT64;
        this.fm32 = floating ? Kernels.FLOAT_MAP_32 : 0;
        this.fm64 = floating ? Kernels.FLOAT_MAP_64 : 0L;
    }

    @Override
    public CodecKind kind() {
        return CodecKind.LORENZO;
    }

    /** Elements per row this codec was built for. */
    public int rowLength() {
        return rowLength;
    }

    @Override
    int encodeBody(Scratch s, byte[] raw, int off, int n, byte[] out, int pos, int flagsAt) {
        int row = Kernels.effectiveRow(rowLength, n);
        pos = putVarint(out, pos, row);
        if (rankDivisor > 0 && width >= 4 && n >= MIN_RANK_ELEMENTS) {
            int limit = Math.min(MAX_DISTINCT, n / rankDivisor);
            int cap = Ranks.capacity(limit);
            int[] ids = s.ints(n);
            long[] values = s.values(limit);
            int nd = !Ranks.mayHaveFew(raw, off, n, width, limit, s.keys(Math.max(cap, Ranks.sampleTable(limit)))) ? -1
                    : width == 8
                    ? Ranks.distinct64(raw, off, n, limit, ids, s.keys(cap), s.slots(cap), values)
                    : Ranks.distinct32(raw, off, n, limit, ids, s.keys(cap), values);
            if (nd > 0) {
                out[flagsAt] = FLAG_RANK;
                return encodeRanks(s, ids, n, nd, values, row, out, pos);
            }
        }
        byte[] p = s.planes(n * width);
        long or = switch (width) {
            case 8 -> Kernels.lorenzo64(raw, off, n, row, fm64, s.longs(n), s.tile64(), p);
            case 4 -> Kernels.lorenzo32(raw, off, n, row, fm32, s.ints(n), s.tile32(), p) & 0xffffffffL;
            case 2 -> Kernels.lorenzo16(raw, off, n, row, p);
            default -> Kernels.lorenzo8(raw, off, n, row, p);
        };
        return putPlanes(s, p, n, width, or, out, pos);
    }

    private int encodeRanks(Scratch s, int[] ids, int n, int nd, long[] values, int row, byte[] out, int pos) {
        long[] sorted = s.sorted(nd);
        int[] rankOf = s.ranks(nd);
        if (width == 8) {
            for (int k = 0; k < nd; k++) {
                values[k] = Kernels.map64(values[k], fm64);
            }
            Ranks.rank64(values, nd, sorted, rankOf);
        } else {
            for (int k = 0; k < nd; k++) {
                values[k] = Kernels.map32((int) values[k], fm32);
            }
            Ranks.rank32(values, nd, sorted, rankOf);
        }
        Ranks.recode(ids, n, rankOf);
        pos = putVarint(out, pos, nd);
        // the table: first value, then the (positive) steps between sorted values
        byte[] t = s.small(nd * width);
        byte[] p = s.planes(Math.max(nd * width, 4 * n));
        long or;
        if (width == 8) {
            long prev = 0;
            for (int k = 0; k < nd; k++) {
                Kernels.I64.set(t, 8 * k, sorted[k] - prev);
                prev = sorted[k];
            }
            or = Kernels.shuffle64(t, 0, nd, s.tile64(), p);
        } else {
            int prev = 0;
            for (int k = 0; k < nd; k++) {
                Kernels.I32.set(t, 4 * k, (int) sorted[k] - prev);
                prev = (int) sorted[k];
            }
            or = Kernels.shuffle32(t, 0, nd, s.tile32(), p) & 0xffffffffL;
        }
        pos = putPlanes(s, p, nd, width, or, out, pos);
        or = Kernels.residuals32(ids, n, row, s.tile32(), p) & 0xffffffffL;
        return putPlanes(s, p, n, 4, or, out, pos);
    }

    @Override
    void decodeBody(Scratch s, In in, int flags, int n, byte[] raw, int rawOff) {
        int row = in.varint(0, n - 1, "row length");
        if (row == 1) {
            throw new IllegalArgumentException("row length 1");
        }
        if ((flags & ~FLAG_RANK) != 0 || (flags != 0 && width < 4)) {
            throw new IllegalArgumentException("lorenzo flags 0x" + Integer.toHexString(flags));
        }
        if (flags == 0) {
            byte[] p = s.planes(n * width);
            int mask = getPlanes(s, in, p, n, width);
            switch (width) {
                case 8 -> Kernels.unlorenzo64(p, n, mask, row, fm64, s.longs(n), raw, rawOff);
                case 4 -> Kernels.unlorenzo32(p, n, mask, row, fm32, s.ints(n), raw, rawOff);
                case 2 -> Kernels.unlorenzo16(p, n, row, raw, rawOff);
                default -> Kernels.unlorenzo8(p, n, row, raw, rawOff);
            }
            return;
        }
        int nd = in.varint(1, Math.min(n, MAX_DISTINCT), "distinct values");
        byte[] p = s.planes(Math.max(nd * width, 4 * n));
        getPlanes(s, in, p, nd, width);
        int[] ranks = s.ints(n);
        int tableLength = Integer.highestOneBit(2 * nd - 1); // a power of two ≥ nd: ranks are masked to it
        if (width == 8) {
            long[] table = s.table64(tableLength);
            long acc = 0;
            for (int k = 0; k < nd; k++) {
                acc += Kernels.gather64(p, k, nd, 2 * nd, 3 * nd, 4 * nd, 5 * nd, 6 * nd, 7 * nd);
                table[k] = Kernels.map64(acc, fm64);
            }
            java.util.Arrays.fill(table, nd, tableLength, 0L);
            int mask = getPlanes(s, in, p, n, 4);
            Kernels.unlorenzoRanks64(p, n, mask, row, ranks, table, raw, rawOff);
        } else {
            int[] table = s.table32(tableLength);
            int acc = 0;
            for (int k = 0; k < nd; k++) {
                acc += Kernels.gather32(p, k, nd, 2 * nd, 3 * nd);
                table[k] = Kernels.map32(acc, fm32);
            }
            java.util.Arrays.fill(table, nd, tableLength, 0);
            int mask = getPlanes(s, in, p, n, 4);
            Kernels.unlorenzoRanks32(p, n, mask, row, ranks, table, raw, rawOff);
        }
    }
}
