package io.veloc4j.levels.codec;

import io.veloc4j.levels.ElementType;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every Vector API kernel computes exactly what its scalar twin computes, on random and
 * structured inputs of every length around the vector width (body, tail, both, neither), at
 * offsets, for every plane mask and row length; and the codecs round-trip once the vector
 * kernels are in use. Skipped where this JVM cannot run them (no jdk.incubator.vector, or
 * vectors narrower than 256 bits).
 */
class VectorKernelsTest {

    private static final int[] LENGTHS = {0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 50, 63, 64, 65, 100, 257, 2048, 2051};

    private static byte[] bytes(int n, long seed, int kind) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = switch (kind) {
                case 0 -> (byte) r.nextInt();
                case 1 -> (byte) (r.nextInt(8) == 0 ? r.nextInt() : 0); // mostly zero planes
                default -> (byte) (i / 7 + (r.nextInt(4) == 0 ? 1 : 0)); // smooth-ish
            };
        }
        return b;
    }

    private static int[] ints(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = switch (i % 3) {
                case 0 -> r.nextInt();
                case 1 -> r.nextInt(1000) - 500;
                default -> i * 3 + r.nextInt(5);
            };
        }
        return a;
    }

    @Test
    void planeGathersAndScatters() {
        assumeTrue(Simd.INTS, "no Vector API kernels on this JVM");
        for (int n : LENGTHS) {
            for (int kind = 0; kind < 3; kind++) {
                byte[] p = bytes(4 * n + 64, n * 31L + kind, kind);
                for (int mask = 0; mask < 16; mask++) {
                    for (int at : new int[] {0, Math.min(3, n)}) {
                        int len = n - at;
                        int[] a = new int[len + 5];
                        int[] b = new int[len + 5];
                        Arrays.fill(a, 77);
                        Arrays.fill(b, 77);
                        Kernels.gather32Scalar(p, n, mask, at, len, a, 2);
                        VectorKernels.gather32(p, n, mask, at, len, b, 2);
                        assertArrayEquals(a, b, "gather32 n " + n + " mask " + mask + " at " + at);
                    }
                }
                int[] t = ints(n, n + 7L * kind);
                for (int at : new int[] {0, 5}) {
                    byte[] pa = new byte[4 * (n + at) + 3];
                    byte[] pb = pa.clone();
                    Kernels.scatter32Scalar(t, n, pa, n + at, at);
                    VectorKernels.scatter32(t, n, pb, n + at, at);
                    assertArrayEquals(pa, pb, "scatter32 n " + n + " at " + at);
                }
                byte[] raw = bytes(4 * n + 6, n * 13L + kind, kind);
                for (int off : new int[] {0, 2}) {
                    byte[] pa = new byte[4 * n];
                    byte[] pb = new byte[4 * n];
                    int[] tile = new int[Kernels.TILE];
                    assertEquals(Kernels.shuffle32Scalar(raw, off, n, tile, pa), VectorKernels.shuffle32(raw, off, n, pb),
                            "shuffle32 OR, n " + n);
                    assertArrayEquals(pa, pb, "shuffle32 n " + n);
                    assertEquals(Kernels.xor32Scalar(raw, off, n, tile, pa), VectorKernels.xor32(raw, off, n, pb), "xor32 OR, n " + n);
                    assertArrayEquals(pa, pb, "xor32 n " + n);
                    byte[] ra = new byte[4 * n + off + 3];
                    byte[] rb = ra.clone();
                    Kernels.unshuffle32Scalar(pa, n, ra, off);
                    VectorKernels.unshuffle32(pa, n, rb, off);
                    assertArrayEquals(ra, rb, "unshuffle32 n " + n);
                    Kernels.unxor32Scalar(pa, n, ra, off);
                    VectorKernels.unxor32(pa, n, tile, rb, off);
                    assertArrayEquals(ra, rb, "unxor32 n " + n);
                    assertArrayEquals(Arrays.copyOfRange(raw, off, off + 4 * n), Arrays.copyOfRange(rb, off, off + 4 * n),
                            "xor32 round trip n " + n);
                }
            }
        }
    }

    @Test
    void orderMappingLoadsAndStores() {
        assumeTrue(Simd.INTS, "no Vector API kernels on this JVM");
        for (int n : LENGTHS) {
            byte[] raw = bytes(4 * (n + 4), n, 0);
            for (int fm : new int[] {0, Kernels.FLOAT_MAP_32}) {
                for (int s : new int[] {0, Math.min(2, n)}) {
                    int[] a = new int[n + 1];
                    int[] b = new int[n + 1];
                    Kernels.loadMapped32Scalar(raw, 8, a, s, n, fm);
                    VectorKernels.loadMapped32(raw, 8, b, s, n, fm);
                    assertArrayEquals(a, b, "loadMapped32 n " + n + " fm " + fm);
                    byte[] oa = new byte[4 * n + 12];
                    byte[] ob = oa.clone();
                    Kernels.storeMapped32Scalar(a, s, n, fm, oa, 4);
                    VectorKernels.storeMapped32(a, s, n, fm, ob, 4);
                    assertArrayEquals(oa, ob, "storeMapped32 n " + n + " fm " + fm);
                    assertArrayEquals(Arrays.copyOfRange(raw, 8, 8 + 4 * (n - s)), Arrays.copyOfRange(ob, 4, 4 + 4 * (n - s)),
                            "map32 is an involution, n " + n);
                }
            }
        }
    }

    @Test
    void lorenzoResidualsBothWays() {
        assumeTrue(Simd.INTS, "no Vector API kernels on this JVM");
        for (int n : LENGTHS) {
            for (int row : new int[] {0, 2, 3, 7, 15, 16, 17, 33, 64, 200, n - 1, n, n + 5}) {
                if (row < 0 || row == 1) {
                    continue;
                }
                int r = Kernels.effectiveRow(row, n);
                int[] mv = ints(n, n * 101L + row);
                // whole chunks in tiles of the given size, as the codecs call them
                for (int tile : new int[] {n == 0 ? 1 : n, 16, 50}) {
                    int[] ta = new int[n + 1];
                    int[] tb = new int[n + 1];
                    int[] za = new int[n];
                    for (int s = 0; s < n; s += tile) {
                        int e = Math.min(n, s + tile);
                        int oa = Kernels.residualsTile32Scalar(mv, s, e, r, ta);
                        int ob = VectorKernels.residualsTile32(mv, s, e, r, tb);
                        assertEquals(oa, ob, "residuals OR n " + n + " row " + r + " tile " + tile);
                        assertArrayEquals(Arrays.copyOf(ta, e - s), Arrays.copyOf(tb, e - s), "residuals n " + n + " row " + r);
                        System.arraycopy(ta, 0, za, s, e - s);
                    }
                    int[] ua = za.clone();
                    int[] ub = za.clone();
                    int[] uc = za.clone();
                    int[] ud = za.clone();
                    int[] table32 = new int[64];
                    long[] table64 = new long[64];
                    for (int k = 0; k < 64; k++) {
                        table32[k] = k * 0x01010101;
                        table64[k] = k * 0x0101010101010101L;
                    }
                    byte[] r32a = new byte[4 * n];
                    byte[] r32b = new byte[4 * n];
                    byte[] r64a = new byte[8 * n];
                    byte[] r64b = new byte[8 * n];
                    int wa = 0;
                    int wb = 0;
                    int wc = 0;
                    int wd = 0;
                    for (int s = 0; s < n; s += tile) {
                        int e = Math.min(n, s + tile);
                        wa = Kernels.unresidualsTile32Scalar(ua, s, e, r, wa);
                        wb = VectorKernels.unresidualsTile32(ub, s, e, r, wb);
                        wc = VectorKernels.unresidualsRanks32(uc, s, e, r, wc, table32, r32b, 4 * s);
                        wd = VectorKernels.unresidualsRanks64(ud, s, e, r, wd, table64, r64b, 8 * s);
                        for (int i = s; i < e; i++) {
                            Kernels.I32.set(r32a, 4 * i, table32[ua[i] & 63]);
                            Kernels.I64.set(r64a, 8 * i, table64[ua[i] & 63]);
                        }
                    }
                    assertArrayEquals(mv, ua, "scalar unresiduals n " + n + " row " + r);
                    assertArrayEquals(ua, ub, "unresiduals n " + n + " row " + r + " tile " + tile);
                    assertArrayEquals(ua, uc, "unresidualsRanks32 values n " + n + " row " + r);
                    assertArrayEquals(ua, ud, "unresidualsRanks64 values n " + n + " row " + r);
                    assertEquals(wa, wb);
                    assertEquals(wa, wc);
                    assertEquals(wa, wd);
                    assertArrayEquals(r32a, r32b, "rank lookups 32 n " + n + " row " + r);
                    assertArrayEquals(r64a, r64b, "rank lookups 64 n " + n + " row " + r);
                }
            }
        }
    }

    @Test
    void codecsRoundTripOnTheVectorKernels() throws InterruptedException {
        assumeTrue(Simd.INTS, "no Vector API kernels on this JVM");
        assumeTrue(Simd.awaitWarmUp(5, TimeUnit.MINUTES), "the vector kernels did not warm up");
        assertEquals(true, Simd.ints());
        for (int row : new int[] {0, 2, 33, 100}) {
            for (Codec c : CodecRoundTripTest.allCodecs(row, 1)) {
                if (c.type() != ElementType.FLOAT32 && c.type() != ElementType.INT32) {
                    continue;
                }
                for (int n : new int[] {0, 1, 15, 16, 17, 100, 4097, 20011}) {
                    for (CodecTestData.Case k : CodecTestData.cases(c.type(), n, row)) {
                        CodecRoundTripTest.roundTrip(c, k.data(), c.kind().label() + "/" + c.type() + " row " + row + " n " + n
                                + " " + k.name() + " (vector kernels)");
                    }
                }
            }
        }
    }
}
