package io.veloc4j.levels.erasure;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rotated layout: every member holds one symbol of every codeword, and for set sizes 3..16
 * with data streams of unequal lengths every pattern of up to m lost members rebuilds every lost
 * stream bit-exact from the layout's sources (in memory; {@link ErasureEndToEndTest} does it with
 * files, stripes and checksums).
 */
class ErasureLayoutTest {

    @Test
    void everyMemberHoldsOneSymbolOfEveryCodeword() {
        for (int n = 2; n <= 16; n++) {
            for (int m = 1; m < n; m++) {
                ErasureLayout l = new ErasureLayout(n, m, new long[n], 64);
                int k = n - m;
                for (int c = 0; c < n; c++) {
                    Set<Integer> holders = new HashSet<>();
                    for (int s = 0; s < n; s++) {
                        int h = l.holder(c, s);
                        holders.add(h);
                        assertEquals(s, l.symbolOf(c, h));
                    }
                    assertEquals(n, holders.size(), "n=" + n + " m=" + m + " codeword " + c);
                }
                for (int i = 0; i < n; i++) {
                    Set<Integer> codewords = new HashSet<>();
                    for (int p = 0; p < k; p++) {
                        int c = l.codewordOfPiece(i, p);
                        assertEquals(i, l.holder(c, p));
                        codewords.add(c);
                    }
                    for (int j = 0; j < m; j++) {
                        int c = l.parityCodeword(i, j);
                        assertEquals(i, l.parityHolder(c, j));
                        codewords.add(c);
                    }
                    assertEquals(n, codewords.size(), "member " + i + " has a symbol in each codeword once");
                }
            }
        }
    }

    @Test
    void pieceLengthCoversTheLongestStream() {
        ErasureLayout l = new ErasureLayout(4, 2, new long[] {10, 1001, 0, 77}, 64);
        assertEquals(501, l.pieceLength());
        assertEquals(8, l.stripes());
        assertEquals(501 - 7 * 64, l.stripeLength(7));
        assertEquals(0, l.realBytes(0, 1, 0, 64), "member 0's second piece is all padding");
        assertEquals(10, l.realBytes(0, 0, 0, 64));
        assertEquals(1001 - 501 - 64, l.realBytes(1, 1, 64, 501 - 64));
        assertTrue(l.survives(List.of(1, 3)));
        assertFalse(l.survives(List.of(1, 2, 3)));
        assertThrows(IllegalArgumentException.class, () -> new ErasureLayout(4, 4, new long[4], 64));
        assertThrows(IllegalArgumentException.class, () -> new ErasureLayout(4, 1, new long[4], 60));
        assertThrows(IllegalArgumentException.class, () -> l.stripeLength(8));
    }

    @Test
    void everyPatternOfUpToMLostMembersRebuildsEveryStreamBitExact() {
        Random r = new Random(1216);
        int rebuilt = 0;
        for (int n = 3; n <= 16; n++) {
            List<Integer> parities = new ArrayList<>();
            for (int m = 1; m <= Math.min(4, n - 1); m++) {
                parities.add(m);
            }
            if (n - 1 > 4) {
                parities.add(n - 1);
            }
            for (int m : parities) {
                byte[][] streams = unequalStreams(n, r);
                long[] lengths = Arrays.stream(streams).mapToLong(s -> s.length).toArray();
                ErasureLayout l = new ErasureLayout(n, m, lengths, 64);
                long[][][] symbols = encode(l, streams);
                ReedSolomon rs = new ReedSolomon(n - m, m);
                for (int mask = 1; mask < 1 << n; mask++) {
                    int lostCount = Integer.bitCount(mask);
                    if (lostCount > m || (m > 4 && lostCount < m)) {
                        continue; // k = 1 codes: only the patterns of exactly m (their sub-patterns are easier)
                    }
                    for (int lost = 0; lost < n; lost++) {
                        if ((mask & (1 << lost)) != 0) {
                            assertArrayEquals(streams[lost], rebuild(l, rs, symbols, mask, lost),
                                    "n=" + n + " m=" + m + " lost " + Integer.toBinaryString(mask) + ": member " + lost);
                            rebuilt++;
                        }
                    }
                }
            }
        }
        assertTrue(rebuilt > 10_000, rebuilt + " streams rebuilt");
    }

    /** Lengths that differ: one empty, one a multiple of 8, the others odd; at least one not a multiple of k. */
    private static byte[][] unequalStreams(int n, Random r) {
        byte[][] s = new byte[n][];
        for (int i = 0; i < n; i++) {
            int length = i == 0 ? 0 : i == 1 ? 800 : 1 + 2 * r.nextInt(600);
            s[i] = new byte[length];
            r.nextBytes(s[i]);
        }
        return s;
    }

    /** symbols[c][s]: symbol s of codeword c as words, data pieces zero-padded to P. */
    private static long[][][] encode(ErasureLayout l, byte[][] streams) {
        int n = l.size();
        int k = l.dataSymbols();
        int words = Words.of(l.pieceLength());
        ReedSolomon rs = new ReedSolomon(k, l.parity());
        long[][][] symbols = new long[n][n][];
        for (int c = 0; c < n; c++) {
            long[][] data = new long[k][words];
            for (int s = 0; s < k; s++) {
                int member = l.holder(c, s);
                int real = l.realBytes(member, s, 0, (int) l.pieceLength());
                int from = (int) Math.min(l.pieceOffset(s), streams[member].length);
                Words.load(ByteBuffer.wrap(streams[member], from, real), data[s], words);
            }
            long[][] parity = new long[l.parity()][words];
            rs.encode(data, parity, words);
            System.arraycopy(data, 0, symbols[c], 0, k);
            System.arraycopy(parity, 0, symbols[c], k, l.parity());
        }
        return symbols;
    }

    /** Member {@code lost}'s stream from the first k symbols of each of its codewords held by members outside {@code mask}. */
    private static byte[] rebuild(ErasureLayout l, ReedSolomon rs, long[][][] symbols, int mask, int lost) {
        int k = l.dataSymbols();
        int words = Words.of(l.pieceLength());
        ByteBuffer out = ByteBuffer.allocate((int) l.length(lost));
        for (ErasureLayout.PieceSources p : l.rebuildSources(lost)) {
            List<ErasureLayout.SymbolAt> alive = p.from().stream().filter(a -> (mask & (1 << a.member())) == 0).toList();
            assertTrue(alive.size() >= k);
            int[] present = new int[k];
            long[][] in = new long[k][];
            for (int i = 0; i < k; i++) {
                present[i] = alive.get(i).symbol();
                in[i] = symbols[p.codeword()][present[i]];
            }
            long[][] decoded = {new long[words]};
            rs.decode(present, in, new int[] {p.piece()}, decoded, words);
            assertArrayEquals(symbols[p.codeword()][p.piece()], decoded[0], "the lost piece, padding included");
            int real = l.realBytes(lost, p.piece(), 0, (int) l.pieceLength());
            ByteBuffer piece = ByteBuffer.allocate(words * 8);
            Words.store(decoded[0], real, piece);
            out.put(piece.flip());
        }
        return out.array();
    }
}
