package io.veloc4j.levels.codec;

import io.veloc4j.levels.ElementType;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** codec = auto. */
class CodecChooseTest {

    static final Set<CodecKind> FLOAT_PREDICTORS = EnumSet.of(CodecKind.LORENZO, CodecKind.XOR, CodecKind.FPC);

    @Test
    void smoothFloatsGetAPredictor() {
        for (ElementType t : new ElementType[] {ElementType.FLOAT32, ElementType.FLOAT64}) {
            for (int row : new int[] {0, 300}) {
                byte[] data = CodecTestData.smooth(t, 600_000 / t.width() * 4, row, 1);
                long[] sizes = new long[CodecKind.values().length];
                CodecKind k = Codecs.choose(t, row, data, 0, data.length, 1, sizes);
                assertTrue(FLOAT_PREDICTORS.contains(k), t + " row " + row + " chose " + k);
                assertTrue(sizes[k.ordinal()] < sizes[CodecKind.ZSTD.ordinal()], "chosen is smaller than zstd");
                assertTrue(sizes[k.ordinal()] < sizes[CodecKind.SHUFFLE.ordinal()], "chosen is smaller than shuffle");
            }
        }
        // a 2-D field whose rows matter: Lorenzo
        byte[] field = CodecTestData.smooth(ElementType.FLOAT32, 512 * 512, 512, 3);
        assertSame(CodecKind.LORENZO, Codecs.choose(ElementType.FLOAT32, 512, field, 0, field.length, 1));
    }

    @Test
    void quantizedFloatsGetLorenzoRanks() {
        byte[] q = CodecTestData.lowCardinality(ElementType.FLOAT32, 200_000, 1500, 2);
        assertSame(CodecKind.LORENZO, Codecs.choose(ElementType.FLOAT32, 0, q, 0, q.length, 1));
    }

    @Test
    void integers() {
        byte[] ramp = CodecTestData.smooth(ElementType.INT32, 100_000, 0, 1);
        CodecKind k = Codecs.choose(ElementType.INT32, 0, ramp, 0, ramp.length, 1);
        assertTrue(k == CodecKind.DELTA || k == CodecKind.LORENZO, "int ramp chose " + k);

        byte[] counters = new byte[8 * 100_000];
        for (int i = 0; i < 100_000; i++) {
            CodecTestData.put(counters, ElementType.INT64, i, 1_000_000_000L + 3L * i);
        }
        k = Codecs.choose(ElementType.INT64, 0, counters, 0, counters.length, 1);
        assertTrue(k == CodecKind.DELTA || k == CodecKind.LORENZO, "int64 counters chose " + k);

        // random bytes: nothing predicts; whatever is chosen must be no larger than zstd (near-tie: cheapest)
        byte[] random = CodecTestData.random(ElementType.INT16, 100_000, 3);
        long[] sizes = new long[CodecKind.values().length];
        k = Codecs.choose(ElementType.INT16, 0, random, 0, random.length, 1, sizes);
        assertSame(CodecKind.ZSTD, k, "random int16: all within the near-tie margin, so the cheapest");

        byte[] bytes = CodecTestData.smooth(ElementType.INT8, 100_000, 0, 1);
        k = Codecs.choose(ElementType.INT8, 0, bytes, 0, bytes.length, 1);
        assertTrue(k.appliesTo(ElementType.INT8), "int8 chose " + k);
        assertNotEquals(CodecKind.SHUFFLE, k);
    }

    @Test
    void sparseAndRepetitiveDataKeepsPlainZstd() {
        // long runs of exact repeats: prediction only hurts
        byte[] sparse = new byte[4 * 200_000];
        Random r = new Random(1);
        float[] motifs = {0f, 0f, 0f, 1.5f, 2.25f, 0f};
        for (int i = 0; i < 200_000; i++) {
            CodecTestData.put(sparse, ElementType.FLOAT32, i, Float.floatToRawIntBits(motifs[(i / 97 + r.nextInt(2)) % motifs.length]));
        }
        long[] sizes = new long[CodecKind.values().length];
        CodecKind k = Codecs.choose(ElementType.FLOAT32, 0, sparse, 0, sparse.length, 1, sizes);
        long best = Long.MAX_VALUE;
        for (long s : sizes) {
            if (s >= 0) {
                best = Math.min(best, s);
            }
        }
        assertTrue(sizes[k.ordinal()] <= best * (1 + Codecs.NEAR_TIE) + 1, "chose " + k + " " + sizes[k.ordinal()] + " vs best " + best);
    }

    @Test
    void choosesWithinTheGivenRangeAndSmallInputs() {
        byte[] smooth = CodecTestData.smooth(ElementType.FLOAT64, 50_000, 0, 1);
        byte[] padded = new byte[smooth.length + 100];
        new Random(1).nextBytes(padded);
        System.arraycopy(smooth, 0, padded, 37, smooth.length);
        assertTrue(FLOAT_PREDICTORS.contains(Codecs.choose(ElementType.FLOAT64, 0, padded, 37, smooth.length, 1)));
        for (ElementType t : ElementType.values()) {
            for (int n : new int[] {0, 1, 10}) {
                CodecKind k = Codecs.choose(t, 0, new byte[n * t.width()], 0, n * t.width(), 1);
                assertTrue(k.appliesTo(t), t + " n " + n + " chose " + k);
            }
        }
    }

    @Test
    void samplePiecesCoverTheRangeInWholeElements() {
        for (int len : new int[] {8, 1000, Codecs.SAMPLE_BYTES, Codecs.SAMPLE_BYTES + 8, 100 << 20}) {
            for (int row : new int[] {0, 100, 20_000, 1 << 20}) {
                int[][] pieces = Codecs.pieces(len, 8, row);
                long total = 0;
                for (int[] p : pieces) {
                    assertEquals(0, p[0] % 8);
                    assertEquals(0, p[1] % 8);
                    assertTrue(p[0] >= 0 && p[0] + p[1] <= len, "piece inside the range");
                    total += p[1];
                }
                assertTrue(total <= Math.max(len, Codecs.SAMPLE_BYTES));
            }
        }
    }

    @Test
    void theKeptTrialIsTheChosenCodecsEncodingOfTheSample() {
        CodecCache cache = new CodecCache();
        for (ElementType t : new ElementType[] {ElementType.FLOAT32, ElementType.FLOAT64, ElementType.INT32}) {
            byte[] data = CodecTestData.smooth(t, 30_000 / t.width(), 100, 4);
            byte[] keep = new byte[Codecs.trialBound(data.length)];
            Codecs.Choice c = cache.choose(t, 100, 1, data, new int[][] {{0, data.length}}, keep);
            assertTrue(c.encodedLength() > 0, t + ": one piece keeps its encoding");
            assertSame(Codecs.choose(t, 100, data, 0, data.length, 1), c.kind(), t + ": same choice as without keeping");
            Codec codec = Codecs.of(c.kind(), t, 100, 1);
            byte[] again = new byte[codec.maxEncodedLength(data.length)];
            assertEquals(codec.encode(data, 0, data.length, again, 0), c.encodedLength(), t + ": same length as encoding it");
            byte[] back = new byte[data.length];
            codec.decode(keep, 0, c.encodedLength(), back, 0, back.length);
            assertArrayEquals(data, back, t + ": kept encoding decodes to the sample");
            // several pieces: nothing kept
            Codecs.Choice two = cache.choose(t, 100, 1, data, new int[][] {{0, 8000}, {16000, 8000}}, keep);
            assertEquals(-1, two.encodedLength());
        }
    }

    @Test
    void sampleBudgetIsProportionalAndNeverExceedsTheVariable() {
        for (long len : new long[] {0, 100, Codecs.MIN_SAMPLE_BYTES, 40_000, 272_000, 1L << 20, 100L << 20}) {
            int b = Codecs.sampleBudget(len);
            assertTrue(b <= len, len + ": budget " + b);
            assertTrue(b <= Codecs.SAMPLE_BYTES, len + ": budget " + b);
            assertTrue(b >= Math.min(len, Codecs.MIN_SAMPLE_BYTES), len + ": budget " + b);
            assertTrue(b >= Math.min(len / 8, Codecs.SAMPLE_BYTES), len + ": budget " + b);
        }
        assertEquals(272_000 / 8, Codecs.sampleBudget(272_000));
    }
}
