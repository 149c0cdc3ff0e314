package io.veloc4j.runtime;

import io.veloc4j.config.VelocConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import static io.veloc4j.runtime.VelocTest.job;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue #16: a version's files say which version they are. With scratch gone, a persistent
 * version directory whose contents came from another version (copied whole, or its MANIFEST's
 * version line edited with a valid checksum) is damage: the restart falls back to the real older
 * version instead of restoring the wrong bytes as the version asked for.
 */
class IdentityTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"copied", "edited"})
    void anotherVersionsFilesAreNeverRestoredAsThisOne(String how) throws Exception {
        for (String scheme : List.of("agnostic", "none")) {
            Path dir = tmp.resolve(scheme);
            VelocConfig cfg = VelocConfig.of(Map.of("scratch", dir + "/s/%n", "persistent", dir + "/p", "virtual_nodes", "2",
                    "aggregation_scheme", scheme, "group_size", "2"));
            job(4, cfg, (v, c) -> {
                long[] x = new long[1000];
                v.protect(0, "x", x);
                for (int ver = 1; ver <= 3; ver++) {
                    java.util.Arrays.fill(x, ver * 10L + c.rank());
                    v.checkpoint("id", ver);
                }
                return null;
            });
            deleteTree(dir.resolve("s"));
            Path v2 = dir.resolve("p/id/2");
            Path v3 = dir.resolve("p/id/3");
            if (how.equals("copied")) { // v3's directory now holds v2's files
                deleteTree(v3);
                Files.createDirectories(v3);
                try (Stream<Path> s = Files.list(v2)) {
                    for (Path f : s.toList()) {
                        Files.copy(f, v3.resolve(f.getFileName()));
                    }
                }
            } else { // v2's MANIFEST, claiming to be v3, checksum recomputed
                String text = Files.readString(v2.resolve("MANIFEST"), StandardCharsets.UTF_8);
                String body = text.substring(0, text.lastIndexOf("crc ")).replace("\nversion 2\n", "\nversion 3\n");
                CRC32C crc = new CRC32C();
                crc.update(body.getBytes(StandardCharsets.UTF_8));
                Files.writeString(v3.resolve("MANIFEST"), body + "crc " + Long.toHexString(crc.getValue()) + "\n");
            }
            List<Long> got = job(4, cfg, (v, c) -> {
                long[] x = new long[1000];
                v.protect(0, "x", x);
                int ver = v.restartTest("id");
                assertEquals(2, ver, scheme + ", rank " + c.rank() + ": v3's files are v2's: v3 is damaged");
                v.restart("id", ver);
                return x[999];
            });
            assertEquals(List.of(20L, 21L, 22L, 23L), got, scheme + ": the real v2, bit-exact");
        }
    }

    private static void deleteTree(Path p) throws Exception {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
