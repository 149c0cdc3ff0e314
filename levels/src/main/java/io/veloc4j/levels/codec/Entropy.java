package io.veloc4j.levels.codec;

import java.util.Arrays;

/** Cheap order-0 entropy estimate of a byte range, from a sample of about 8 Ki bytes. */
final class Entropy {

    /**
     * Bits per byte from which a plane is stored verbatim: zstd's Huffman coding would gain ≤ ~3 %
     * there, at 3-4 ns a byte to encode and 1 ns to decode.
     */
    static final double RANDOM_BITS = 7.7;
    /** Ranges shorter than this always go to zstd (its own checks are cheap there). */
    static final int MIN_LENGTH = 4096;
    /** Bytes sampled: the plug-in estimate's bias is then ~255 / (2 · 8192 · ln 2) ≈ 0.02 bits. */
    static final int SAMPLES = 8192;

    private Entropy() {
    }

    /** Whether {@code p[from, from + n)} looks like random bytes; {@code hist} is 1024 ints of scratch. */
    static boolean looksRandom(byte[] p, int from, int n, int[] hist) {
        if (n < MIN_LENGTH) {
            return false;
        }
        Arrays.fill(hist, 0, 1024, 0);
        // about SAMPLES bytes in runs of 16 spread over the range (cache-friendly, no aliasing with
        // short periods), counted in 4 histograms so that runs of equal bytes do not serialize; at
        // most a quarter of a short range (a small chunk's plane), whose bias (≤ 0.09 bits) stays
        // far from the threshold
        int runs = Math.max(1, Math.min(n / 64, SAMPLES / 16));
        long stride = (long) n / runs;
        for (int r = 0; r < runs; r++) {
            int at = from + (int) (r * stride);
            for (int i = at, end = at + 16; i < end; i += 4) {
                hist[p[i] & 0xff]++;
                hist[256 + (p[i + 1] & 0xff)]++;
                hist[512 + (p[i + 2] & 0xff)]++;
                hist[768 + (p[i + 3] & 0xff)]++;
            }
        }
        int count = runs * 16;
        double sum = 0;
        for (int b = 0; b < 256; b++) {
            int c = hist[b] + hist[256 + b] + hist[512 + b] + hist[768 + b];
            if (c > 0) {
                sum += c * Math.log(c);
            }
        }
        double bits = (Math.log(count) - sum / count) / Math.log(2);
        return bits >= RANDOM_BITS;
    }
}
