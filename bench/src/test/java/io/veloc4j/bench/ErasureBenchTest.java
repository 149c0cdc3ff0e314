package io.veloc4j.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The erasure bench end to end, tiny: every code × op has a row with a throughput, and its files are written. */
class ErasureBenchTest {

    @TempDir
    Path tmp;

    @Test
    @SuppressWarnings("unchecked")
    void everyCodeAndOpHasARow() throws Exception {
        Path out = tmp.resolve("out");
        assertEquals(0, ErasureBench.main(new String[] {"--mb", "1", "--file-mb", "1", "--reps", "1", "--stripe", "65536",
                "--out", out.toString(), "--tmp", Files.createDirectories(tmp.resolve("work")).toString()}));
        Map<String, Object> doc = (Map<String, Object>) Json.parse(Files.readString(out.resolve("erasure.json")));
        List<Map<String, Object>> rows = (List<Map<String, Object>>) doc.get("rows");
        for (String code : List.of("(4,1)", "(4,2)", "(8,2)", "(16,4)")) {
            for (String op : List.of("memcpy", "encode", "encode-table", "decode", "copy-files", "protect-files",
                    "rebuild-files")) {
                Map<String, Object> r = rows.stream().filter(x -> code.equals(x.get("code")) && op.equals(x.get("op")))
                        .findFirst().orElseThrow(() -> new AssertionError(code + " " + op + " in " + rows));
                assertTrue(((Number) r.get("MBps_per_core")).doubleValue() > 0, r.toString());
            }
        }
        assertTrue(Files.size(out.resolve("erasure.png")) > 0);
        assertTrue(Files.size(out.resolve("erasure-files.png")) > 0);
        assertTrue(Files.readString(out.resolve("README-erasure.md")).contains("./veloc4j bench erasure"));
        try (var left = Files.list(tmp.resolve("work"))) {
            assertEquals(0, left.count(), "the work directory is removed");
        }
    }
}
