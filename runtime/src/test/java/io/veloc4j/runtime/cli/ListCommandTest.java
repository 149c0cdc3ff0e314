package io.veloc4j.runtime.cli;

import io.veloc4j.levels.persistent.AggregateInfo;
import io.veloc4j.levels.persistent.Manifest;
import io.veloc4j.levels.persistent.Member;
import io.veloc4j.levels.persistent.Scheme;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ls}: one damaged MANIFEST is a clean "FILE is corrupt" line; the other versions are listed. */
class ListCommandTest {

    @TempDir
    Path tmp;

    private static Manifest manifest(int version) {
        AggregateInfo g0 = new AggregateInfo(0, "group-0.vagg", 3000, 1200, 0x9abcdef0,
                List.of(new Member(0, 0, 1000, 0x80000001), new Member(1, 1000, 2000, 0x12345678)), "lorenzo:2,zstd:1");
        return new Manifest("heat", version, 2, Scheme.AWARE, List.of(g0));
    }

    /** The body with the CRC line a forger would append: the damage is then the parser's to find. */
    private static byte[] recrc(String body) {
        CRC32C crc = new CRC32C();
        byte[] b = body.getBytes(StandardCharsets.ISO_8859_1);
        crc.update(b);
        String line = "crc " + Long.toHexString(crc.getValue()) + "\n";
        byte[] out = new byte[b.length + line.length()];
        System.arraycopy(b, 0, out, 0, b.length);
        System.arraycopy(line.getBytes(StandardCharsets.US_ASCII), 0, out, b.length, line.length());
        return out;
    }

    private static String body(byte[] manifest) {
        String text = new String(manifest, StandardCharsets.ISO_8859_1);
        return text.substring(0, text.lastIndexOf("crc "));
    }

    @Test
    void aDamagedManifestIsOneCleanLineAndTheOtherVersionsAreListed() throws Exception {
        Path persistent = tmp.resolve("p");
        for (int v : new int[] {10, 20, 30}) {
            Path dir = Files.createDirectories(persistent.resolve("heat").resolve(Integer.toString(v)));
            manifest(v).writeTo(dir);
        }
        Path file = persistent.resolve("heat/20/MANIFEST");
        byte[] good = Files.readAllBytes(file);
        Map<String, UnaryOperator<byte[]>> damage = new LinkedHashMap<>();
        damage.put("a flipped bit", b -> {
            byte[] c = b.clone();
            c[40] ^= 0x04;
            return c;
        });
        damage.put("truncated", b -> java.util.Arrays.copyOf(b, b.length / 2));
        damage.put("empty", b -> new byte[0]);
        damage.put("not UTF-8", b -> recrc(body(b).replace("name heat", "name he\u00ff\u00fet")));
        damage.put("codec count not a number", b -> recrc(body(b).replace("lorenzo:2", "lorenzo:x")));
        damage.put("member with two fields", b -> recrc(body(b).replace("0:0:1000:80000001", "0:0")));
        damage.put("files count past the lines", b -> recrc(body(b).replace("files 1", "files 7")));
        damage.put("file outside the directory", b -> recrc(body(b).replace("file group-0.vagg", "file ../../x.vagg")));

        Path cfg = tmp.resolve("veloc.cfg");
        Files.write(cfg, List.of("scratch = " + tmp + "/s", "persistent = " + persistent));
        for (Map.Entry<String, UnaryOperator<byte[]>> d : damage.entrySet()) {
            Files.write(file, d.getValue().apply(good));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code;
            try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                 PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
                code = Main.run(new String[] {"ls", "--config", cfg.toString()}, o, e);
            }
            String text = out.toString(StandardCharsets.UTF_8);
            String what = d.getKey() + ":\n" + text + err.toString(StandardCharsets.UTF_8);
            assertEquals(0, code, what);
            List<String> lines = text.lines().toList();
            assertTrue(lines.stream().anyMatch(l -> l.matches("heat +10 .*persisted")), what);
            assertTrue(lines.stream().anyMatch(l -> l.matches("heat +30 .*persisted")), what);
            assertTrue(lines.stream().anyMatch(l -> l.matches("heat +20 .*corrupt")), what);
            assertEquals(1, lines.stream().filter(l -> l.startsWith(file + " is corrupt: ")).count(), what);
        }
    }
}
