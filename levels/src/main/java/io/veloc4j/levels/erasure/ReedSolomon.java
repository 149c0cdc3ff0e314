package io.veloc4j.levels.erasure;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A systematic Reed-Solomon code over GF(2^8): k data symbols and m parity symbols per codeword,
 * k + m ≤ 256. Symbols are equal-length strings of bytes, handled as {@code long[]} words (eight
 * bytes each, see {@link Words}); every byte position is coded on its own.
 *
 * <p>Parity j is {@code Σ_i C[j][i] · data_i} with C a Cauchy matrix ({@code 1 / (x_j + y_i)},
 * x_j = j, y_i = m + i), scaled so that its first row and first column are all ones. Every square
 * submatrix of a Cauchy matrix is invertible, and scaling rows and columns by non-zero factors
 * keeps that, so any k of the k + m symbols determine the others (MDS). The ones make parity 0 the
 * XOR of the data (so m = 1 is plain XOR parity) and data symbol 0 enter every parity unscaled.
 *
 * <p>Decoding inverts the k × k matrix of the generator rows of k present symbols; the products
 * for each erasure pattern are cached. Thread-safe.
 */
public final class ReedSolomon {

    /** A codeword's symbols at most: the field has 256 elements. */
    public static final int MAX_SYMBOLS = 256;

    /** Longs per pass of the kernels: a block of every source and output stays in L2. */
    static final int BLOCK_WORDS = 2048;

    /** Erasure patterns remembered at most (a set of 16 has 2^16 patterns of any size). */
    private static final int MAX_CACHED = 4096;

    private final int k;
    private final int m;
    /** m rows of k coefficients. */
    private final int[][] parityRows;
    private final Map<List<Integer>, int[][]> decodings = new ConcurrentHashMap<>();

    public ReedSolomon(int dataSymbols, int paritySymbols) {
        if (dataSymbols < 1 || paritySymbols < 1 || dataSymbols + paritySymbols > MAX_SYMBOLS) {
            throw new IllegalArgumentException("a Reed-Solomon code over GF(2^8) needs k ≥ 1 data and m ≥ 1 parity symbols"
                    + " with k + m ≤ " + MAX_SYMBOLS + ", got k = " + dataSymbols + ", m = " + paritySymbols);
        }
        this.k = dataSymbols;
        this.m = paritySymbols;
        this.parityRows = cauchy(k, m);
    }

    private static int[][] cauchy(int k, int m) {
        int[][] c = new int[m][k];
        for (int j = 0; j < m; j++) {
            for (int i = 0; i < k; i++) {
                c[j][i] = GF256.inverse(j ^ (m + i));
            }
        }
        for (int i = 0; i < k; i++) { // columns: row 0 becomes all ones
            int f = GF256.inverse(c[0][i]);
            for (int j = 0; j < m; j++) {
                c[j][i] = GF256.mul(c[j][i], f);
            }
        }
        for (int j = 1; j < m; j++) { // rows: column 0 becomes all ones
            int f = GF256.inverse(c[j][0]);
            for (int i = 0; i < k; i++) {
                c[j][i] = GF256.mul(c[j][i], f);
            }
        }
        return c;
    }

    public int dataSymbols() {
        return k;
    }

    public int paritySymbols() {
        return m;
    }

    public int symbols() {
        return k + m;
    }

    /** The coefficient of data symbol {@code data} in parity symbol {@code parity}. */
    public int coefficient(int parity, int data) {
        return parityRows[parity][data];
    }

    /** Symbol s as a combination of the data symbols: a unit row for data, a Cauchy row for parity. */
    private int[] generatorRow(int s) {
        if (s < k) {
            int[] r = new int[k];
            r[s] = 1;
            return r;
        }
        return parityRows[s - k].clone();
    }

    /** {@code parity[j] = Σ_i C[j][i] · data[i]} over the first {@code words} longs. */
    public void encode(long[][] data, long[][] parity, int words) {
        if (data.length != k || parity.length != m) {
            throw new IllegalArgumentException("encode needs " + k + " data and " + m + " parity symbols, got "
                    + data.length + " and " + parity.length);
        }
        combine(parityRows, data, parity, words);
    }

    /**
     * The coefficients that compute the {@code wanted} symbols from the {@code present} ones:
     * row w, column i is the factor of present symbol i in wanted symbol w. {@code present} holds
     * exactly k distinct symbol indices; cached per pattern.
     */
    public int[][] decodingMatrix(int[] present, int[] wanted) {
        List<Integer> key = key(present, wanted);
        int[][] cached = decodings.get(key);
        if (cached != null) {
            return cached;
        }
        int[][] rows = new int[k][];
        for (int i = 0; i < k; i++) {
            rows[i] = generatorRow(present[i]);
        }
        int[][] inverse = invert(rows);
        int[][] out = new int[wanted.length][k];
        for (int w = 0; w < wanted.length; w++) {
            int[] g = generatorRow(wanted[w]);
            for (int i = 0; i < k; i++) {
                int sum = 0;
                for (int j = 0; j < k; j++) {
                    sum ^= GF256.mul(g[j], inverse[j][i]);
                }
                out[w][i] = sum;
            }
        }
        if (decodings.size() >= MAX_CACHED) {
            decodings.clear();
        }
        decodings.put(key, out);
        return out;
    }

    private List<Integer> key(int[] present, int[] wanted) {
        if (present.length != k) {
            throw new IllegalArgumentException("decoding needs exactly " + k + " present symbols, got " + present.length);
        }
        boolean[] seen = new boolean[k + m];
        Integer[] key = new Integer[present.length + 1 + wanted.length];
        int n = 0;
        for (int s : present) {
            if (s < 0 || s >= k + m || seen[s]) {
                throw new IllegalArgumentException("present symbols " + Arrays.toString(present)
                        + " must be distinct symbols of 0.." + (k + m - 1));
            }
            seen[s] = true;
            key[n++] = s;
        }
        key[n++] = -1;
        for (int s : wanted) {
            if (s < 0 || s >= k + m) {
                throw new IllegalArgumentException("wanted symbol " + s + " is not one of 0.." + (k + m - 1));
            }
            key[n++] = s;
        }
        return List.of(key);
    }

    /**
     * Computes the {@code wanted} symbols from the {@code present} ones (k distinct indices,
     * {@code symbols[i]} holding symbol {@code present[i]}) over the first {@code words} longs.
     */
    public void decode(int[] present, long[][] symbols, int[] wanted, long[][] out, int words) {
        if (symbols.length != present.length || out.length != wanted.length) {
            throw new IllegalArgumentException("decode: " + present.length + " present indices for " + symbols.length
                    + " symbols, " + wanted.length + " wanted for " + out.length + " outputs");
        }
        combine(decodingMatrix(present, wanted), symbols, out, words);
    }

    /**
     * {@code out[o] = Σ_i coefficients[o][i] · in[i]} over the first {@code words} longs, block by
     * block so that a block of every input and output stays in cache between passes.
     */
    static void combine(int[][] coefficients, long[][] in, long[][] out, int words) {
        for (int from = 0; from < words; from += BLOCK_WORDS) {
            int to = Math.min(words, from + BLOCK_WORDS);
            for (int o = 0; o < out.length; o++) {
                int[] row = coefficients[o];
                boolean first = true;
                for (int i = 0; i < in.length; i++) {
                    int c = row[i];
                    if (c == 0) {
                        continue;
                    }
                    if (first) {
                        GF256.mul(c, in[i], out[o], from, to);
                        first = false;
                    } else {
                        GF256.mulAdd(c, in[i], out[o], from, to);
                    }
                }
                if (first) {
                    Arrays.fill(out[o], from, to, 0L);
                }
            }
        }
    }

    /** Gauss-Jordan over GF(2^8); the rows of an MDS code's generator are never singular. */
    private static int[][] invert(int[][] a) {
        int n = a.length;
        int[][] w = new int[n][2 * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a[i], 0, w[i], 0, n);
            w[i][n + i] = 1;
        }
        for (int col = 0; col < n; col++) {
            int pivot = col;
            while (pivot < n && w[pivot][col] == 0) {
                pivot++;
            }
            if (pivot == n) {
                throw new IllegalStateException("singular decoding matrix: the code is not MDS (a bug)");
            }
            int[] t = w[pivot];
            w[pivot] = w[col];
            w[col] = t;
            int f = GF256.inverse(w[col][col]);
            for (int j = 0; j < 2 * n; j++) {
                w[col][j] = GF256.mul(w[col][j], f);
            }
            for (int r = 0; r < n; r++) {
                int g = w[r][col];
                if (r != col && g != 0) {
                    for (int j = 0; j < 2 * n; j++) {
                        w[r][j] ^= GF256.mul(g, w[col][j]);
                    }
                }
            }
        }
        int[][] inv = new int[n][n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(w[i], n, inv[i], 0, n);
        }
        return inv;
    }
}
