package io.veloc4j.levels;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded mutations of real files (bit flips, truncations, extensions, forged fields) and the
 * check every reader must pass on each: it accepts the file, or rejects it with a
 * {@link CorruptCheckpointException} naming the file; nothing else (no unchecked exception, no
 * OutOfMemoryError), and it never allocates more heap than the file's real size justifies.
 * Whether an accepted file gave back the right bytes is the caller's to check.
 */
public final class Fuzz {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private Fuzz() {
    }

    @FunctionalInterface
    public interface Read {
        void run() throws Exception;
    }

    /**
     * Runs {@code read} on a mutant; true if the reader accepted it, false if it rejected it
     * cleanly. Fails the test on any other outcome, or if the reading thread allocated more than
     * {@code maxHeap} bytes (what a bad length field would make a trusting reader allocate).
     */
    public static boolean accepted(String what, Path named, long maxHeap, Read read) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        boolean ok;
        try {
            read.run();
            ok = true;
        } catch (CorruptCheckpointException e) {
            assertTrue(e.getMessage().contains(named.toString()), what + ": the message names " + named + ": " + e.getMessage());
            ok = false;
        } catch (Throwable t) {
            fail(what + ": " + t, t);
            return false;
        }
        long used = THREADS.getCurrentThreadAllocatedBytes() - before;
        assertTrue(used <= maxHeap, what + ": the reader allocated " + used + " bytes (at most " + maxHeap + " expected)");
        return ok;
    }

    /** A mutant and how it was made: kind 0 bits flipped, 1 length changed, 2 a known field forged, 3 header bytes forged. */
    public record Mutant(int kind, byte[] bytes, String what) {
    }

    /**
     * One mutation, chosen by {@code r}: bit flips anywhere (3 in 10), a truncation or an
     * extension (1 each), a known header field forged (3; {@code fields} holds {offset, width}
     * pairs) or any header bytes in [16, headerLength) forged (2). Forged mutants get their
     * header checksum recomputed by {@code fixCrc}, as a forger would, so that the parser itself
     * has to judge them.
     */
    public static Mutant mutate(byte[] bytes, List<int[]> fields, int headerLength, Random r,
                                java.util.function.Consumer<byte[]> fixCrc) {
        int kind = r.nextInt(10);
        if (kind < 3) {
            return new Mutant(0, flip(bytes, 0, bytes.length, r), "flip");
        }
        if (kind < 4) {
            byte[] m = truncate(bytes, r);
            return new Mutant(1, m, "truncate to " + m.length);
        }
        if (kind < 5) {
            byte[] m = extend(bytes, r);
            return new Mutant(1, m, "extend to " + m.length);
        }
        byte[] m;
        String what;
        if (kind < 8) {
            int[] f = fields.get(r.nextInt(fields.size()));
            m = forge(bytes, f[0], f[1], r);
            what = "forge field at " + f[0];
        } else { // any bytes of the header but magic and CRC
            int width = 1 << r.nextInt(4);
            int at = 16 + r.nextInt(headerLength - 16 - width);
            m = forge(bytes, at, width, r);
            what = "forge " + width + " bytes at " + at;
        }
        fixCrc.accept(m);
        return new Mutant(kind < 8 ? 2 : 3, m, what);
    }

    /** One to three bits flipped in {@code [from, to)}. */
    public static byte[] flip(byte[] b, int from, int to, Random r) {
        byte[] m = b.clone();
        for (int i = 1 + r.nextInt(3); i > 0; i--) {
            m[from + r.nextInt(to - from)] ^= (byte) (1 << r.nextInt(8));
        }
        return m;
    }

    /** Cut to a shorter length: often by a few bytes, else anywhere. */
    public static byte[] truncate(byte[] b, Random r) {
        int n = r.nextBoolean() ? Math.max(0, b.length - 1 - r.nextInt(16)) : r.nextInt(b.length);
        return Arrays.copyOf(b, n);
    }

    /** Longer by 1 to 4096 bytes, zeros or random. */
    public static byte[] extend(byte[] b, Random r) {
        byte[] m = Arrays.copyOf(b, b.length + 1 + r.nextInt(4096));
        if (r.nextBoolean()) {
            byte[] tail = new byte[m.length - b.length];
            r.nextBytes(tail);
            System.arraycopy(tail, 0, m, b.length, tail.length);
        }
        return m;
    }

    /** {@code width} (1, 2, 4 or 8) bytes at {@code at} overwritten, little-endian, with a value a forger would try. */
    public static byte[] forge(byte[] b, int at, int width, Random r) {
        byte[] m = b.clone();
        ByteBuffer w = ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN);
        long v = interesting(r, w, at, width);
        switch (width) {
            case 1 -> w.put(at, (byte) v);
            case 2 -> w.putShort(at, (short) v);
            case 4 -> w.putInt(at, (int) v);
            default -> w.putLong(at, v);
        }
        return m;
    }

    private static long interesting(Random r, ByteBuffer b, int at, int width) {
        long old = switch (width) {
            case 1 -> b.get(at);
            case 2 -> b.getShort(at);
            case 4 -> b.getInt(at);
            default -> b.getLong(at);
        };
        return switch (r.nextInt(12)) {
            case 0 -> 0;
            case 1 -> -1;
            case 2 -> width == 8 ? Long.MAX_VALUE : width == 4 ? Integer.MAX_VALUE : width == 2 ? Short.MAX_VALUE : Byte.MAX_VALUE;
            case 3 -> width == 8 ? Long.MIN_VALUE : width == 4 ? Integer.MIN_VALUE : width == 2 ? Short.MIN_VALUE : Byte.MIN_VALUE;
            case 4 -> old + 1;
            case 5 -> old - 1;
            case 6 -> old * 2 + 1;
            case 7 -> 1L << r.nextInt(width * 8);
            case 8 -> old + (1L << r.nextInt(width * 8));
            case 9 -> -old;
            default -> r.nextLong();
        };
    }

    /** A varint's worth of bytes (1 to 10) at {@code at} replaced by an LEB128 value a forger would try. */
    public static byte[] forgeVarint(byte[] b, int at, Random r) {
        long v = switch (r.nextInt(6)) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> Integer.MAX_VALUE;
            case 3 -> Long.MAX_VALUE;
            case 4 -> 1L << r.nextInt(63);
            default -> r.nextInt(1 << 24);
        };
        byte[] enc = new byte[10];
        int n = 0;
        while ((v & ~0x7FL) != 0) {
            enc[n++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        enc[n++] = (byte) v;
        byte[] m = b.clone();
        System.arraycopy(enc, 0, m, at, Math.min(n, m.length - at));
        return m;
    }
}
