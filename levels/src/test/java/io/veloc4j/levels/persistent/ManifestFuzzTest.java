package io.veloc4j.levels.persistent;

import io.veloc4j.levels.CorruptCheckpointException;
import io.veloc4j.levels.Fuzz;
import io.veloc4j.levels.LevelException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.CRC32C;

import static io.veloc4j.levels.persistent.AggregateTestSupport.rankFile;
import static io.veloc4j.levels.persistent.AggregateTestSupport.smooth;
import static io.veloc4j.levels.persistent.AggregateTestSupport.source;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real MANIFEST (committed over real aggregates), mutated a few thousand ways (seeded): bit
 * flips, truncations, extensions, and forged edits of its lines and tokens with the CRC line
 * recomputed, so that the parser has to judge them. Reading accepts or rejects with a
 * CorruptCheckpointException naming the file; an unforged mutant is never accepted as anything
 * but the original; a forged one that is accepted never names a file outside its directory.
 */
class ManifestFuzzTest {

    private static final int CASES = 3000;

    /** What a forger puts in place of a token. */
    private static final String[] TOKENS = {"", "-1", "0", "+5", "2147483647", "2147483648", "99999999999999999999",
        "9223372036854775807", "ffffffff", "1ffffffff", "../../../etc/passwd", "/etc/passwd", "group-0.vagg", "rank-0.vck",
        "group-9.vagg", "NaN", "0x10", "1e9", "copy", "zstd:-1", "lorenzo:99999999999", ",", ":", "::::", "1:2:3",
        "0:0:0:0,0:0:0:0", "none", "aware", " ", "\t", "é", "\u0000"};

    @TempDir
    Path tmp;

    private final ExecutorService pool = Executors.newFixedThreadPool(2);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private Path committed() throws Exception {
        PersistentStore store = new PersistentStore(tmp.resolve("p"));
        Path dir = store.versionDir("heat", 40);
        AggregateWriter writer = new AggregateWriter(pool, 2, 1);
        Path scratch = Files.createDirectories(tmp.resolve("s"));
        List<AggregateWriter.Source> g0 = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            g0.add(source(rankFile(scratch, r, 3, smooth(500, r)), r));
        }
        writer.write(dir, PersistentStore.fileName(Scheme.AWARE, 0, 0, 7), Encoding.of(Scheme.AWARE, 1), 0, g0);
        writer.write(dir, PersistentStore.fileName(Scheme.AWARE, 1, 2, 7), Encoding.of(Scheme.AWARE, 1), 1,
                List.of(source(rankFile(scratch, 2, 3, smooth(300, 2)), 2)));
        assertTrue(store.tryCommit("heat", 40, 3, Scheme.AWARE, 2, 7).isPresent());
        return dir;
    }

    /** {@code body} (the lines before the CRC line) with the CRC line a forger would append. */
    private static byte[] withCrc(byte[] body) {
        CRC32C crc = new CRC32C();
        crc.update(body);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(body);
        out.writeBytes(("crc " + Long.toHexString(crc.getValue()) + "\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static byte[] forge(String body, Random r) {
        List<String> lines = new ArrayList<>(List.of(body.split("\n", -1)));
        lines.remove(lines.size() - 1); // after the last newline
        int i = r.nextInt(lines.size());
        switch (r.nextInt(8)) {
            case 0 -> lines.remove(i);
            case 1 -> lines.add(i, lines.get(i));
            case 2 -> lines.add(i, lines.remove(r.nextInt(lines.size())));
            case 3 -> lines.set(i, lines.get(i) + TOKENS[r.nextInt(TOKENS.length)]);
            case 4 -> { // raw bytes inserted: may be invalid UTF-8, or split a line
                byte[] b = (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
                byte[] junk = new byte[1 + r.nextInt(8)];
                r.nextBytes(junk);
                int at = r.nextInt(b.length);
                ByteArrayOutputStream o = new ByteArrayOutputStream();
                o.write(b, 0, at);
                o.writeBytes(junk);
                o.write(b, at, b.length - at);
                return withCrc(o.toByteArray());
            }
            default -> {
                // one token of a line (members: one field of one member) replaced
                String[] w = lines.get(i).split(" ", -1);
                int t = r.nextInt(w.length);
                if (w[t].contains(",") && r.nextBoolean()) {
                    String[] ms = w[t].split(",", -1);
                    int k = r.nextInt(ms.length);
                    String[] p = ms[k].split(":", -1);
                    p[r.nextInt(p.length)] = TOKENS[r.nextInt(TOKENS.length)];
                    ms[k] = String.join(":", p);
                    w[t] = String.join(",", ms);
                } else {
                    w[t] = TOKENS[r.nextInt(TOKENS.length)];
                }
                lines.set(i, String.join(" ", w));
            }
        }
        return withCrc((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void mutantsAreRejectedCleanlyOrReadAsWritten() throws Exception {
        Path dir = committed();
        Path file = dir.resolve(Manifest.FILE);
        byte[] bytes = Files.readAllBytes(file);
        String text = new String(bytes, StandardCharsets.UTF_8);
        String body = text.substring(0, text.lastIndexOf("crc "));
        Manifest original = Manifest.read(dir);
        int[] tried = new int[3];
        int[] accepted = new int[3];
        long start = System.nanoTime();
        assertTimeoutPreemptively(Duration.ofMinutes(2), () -> {
            Random r = new Random(1116);
            for (int c = 0; c < CASES; c++) {
                int kind = r.nextInt(10);
                byte[] m;
                int k;
                if (kind < 3) {
                    k = 0;
                    m = Fuzz.flip(bytes, 0, bytes.length, r);
                } else if (kind < 5) {
                    k = 1;
                    m = r.nextBoolean() ? Fuzz.truncate(bytes, r) : Fuzz.extend(bytes, r);
                } else {
                    k = 2;
                    m = forge(body, r);
                }
                String label = "case " + c + " (" + new String[] {"flip", "length", "forged"}[k] + ")";
                Files.write(file, m);
                Manifest[] got = new Manifest[1];
                tried[k]++;
                if (Fuzz.accepted(label, file, (1L << 20) + 16L * m.length, () -> {
                    got[0] = Manifest.read(dir);
                    got[0].codecs(); // what ls shows: must not throw either
                })) {
                    accepted[k]++;
                    if (k < 2) {
                        assertEquals(original, got[0], label + ": an unforged change was accepted");
                    }
                    for (AggregateInfo f : got[0].files()) {
                        assertEquals(dir, dir.resolve(f.file()).normalize().getParent(), label + ": " + f.file());
                    }
                }
            }
        });
        System.out.printf("manifest fuzz: %d cases in %d ms; accepted flips %d/%d, length changes %d/%d, forged %d/%d%n",
                CASES, (System.nanoTime() - start) / 1_000_000, accepted[0], tried[0], accepted[1], tried[1], accepted[2],
                tried[2]);
    }

    @Test
    void anOversizedManifestIsRejectedBeforeItIsRead() throws Exception {
        Path dir = committed();
        Path file = dir.resolve(Manifest.FILE);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(Manifest.MAX_BYTES + 1L); // sparse: costs no disk
        }
        boolean ok = Fuzz.accepted("oversized", file, 1L << 20, () -> Manifest.read(dir));
        assertEquals(false, ok);
        LevelException e = assertThrows(LevelException.class, () -> Manifest.read(dir));
        assertInstanceOf(CorruptCheckpointException.class, e);
        assertTrue(e.getMessage().contains("more than a manifest can be"), e.getMessage());
    }
}
