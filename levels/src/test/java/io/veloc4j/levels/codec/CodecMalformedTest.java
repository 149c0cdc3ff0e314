package io.veloc4j.levels.codec;

import io.veloc4j.levels.ElementType;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Damaged frames: decode throws IllegalArgumentException and nothing else. The transform codecs
 * check a CRC of the raw bytes, so they never return wrong bytes; plain zstd frames carry no
 * checksum, so a flipped literal may decode to other bytes, but never throws anything else.
 */
class CodecMalformedTest {

    /** Decodes a damaged frame: returns true if it decoded (bytes checked), false if it was rejected. */
    private static boolean tryDecode(Codec c, byte[] frame, byte[] original, int rawLen, String what) {
        byte[] back = new byte[rawLen + 16];
        Arrays.fill(back, (byte) 0x33);
        try {
            c.decode(frame, 0, frame.length, back, 8, rawLen);
        } catch (IllegalArgumentException expected) {
            return false;
        } catch (Throwable t) {
            fail(what + ": " + t, t);
        }
        for (int i = 0; i < 8; i++) {
            assertEquals((byte) 0x33, back[i], what + ": wrote before rawOff");
            assertEquals((byte) 0x33, back[rawLen + 8 + i], what + ": wrote past rawLen");
        }
        if (c.kind() != CodecKind.ZSTD && original != null) {
            assertArrayEquals(original, Arrays.copyOfRange(back, 8, 8 + rawLen), what + ": decoded to other bytes");
        }
        return true;
    }

    private static byte[] encode(Codec c, byte[] data) {
        byte[] out = new byte[c.maxEncodedLength(data.length)];
        return Arrays.copyOf(out, c.encode(data, 0, data.length, out, 0));
    }

    private static byte[][] inputs(ElementType t) {
        return new byte[][] {
            CodecTestData.smooth(t, 3000, 50, 1),
            CodecTestData.lowCardinality(t, 3000, 40, 2),
            CodecTestData.random(t, 700, 3),
            CodecTestData.constant(t, 100, 7),
            CodecTestData.smooth(t, 1, 0, 4),
        };
    }

    @Test
    void truncatedFramesAreRejected() {
        for (Codec c : CodecRoundTripTest.allCodecs(50, 1)) {
            for (byte[] data : inputs(c.type())) {
                byte[] frame = encode(c, data);
                for (int cut = 0; cut < frame.length; cut++) {
                    byte[] t = Arrays.copyOf(frame, cut);
                    String what = c.kind() + "/" + c.type() + " cut at " + cut + " of " + frame.length;
                    assertTrue(!tryDecode(c, t, data, data.length, what) || c.kind() == CodecKind.ZSTD && data.length == 0,
                            what + " decoded");
                }
            }
        }
    }

    @Test
    void bitFlipsAreRejectedOrHarmless() {
        Random r = new Random(17);
        for (Codec c : CodecRoundTripTest.allCodecs(50, 1)) {
            for (byte[] data : inputs(c.type())) {
                byte[] frame = encode(c, data);
                int positions = Math.min(frame.length, 300);
                for (int j = 0; j < positions; j++) {
                    int at = frame.length <= 300 ? j : r.nextInt(frame.length);
                    for (int bit : new int[] {0, 3, 7}) {
                        byte[] f = frame.clone();
                        f[at] ^= (byte) (1 << bit);
                        tryDecode(c, f, data, data.length, c.kind() + "/" + c.type() + " flip byte " + at + " bit " + bit);
                    }
                }
            }
        }
    }

    @Test
    void wrongLengthsAndGarbageAreRejected() {
        Random r = new Random(5);
        for (Codec c : CodecRoundTripTest.allCodecs(50, 1)) {
            int w = c.type().width();
            byte[] data = CodecTestData.smooth(c.type(), 500, 50, 1);
            byte[] frame = encode(c, data);
            for (int rawLen : new int[] {0, data.length - w, data.length + w, 2 * data.length}) {
                String what = c.kind() + "/" + c.type() + " rawLen " + rawLen;
                assertThrows(IllegalArgumentException.class, () -> c.decode(frame, 0, frame.length, new byte[rawLen + 8], 0, rawLen), what);
            }
            for (int k = 0; k < 50; k++) {
                byte[] junk = new byte[r.nextInt(64)];
                r.nextBytes(junk);
                if (junk.length > 0 && r.nextBoolean()) {
                    junk[0] = frame[0]; // the right magic, then garbage
                }
                tryDecode(c, junk, null, data.length, c.kind() + "/" + c.type() + " garbage " + k);
            }
            // trailing bytes after a valid frame
            byte[] longer = Arrays.copyOf(frame, frame.length + 3);
            assertThrows(IllegalArgumentException.class,
                    () -> c.decode(longer, 0, longer.length, new byte[data.length], 0, data.length), c.kind() + " trailing bytes");
        }
    }

    @Test
    void framesOfOneKindAreNotDecodedByAnother() {
        byte[] data = CodecTestData.smooth(ElementType.FLOAT32, 1000, 10, 1);
        for (CodecKind a : CodecKind.values()) {
            for (CodecKind b : CodecKind.values()) {
                if (a == b || a == CodecKind.ZSTD || b == CodecKind.ZSTD
                        || !a.appliesTo(ElementType.FLOAT32) || !b.appliesTo(ElementType.FLOAT32)) {
                    continue;
                }
                byte[] frame = encode(Codecs.of(a, ElementType.FLOAT32, 10, 1), data);
                Codec other = Codecs.of(b, ElementType.FLOAT32, 10, 1);
                assertThrows(IllegalArgumentException.class,
                        () -> other.decode(frame, 0, frame.length, new byte[data.length], 0, data.length), a + " read as " + b);
            }
        }
    }
}
