package io.veloc4j.levels.codec;

import io.veloc4j.levels.ElementType;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every kind × every element type it applies to decodes bit-exact whatever the input. */
class CodecRoundTripTest {

    static final int[] LENGTHS = {0, 1, 2, 3, 7, 8, 9, 63, 64, 65, 1000, 4097, 20011};
    static final int[] ROWS = {0, 1, 2, 7, 100, 1 << 30};

    static List<Codec> allCodecs(int row, int level) {
        List<Codec> out = new ArrayList<>();
        for (CodecKind k : CodecKind.values()) {
            for (ElementType t : ElementType.values()) {
                if (k.appliesTo(t)) {
                    out.add(Codecs.of(k, t, row, level));
                }
            }
        }
        return out;
    }

    /**
     * Encodes {@code data} at offsets ≠ 0 in input and output, checks the bound, decodes at an offset
     * into a guarded buffer and compares bytes; returns the frame length.
     */
    static int roundTrip(Codec c, byte[] data, String what) {
        int inOff = 3;
        int outOff = 5;
        byte[] in = new byte[data.length + inOff + 4];
        Arrays.fill(in, (byte) 0x5A);
        System.arraycopy(data, 0, in, inOff, data.length);
        int bound = c.maxEncodedLength(data.length);
        byte[] out = new byte[outOff + bound + 3];
        int len = c.encode(in, inOff, data.length, out, outOff);
        assertTrue(len > 0 && len <= bound, what + ": frame " + len + " vs bound " + bound);
        byte[] frame = Arrays.copyOfRange(out, outOff, outOff + len);
        // the encoder must not have touched the input
        for (int i = 0; i < inOff; i++) {
            assertEquals((byte) 0x5A, in[i], what);
        }
        int rawOff = 7;
        byte[] back = new byte[data.length + rawOff + 9];
        Arrays.fill(back, (byte) 0xA5);
        byte[] enc = new byte[len + 11];
        System.arraycopy(frame, 0, enc, 2, len);
        c.decode(enc, 2, len, back, rawOff, data.length);
        assertArrayEquals(data, Arrays.copyOfRange(back, rawOff, rawOff + data.length), what);
        for (int i = 0; i < rawOff; i++) {
            assertEquals((byte) 0xA5, back[i], what + ": wrote before rawOff");
        }
        for (int i = rawOff + data.length; i < back.length; i++) {
            assertEquals((byte) 0xA5, back[i], what + ": wrote past rawLen");
        }
        return len;
    }

    @TestFactory
    List<DynamicTest> everyKindTypeLengthAndRow() {
        List<DynamicTest> tests = new ArrayList<>();
        for (int row : ROWS) {
            for (Codec c : allCodecs(row, 1)) {
                tests.add(DynamicTest.dynamicTest(c.kind().label() + "/" + c.type() + "/row=" + row, () -> {
                    for (int n : LENGTHS) {
                        for (CodecTestData.Case k : CodecTestData.cases(c.type(), n, row)) {
                            roundTrip(c, k.data(), c.kind().label() + "/" + c.type() + " row " + row + " n " + n + " " + k.name());
                        }
                    }
                }));
            }
        }
        return tests;
    }

    @Test
    void otherLevelsRoundTrip() {
        for (int level : new int[] {-5, 3, 19}) {
            for (Codec c : allCodecs(64, level)) {
                for (CodecTestData.Case k : CodecTestData.cases(c.type(), 5000, 64)) {
                    roundTrip(c, k.data(), c.kind().label() + "/" + c.type() + " level " + level + " " + k.name());
                }
            }
        }
    }

    @Test
    void floatSpecialsSurviveAlone() {
        // every special next to every other, in every position of a row
        for (CodecKind kind : CodecKind.values()) {
            byte[] f = new byte[CodecTestData.FLOAT_SPECIALS.length * CodecTestData.FLOAT_SPECIALS.length * 4];
            int i = 0;
            for (int a : CodecTestData.FLOAT_SPECIALS) {
                for (int b : CodecTestData.FLOAT_SPECIALS) {
                    CodecTestData.put(f, ElementType.FLOAT32, i++, (i % 2 == 0 ? a : b) & 0xffffffffL);
                }
            }
            byte[] d = new byte[CodecTestData.DOUBLE_SPECIALS.length * CodecTestData.DOUBLE_SPECIALS.length * 8];
            i = 0;
            for (long a : CodecTestData.DOUBLE_SPECIALS) {
                for (long b : CodecTestData.DOUBLE_SPECIALS) {
                    CodecTestData.put(d, ElementType.FLOAT64, i++, i % 2 == 0 ? a : b);
                }
            }
            for (int row : new int[] {0, 3, CodecTestData.FLOAT_SPECIALS.length}) {
                if (kind.appliesTo(ElementType.FLOAT32)) {
                    roundTrip(Codecs.of(kind, ElementType.FLOAT32, row, 1), f, kind + " float specials");
                    roundTrip(Codecs.of(kind, ElementType.FLOAT64, row, 1), d, kind + " double specials");
                }
            }
        }
    }

    @Test
    void chunkStartingMidRowAndLongChunks() {
        // as the engine cuts them: 4 MiB pieces of a longer stream, rows not aligned to the cut
        ElementType t = ElementType.FLOAT32;
        int row = 2401;
        byte[] all = CodecTestData.smooth(t, (3 << 20) / 4, row, 9);
        for (CodecKind k : CodecKind.values()) {
            if (!k.appliesTo(t)) {
                continue;
            }
            Codec c = Codecs.of(k, t, row, 1);
            for (int off : new int[] {0, 4 * 1234, 4 * 99_999}) {
                byte[] piece = Arrays.copyOfRange(all, off, Math.min(all.length, off + (1 << 20) + 4 * 77));
                roundTrip(c, piece, k + " piece at " + off);
            }
        }
        byte[] big = CodecTestData.lowCardinality(ElementType.FLOAT64, (4 << 20) / 8, 3000, 11);
        roundTrip(Codecs.of(CodecKind.LORENZO, ElementType.FLOAT64, 1000, 1), big, "4 MiB low-cardinality doubles");
    }

    @Test
    void rankTransformBoundaries() {
        // distinct counts around the limits of the rank transform (n/4 and MAX_DISTINCT)
        for (ElementType t : new ElementType[] {ElementType.FLOAT32, ElementType.FLOAT64, ElementType.INT32, ElementType.INT64}) {
            Codec c = Codecs.of(CodecKind.LORENZO, t, 50, 1);
            for (int n : new int[] {64, 65, 4096, 4097, 40_000}) {
                for (int d : new int[] {1, 2, n / 4 - 1, n / 4, n / 4 + 1, n / 2}) {
                    if (d < 1) {
                        continue;
                    }
                    byte[] b = new byte[n * t.width()];
                    Random r = new Random(d * 31L + n);
                    for (int i = 0; i < n; i++) {
                        // every one of the d values appears, the rest at random
                        int v = i < d ? i : r.nextInt(d);
                        CodecTestData.put(b, t, i, CodecTestData.bitsOf(t, v * 0.5 - 7));
                    }
                    roundTrip(c, b, t + " n " + n + " distinct " + d);
                }
            }
            int n = 4 * (LorenzoCodec.MAX_DISTINCT + 3);
            byte[] b = new byte[n * t.width()];
            for (int i = 0; i < n; i++) {
                CodecTestData.put(b, t, i, CodecTestData.bitsOf(t, (i * 7919L) % (LorenzoCodec.MAX_DISTINCT + 1)));
            }
            roundTrip(c, b, t + " distinct MAX_DISTINCT + 1");
        }
    }

    @Test
    void concurrentUseOfOneInstance() throws Exception {
        ElementType t = ElementType.FLOAT64;
        for (CodecKind k : CodecKind.values()) {
            if (!k.appliesTo(t)) {
                continue;
            }
            Codec c = Codecs.of(k, t, 128, 1);
            List<byte[]> inputs = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                inputs.add(i % 2 == 0 ? CodecTestData.smooth(t, 30_000 + 1000 * i, 128, i)
                        : CodecTestData.lowCardinality(t, 30_000 + 1000 * i, 100 + i, i));
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> fs = new ArrayList<>();
                for (int rep = 0; rep < 4; rep++) {
                    for (byte[] in : inputs) {
                        fs.add(pool.submit(() -> roundTrip(c, in, k + " concurrent")));
                    }
                }
                for (Future<?> f : fs) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void framesAreDeterministic() {
        for (Codec c : allCodecs(100, 1)) {
            byte[] data = CodecTestData.smooth(c.type(), 10_000, 100, 3);
            byte[] a = new byte[c.maxEncodedLength(data.length)];
            byte[] b = new byte[a.length];
            int la = c.encode(data, 0, data.length, a, 0);
            int lb = c.encode(data, 0, data.length, b, 0);
            assertArrayEquals(Arrays.copyOf(a, la), Arrays.copyOf(b, lb), c.kind() + "/" + c.type());
        }
    }

    @Test
    void factoryAndKinds() {
        for (CodecKind k : CodecKind.values()) {
            for (ElementType t : ElementType.values()) {
                if (k.appliesTo(t)) {
                    Codec c = Codecs.of(k, t, 10, 1);
                    assertSame(k, c.kind());
                    assertSame(t, c.type());
                } else {
                    assertThrows(IllegalArgumentException.class, () -> Codecs.of(k, t, 10, 1), k + " on " + t);
                    CodecKind r = Codecs.resolve(k, t);
                    assertTrue(r.appliesTo(t));
                }
            }
        }
        assertSame(CodecKind.SHUFFLE, Codecs.resolve(CodecKind.XOR, ElementType.INT32));
        assertSame(CodecKind.ZSTD, Codecs.resolve(CodecKind.SHUFFLE, ElementType.INT8));
        assertSame(CodecKind.LORENZO, Codecs.resolve(CodecKind.LORENZO, ElementType.INT16));
    }

    @Test
    void encodeRejectsPartialElements() {
        Codec c = Codecs.of(CodecKind.LORENZO, ElementType.FLOAT32, 0, 1);
        assertThrows(IllegalArgumentException.class, () -> c.encode(new byte[7], 0, 7, new byte[100], 0));
    }

    @Test
    void shuffleLayoutIsByteTransposition() {
        Random r = new Random(5);
        for (int n : new int[] {1, 7, 8, 9, 2047, 2048, 2049, 5000}) {
            long[] t = new long[Kernels.TILE];
            byte[] raw = new byte[8 * n];
            r.nextBytes(raw);
            byte[] p = new byte[8 * n];
            Kernels.shuffle64(raw, 0, n, t, p);
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < 8; k++) {
                    assertEquals(raw[8 * i + k], p[k * n + i], "64-bit n " + n + " element " + i + " byte " + k);
                }
            }
            int[] t4 = new int[Kernels.TILE];
            byte[] q = new byte[4 * n];
            Kernels.shuffle32(raw, 0, n, t4, q);
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < 4; k++) {
                    assertEquals(raw[4 * i + k], q[k * n + i], "32-bit n " + n + " element " + i + " byte " + k);
                }
            }
        }
    }

    @Test
    void predictorsBeatPlainZstdOnSmoothData() {
        for (ElementType t : new ElementType[] {ElementType.FLOAT32, ElementType.FLOAT64}) {
            byte[] data = CodecTestData.smooth(t, 200_000, 400, 1);
            int zstd = roundTrip(Codecs.of(CodecKind.ZSTD, t, 400, 1), data, "zstd");
            int lorenzo = roundTrip(Codecs.of(CodecKind.LORENZO, t, 400, 1), data, "lorenzo");
            int xor = roundTrip(Codecs.of(CodecKind.XOR, t, 400, 1), data, "xor");
            int shuffle = roundTrip(Codecs.of(CodecKind.SHUFFLE, t, 400, 1), data, "shuffle");
            assertTrue(lorenzo < 0.8 * zstd, t + ": lorenzo " + lorenzo + " vs zstd " + zstd);
            assertTrue(shuffle < zstd, t + ": shuffle " + shuffle + " vs zstd " + zstd);
            assertTrue(xor < zstd, t + ": xor " + xor + " vs zstd " + zstd);
        }
        // the rank transform: few distinct values compress far better than their bits predict
        // quantized like elevations in feet from whole metres: k * 3.28 as float, k a random walk
        byte[] q = new byte[4 * 400_000];
        Random r = new Random(1);
        int k = 1000;
        for (int i = 0; i < 400_000; i++) {
            k = Math.max(0, Math.min(2000, k + r.nextInt(3) - 1));
            CodecTestData.put(q, ElementType.FLOAT32, i, Float.floatToRawIntBits(k * 3.28f));
        }
        int zstd = roundTrip(Codecs.of(CodecKind.ZSTD, ElementType.FLOAT32, 0, 1), q, "zstd");
        int lorenzo = roundTrip(Codecs.of(CodecKind.LORENZO, ElementType.FLOAT32, 0, 1), q, "lorenzo");
        int norank = roundTrip(new LorenzoCodec(ElementType.FLOAT32, 0, 1, 0), q, "lorenzo without ranks");
        assertTrue(lorenzo < 0.7 * norank && lorenzo < 0.7 * zstd, "ranks " + lorenzo + " / no ranks " + norank + " / zstd " + zstd);
        // delta on integer ramps
        byte[] ramp = CodecTestData.smooth(ElementType.INT32, 100_000, 0, 1);
        assertTrue(roundTrip(Codecs.of(CodecKind.DELTA, ElementType.INT32, 0, 1), ramp, "delta")
                < 0.7 * roundTrip(Codecs.of(CodecKind.ZSTD, ElementType.INT32, 0, 1), ramp, "zstd"));
    }
}
