package io.veloc4j.levels.erasure;

import io.veloc4j.levels.Fuzz;
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
 * A real parity file, mutated a few thousand ways (seeded): bit flips, truncations, extensions,
 * and forged header fields with the header CRC recomputed, so that the parser has to judge them.
 * Opening and verifying accepts or rejects with a CorruptCheckpointException naming the file,
 * allocates no more than the file justifies, and what it accepts with the original header reads
 * back the original body.
 */
class ParityFileFuzzTest {

    private static final int CASES = 3000;

    @TempDir
    Path tmp;

    private record Content(ParityHeader header, byte[] body) {
    }

    private static Content read(Path file) throws Exception {
        try (ParityFile f = ParityFile.open(file)) {
            f.verify();
            ByteBuffer b = ByteBuffer.allocate((int) f.header().layout().pieceLength());
            f.read(0, b);
            return new Content(f.header(), b.array());
        }
    }

    /** Codeword 1's parity 0 of a set of 3 nodes with 2 ranks each, stripes of 512 bytes. */
    private Path original() throws Exception {
        TestCluster cluster = TestCluster.write(tmp, "fuzz", 3, 77, new int[] {2, 2, 2}, 400, 4, 1, 512, new Random(5));
        LocalEncoding.encode(cluster.set(), cluster.dirs());
        return cluster.dirs().get(cluster.set().layout().parityHolder(1, 0)).resolve(ParityFile.fileName(4, 1));
    }

    /** Where the header's fields are, walked per ParityFormat: {offset, width} pairs. */
    private static List<int[]> fields(byte[] file) {
        ByteBuffer h = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        List<int[]> out = new ArrayList<>(List.of(new int[] {4, 2}, new int[] {6, 2}, new int[] {8, 4}, new int[] {16, 8},
                new int[] {24, 8}, new int[] {32, 4}, new int[] {36, 4}, new int[] {40, 2}, new int[] {42, 2},
                new int[] {44, 2}, new int[] {46, 2}, new int[] {48, 4}, new int[] {52, 8}, new int[] {60, 2}));
        int n = h.getShort(40);
        int at = 62 + Short.toUnsignedInt(h.getShort(60));
        for (int i = 0; i < n; i++) {
            out.add(new int[] {at, 4});                          // node
            out.add(new int[] {at + 4, 2});                      // host length
            at += 6 + Short.toUnsignedInt(h.getShort(at + 4));
            out.add(new int[] {at, 4});                          // rank count
            int count = h.getInt(at);
            at += 4;
            for (int r = 0; r < count; r++, at += 16) {
                out.add(new int[] {at, 4});                      // rank
                out.add(new int[] {at + 4, 8});                  // length
                out.add(new int[] {at + 12, 4});                 // header CRC
            }
        }
        out.add(new int[] {at, 4});                              // stripes
        int stripes = h.getInt(at);
        at += 4;
        for (int t = 0; t < 3 * stripes; t += 5) {
            out.add(new int[] {at + 4 * t, 4});                  // some CRC table entries
        }
        return out;
    }

    private static void fixHeaderCrc(byte[] m) {
        int length = ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
        if (length >= ParityFormat.FIXED && length <= m.length) {
            ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putInt(12, ParityFormat.crc(m, length));
        }
    }

    @Test
    void mutantsAreRejectedCleanlyOrReadBackExactly() throws Exception {
        Path orig = original();
        byte[] bytes = Files.readAllBytes(orig);
        Content expected = read(orig);
        int headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
        List<int[]> fields = fields(bytes);
        Path file = tmp.resolve("mutant").resolve(orig.getFileName().toString());
        Files.createDirectories(file.getParent());
        int[] accepted = new int[4];
        int[] tried = new int[4];
        assertTimeoutPreemptively(Duration.ofMinutes(2), () -> {
            Random r = new Random(20261202);
            for (int c = 0; c < CASES; c++) {
                Fuzz.Mutant mutant = Fuzz.mutate(bytes, fields, headerLength, r, ParityFileFuzzTest::fixHeaderCrc);
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
                    assertTrue(k != 0, label + ": a flipped bit was accepted");
                    if (got[0].header().equals(expected.header())) {
                        assertArrayEquals(expected.body(), got[0].body(), label);
                    }
                }
            }
        });
        System.out.printf("parity file fuzz: %d cases; accepted flips %d/%d, length changes %d/%d, forged fields %d/%d,"
                + " forged header bytes %d/%d%n", CASES, accepted[0], tried[0], accepted[1], tried[1], accepted[2], tried[2],
                accepted[3], tried[3]);
        assertEquals(0, accepted[0] + accepted[1]);
        assertFalse(accepted[2] == tried[2], "forged fields are mostly rejected");
    }
}
