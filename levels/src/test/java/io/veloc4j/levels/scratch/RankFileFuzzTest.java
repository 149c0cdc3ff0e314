package io.veloc4j.levels.scratch;

import io.veloc4j.levels.ElementType;
import io.veloc4j.levels.Fuzz;
import io.veloc4j.levels.Region;
import io.veloc4j.levels.Variable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real rank file, mutated a few thousand ways (seeded): bit flips, truncations, extensions, and
 * forged header fields with the header CRC recomputed so that the parser has to judge them. The
 * reader accepts or rejects with a CorruptCheckpointException naming the file, allocates no more
 * than the file justifies, and what it accepts unforged reads back as the original bytes.
 */
class RankFileFuzzTest {

    private static final int CASES = 4000;

    @TempDir
    Path tmp;

    /** The bytes of one variable, as any element type: what readInto needs to read a variable whatever its type. */
    private record Bytes(ElementType type, byte[] b) implements Region {
        @Override
        public long elements() {
            return b.length / type.width();
        }

        @Override
        public void read(long from, ByteBuffer dst) {
            dst.put(b, (int) from, dst.remaining());
        }

        @Override
        public void write(long to, ByteBuffer src) {
            src.get(b, (int) to, src.remaining());
        }
    }

    private record Content(List<Variable> variables, List<byte[]> data) {
    }

    private static Content read(Path file) throws Exception {
        try (RankFile f = RankFile.open(file)) {
            f.verify();
            List<byte[]> data = new ArrayList<>();
            for (Variable v : f.variables()) {
                byte[] b = new byte[(int) v.length()];
                f.readInto(v, new Bytes(v.type(), b));
                data.add(b);
            }
            return new Content(f.variables(), data);
        }
    }

    private Path original() throws Exception {
        double[] field = new double[20 * 30];
        for (int i = 0; i < field.length; i++) {
            field[i] = Math.sin(i * 0.01) * 100;
        }
        float[] f = {1.5f, Float.NaN, -0.0f};
        long[] l = {Long.MIN_VALUE, 7};
        int[] ids = new int[333];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i * 7919;
        }
        byte[] raw = new byte[77];
        new Random(3).nextBytes(raw);
        ByteBuffer bb = ByteBuffer.allocateDirect(13);
        bb.put(0, (byte) 42);
        List<RankFileWriter.Entry> entries = List.of(
                new RankFileWriter.Entry(0, "field", new long[] {20, 30}, Region.of(field)),
                new RankFileWriter.Entry(1, "f", new long[] {3}, Region.of(f)),
                new RankFileWriter.Entry(2, "empty", new long[] {0}, Region.of(new double[0])),
                new RankFileWriter.Entry(3, "l", new long[] {2}, Region.of(l)),
                new RankFileWriter.Entry(7, "ids", new long[] {333}, Region.of(ids)),
                new RankFileWriter.Entry(9, "raw", new long[] {77}, Region.of(raw)),
                new RankFileWriter.Entry(12, "buf", new long[] {13}, Region.of(bb)));
        Path p = tmp.resolve("rank-3.vck");
        new RankFileWriter(1 << 16).write(p, "fuzz", 12, 3, 8, entries, true, false);
        return p;
    }

    /** Where the header's fields are, walked per RankFileFormat: {offset, width} pairs. */
    private static List<int[]> fields(byte[] file) {
        ByteBuffer h = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        List<int[]> out = new ArrayList<>(List.of(new int[] {4, 2}, new int[] {6, 2}, new int[] {8, 4}, new int[] {16, 8},
                new int[] {24, 4}, new int[] {28, 4}, new int[] {32, 4}, new int[] {36, 2}));
        int at = 38 + Short.toUnsignedInt(h.getShort(36));
        out.add(new int[] {at, 4});
        int count = h.getInt(at);
        at += 4;
        for (int i = 0; i < count; i++) {
            out.add(new int[] {at, 4});                         // id
            out.add(new int[] {at + 4, 2});                     // name length
            at += 6 + Short.toUnsignedInt(h.getShort(at + 4));
            out.add(new int[] {at, 1});                         // type
            out.add(new int[] {at + 1, 1});                     // dimensions
            int dims = file[at + 1];
            at += 2;
            for (int d = 0; d < dims; d++, at += 8) {
                out.add(new int[] {at, 8});                     // extent
            }
            out.add(new int[] {at, 8});                         // offset
            out.add(new int[] {at + 8, 8});                     // length
            out.add(new int[] {at + 16, 4});                    // CRC
            at += 20;
        }
        return out;
    }

    /** Recomputes the header CRC where the (possibly forged) header length lets one: a forger would. */
    private static void fixHeaderCrc(byte[] m) {
        int length = ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
        if (length >= RankFileFormat.FIXED && length <= m.length) {
            ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putInt(12, RankFileFormat.headerCrc(m, length));
        }
    }

    @Test
    void mutantsAreRejectedCleanlyOrReadBackExactly() throws Exception {
        Path orig = original();
        byte[] bytes = Files.readAllBytes(orig);
        Content expected = read(orig);
        int headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
        List<int[]> fields = fields(bytes);
        Path file = tmp.resolve("mutant").resolve("rank-3.vck");
        Files.createDirectories(file.getParent());
        int[] accepted = new int[4];
        int[] tried = new int[4];
        long start = System.nanoTime();
        assertTimeoutPreemptively(Duration.ofMinutes(2), () -> {
            Random r = new Random(20261116);
            for (int c = 0; c < CASES; c++) {
                Fuzz.Mutant mutant = Fuzz.mutate(bytes, fields, headerLength, r, RankFileFuzzTest::fixHeaderCrc);
                byte[] m = mutant.bytes();
                String what = mutant.what();
                int k = mutant.kind();
                String label = "case " + c + " (" + what + ")";
                Files.write(file, m);
                Content[] got = new Content[1];
                tried[k]++;
                if (Fuzz.accepted(label, file, (8L << 20) + 8L * m.length, () -> got[0] = read(file))) {
                    accepted[k]++;
                    assertTrue(k != 1, label + ": a file of the wrong length was accepted");
                    if (k == 0 || got[0].variables().equals(expected.variables())) {
                        assertEquals(expected.variables(), got[0].variables(), label);
                        for (int i = 0; i < expected.data().size(); i++) {
                            assertArrayEquals(expected.data().get(i), got[0].data().get(i), label + ": variable " + i);
                        }
                    }
                }
            }
        });
        System.out.printf("rank file fuzz: %d cases in %d ms; accepted flips %d/%d (padding), length changes %d/%d,"
                        + " forged fields %d/%d, forged header bytes %d/%d%n", CASES, (System.nanoTime() - start) / 1_000_000,
                accepted[0], tried[0], accepted[1], tried[1], accepted[2], tried[2], accepted[3], tried[3]);
        assertFalse(accepted[2] == tried[2], "forged fields are mostly rejected");
    }
}
