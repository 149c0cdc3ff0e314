package io.veloc4j.levels.erasure;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;

/**
 * Where every byte of an erasure set goes: n members, m parity, rotated systematic Reed-Solomon
 * (as SCR's). There are n codewords of n symbols, one symbol per member: codeword c has its data
 * symbols on members (c + s) mod n for s &lt; k = n − m and its parity symbols on members
 * (c + s) mod n for k ≤ s &lt; n. Member i's data stream (its rank files one after another, L_i
 * bytes) is cut into k pieces of P = ⌈max L / k⌉ bytes, piece s being its data symbol s of
 * codeword (i − s) mod n; a stream shorter than k·P is padded with zeros, logically (the zeros are
 * never stored or sent). Member i also holds m parity pieces of P bytes, parity j of codeword
 * (i − k − j) mod n. Each member holds exactly one symbol of every codeword, so losing any m
 * members loses at most m symbols of each, and every codeword still decodes. Parity per member is
 * m·P, about m / k of its data.
 *
 * <p>Pieces are processed in stripes of {@code stripeSize} bytes (the last one shorter): stripe t
 * of every symbol of a codeword covers the same bytes [t·S, t·S + length) of the symbol.
 *
 * @param size       n, the members
 * @param parity     m, parity symbols per codeword
 * @param lengths    L_i: each member's data stream length, in set order
 * @param stripeSize S
 */
public record ErasureLayout(int size, int parity, long[] lengths, int stripeSize) {

    public ErasureLayout {
        lengths = lengths.clone();
        if (size < 2 || size > ReedSolomon.MAX_SYMBOLS || parity < 1 || parity >= size || lengths.length != size) {
            throw new IllegalArgumentException("no erasure layout of " + size + " members with " + parity + " parity and "
                    + lengths.length + " lengths");
        }
        if (stripeSize < 8 || stripeSize % 8 != 0) {
            throw new IllegalArgumentException("stripe size " + stripeSize + " is not a positive multiple of 8");
        }
        for (long l : lengths) {
            if (l < 0) {
                throw new IllegalArgumentException("negative data length in " + Arrays.toString(lengths));
            }
        }
    }

    @Override
    public long[] lengths() {
        return lengths.clone();
    }

    /** L_i. */
    public long length(int member) {
        return lengths[member];
    }

    /** k = n − m. */
    public int dataSymbols() {
        return size - parity;
    }

    /** P: the length of every piece, data and parity. */
    public long pieceLength() {
        long max = Arrays.stream(lengths).max().orElse(0);
        return (max + dataSymbols() - 1) / dataSymbols();
    }

    /** Stripes per piece. */
    public int stripes() {
        return Math.toIntExact((pieceLength() + stripeSize - 1) / stripeSize);
    }

    /** Bytes of stripe t of every piece. */
    public int stripeLength(int stripe) {
        long p = pieceLength();
        if (stripe < 0 || (long) stripe * stripeSize >= p) {
            throw new IllegalArgumentException("stripe " + stripe + " is not one of the " + stripes() + " stripes");
        }
        return (int) Math.min(stripeSize, p - (long) stripe * stripeSize);
    }

    /** The member holding symbol s of codeword c. */
    public int holder(int codeword, int symbol) {
        checkCodeword(codeword);
        if (symbol < 0 || symbol >= size) {
            throw new IllegalArgumentException("symbol " + symbol + " of a codeword of " + size);
        }
        return (codeword + symbol) % size;
    }

    /** Which symbol of codeword c member i holds. */
    public int symbolOf(int codeword, int member) {
        checkCodeword(codeword);
        checkMember(member);
        return Math.floorMod(member - codeword, size);
    }

    public boolean isData(int symbol) {
        return symbol < dataSymbols();
    }

    /** The codeword whose data symbol {@code piece} is member i's piece {@code piece}. */
    public int codewordOfPiece(int member, int piece) {
        checkMember(member);
        if (piece < 0 || piece >= dataSymbols()) {
            throw new IllegalArgumentException("piece " + piece + ": a data stream has " + dataSymbols() + " pieces");
        }
        return Math.floorMod(member - piece, size);
    }

    /** The member holding parity j of codeword c. */
    public int parityHolder(int codeword, int j) {
        checkParity(j);
        return holder(codeword, dataSymbols() + j);
    }

    /** The codeword of member i's parity piece j. */
    public int parityCodeword(int member, int j) {
        checkMember(member);
        checkParity(j);
        return Math.floorMod(member - dataSymbols() - j, size);
    }

    /** Where piece s starts in a data stream. */
    public long pieceOffset(int piece) {
        return piece * pieceLength();
    }

    /**
     * Bytes of member i's piece that its stream really has, from {@code offset} in the piece, at
     * most {@code length}: the rest is zero padding.
     */
    public int realBytes(int member, int piece, long offset, int length) {
        long start = pieceOffset(piece) + offset;
        return (int) Math.max(0, Math.min(length, lengths[member] - start));
    }

    /** Whether every codeword decodes with these members lost: at most m of them. */
    public boolean survives(Collection<Integer> lost) {
        return new HashSet<>(lost).size() <= parity;
    }

    /**
     * What member {@code lost}'s data stream is rebuilt from: for each of its pieces, the
     * codeword, the lost symbol, and every other symbol of that codeword (any k of which decode
     * it), data symbols first.
     */
    public List<PieceSources> rebuildSources(int lost) {
        checkMember(lost);
        List<PieceSources> out = new ArrayList<>();
        for (int piece = 0; piece < dataSymbols(); piece++) {
            int c = codewordOfPiece(lost, piece);
            List<SymbolAt> from = new ArrayList<>();
            for (int s = 0; s < size; s++) {
                if (s != piece) {
                    from.add(new SymbolAt(holder(c, s), s));
                }
            }
            out.add(new PieceSources(piece, c, pieceOffset(piece), from));
        }
        return out;
    }

    /** A symbol of a codeword and the member holding it. */
    public record SymbolAt(int member, int symbol) {
    }

    /** A lost piece: its index in the data stream, its codeword, where it starts, and the symbols that rebuild it. */
    public record PieceSources(int piece, int codeword, long streamOffset, List<SymbolAt> from) {
        public PieceSources {
            from = List.copyOf(from);
        }
    }

    private void checkCodeword(int c) {
        if (c < 0 || c >= size) {
            throw new IllegalArgumentException("codeword " + c + " of a set of " + size);
        }
    }

    private void checkMember(int i) {
        if (i < 0 || i >= size) {
            throw new IllegalArgumentException("member " + i + " of a set of " + size);
        }
    }

    private void checkParity(int j) {
        if (j < 0 || j >= parity) {
            throw new IllegalArgumentException("parity " + j + " of " + parity);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ErasureLayout l && l.size == size && l.parity == parity && l.stripeSize == stripeSize
                && Arrays.equals(l.lengths, lengths);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * size + parity) + stripeSize) + Arrays.hashCode(lengths);
    }

    @Override
    public String toString() {
        return "ErasureLayout[n=" + size + ", m=" + parity + ", P=" + pieceLength() + ", S=" + stripeSize + ", lengths="
                + Arrays.toString(lengths) + "]";
    }
}
