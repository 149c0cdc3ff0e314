package io.veloc4j.levels.erasure;

import io.veloc4j.levels.Fuzz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The failure history across relaunches, its file, and a seeded fuzz of its reader. */
class FailureHistoryTest {

    @TempDir
    Path tmp;

    @Test
    void hostsThatDisappearCountAFailureEachRelaunch() throws Exception {
        Path file = tmp.resolve("meta").resolve("erasure").resolve(FailureHistory.FILE);
        assertEquals(FailureHistory.empty(), FailureHistory.read(file), "no file: no history");
        FailureHistory h = FailureHistory.read(file).relaunch(1, List.of("n1", "n2", "n3", "n4"));
        h.write(file);
        // n2 and n4 are gone, n5 replaces one of them
        h = FailureHistory.read(file);
        assertEquals(Set.of("n2", "n4"), h.disappeared(List.of("n1", "n3", "n5")));
        h = h.relaunch(2, List.of("n1", "n3", "n5"));
        h.write(file);
        // n2 comes back, n3 goes
        h = FailureHistory.read(file).relaunch(3, List.of("n1", "n2", "n5"));
        h.write(file);
        FailureHistory back = FailureHistory.read(file);
        assertEquals(h, back);
        assertEquals(Map.of("n1", 0, "n2", 1, "n3", 1, "n4", 1, "n5", 0), back.failures());
        assertEquals(Set.of("n1", "n2", "n5"), back.present());
        assertEquals(3, back.session());
        assertEquals(0, back.failures("never-seen"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        try (var files = Files.list(file.getParent())) {
            assertEquals(1, files.count(), "no temp file left");
        }
    }

    @Test
    void theReaderRejectsEveryDamageCleanly() throws Exception {
        Path file = tmp.resolve(FailureHistory.FILE);
        FailureHistory h = FailureHistory.empty().relaunch(0xabcdefL, List.of("alpha", "beta.example", "node-17"))
                .relaunch(0xabcdf0L, List.of("alpha", "node-17"));
        h.write(file);
        byte[] bytes = Files.readAllBytes(file);
        Random r = new Random(99);
        int accepted = 0;
        for (int c = 0; c < 2000; c++) {
            byte[] m = switch (r.nextInt(4)) {
                case 0 -> Fuzz.flip(bytes, 0, bytes.length, r);
                case 1 -> Fuzz.truncate(bytes, r);
                case 2 -> Fuzz.extend(bytes, r);
                default -> forgedLine(bytes, r);
            };
            Files.write(file, m);
            FailureHistory[] got = new FailureHistory[1];
            if (Fuzz.accepted("case " + c, file, (1L << 20) + 16L * m.length, () -> got[0] = FailureHistory.read(file))) {
                accepted++;
                assertTrue(got[0].failures().keySet().containsAll(got[0].present()));
            }
        }
        assertTrue(accepted < 2000 / 4 + 100, accepted + " accepted: forged lines with a valid checksum may pass, little else");
    }

    /** One line of the text replaced by a plausible forgery, the checksum line recomputed. */
    private static byte[] forgedLine(byte[] bytes, Random r) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        String body = text.substring(0, text.lastIndexOf("crc "));
        String[] lines = body.split("\n");
        String[] forgeries = {"hosts 99999999", "hosts -1", "host alpha failures -3 present 1", "host alpha failures 1 present 2",
                "host al pha failures 1 present 1", "session zz", "host alpha failures 99999999999 present 1",
                "host alpha failures 1 present 1", "veloc4j-failures 2", ""};
        lines[r.nextInt(lines.length)] = forgeries[r.nextInt(forgeries.length)];
        String forged = String.join("\n", lines) + "\n";
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(forged.getBytes(StandardCharsets.UTF_8));
        return (forged + "crc " + Long.toHexString(crc.getValue()) + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
