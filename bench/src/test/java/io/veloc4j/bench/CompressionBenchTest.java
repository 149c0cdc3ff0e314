package io.veloc4j.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The compression bench end to end on a tiny generated data directory (no fetch script needed). */
class CompressionBenchTest {

    @TempDir
    Path tmp;

    private Path data() throws Exception {
        return BenchDataDirs.write(tmp.resolve("data"), List.of(
                new BenchDataDirs.Spec("g/t", "f4", new long[] {1, 3, 40}),
                new BenchDataDirs.Spec("g/lon", "f8", new long[] {10, 8})));
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> run(Path data, String... extra) throws Exception {
        Path out = tmp.resolve("out");
        List<String> args = new java.util.ArrayList<>(List.of("--data", data.toString(), "--ranks", "4", "--group-size", "2",
                "--reps", "1", "--out", out.toString(), "--tmp", Files.createDirectories(tmp.resolve("work")).toString()));
        args.addAll(List.of(extra));
        assertEquals(0, CompressionBench.main(args.toArray(String[]::new)));
        Path json = out.resolve("compression.json");
        assertTrue(Files.isRegularFile(json));
        assertTrue(Files.size(out.resolve("compression-ratio.png")) > 0);
        assertTrue(Files.size(out.resolve("compression-speed.png")) > 0);
        String readme = Files.readString(out.resolve("README-compression.md"));
        assertTrue(readme.contains("./veloc4j bench compression --data"), readme);
        assertTrue(readme.contains("| aware-block | auto |"), readme);
        try (var s = Files.list(tmp.resolve("work"))) {
            assertEquals(0, s.count(), "the work directory is removed");
        }
        return (List<Map<String, Object>>) Json.parse(Files.readString(json));
    }

    @Test
    void everySchemeAndCodecAndReferenceHasARow() throws Exception {
        List<Map<String, Object>> rows = run(data());
        Set<String> keys = new HashSet<>();
        long raw = -1;
        for (Map<String, Object> r : rows) {
            String scheme = (String) r.get("scheme");
            keys.add(scheme + "/" + r.get("codec"));
            if (scheme.startsWith("ref:")) {
                continue;
            }
            assertEquals("ok", r.get("status"), r.toString());
            double ratio = ((Number) r.get("ratio")).doubleValue();
            assertTrue(ratio > 0, r.toString());
            assertTrue(((Number) r.get("compress_MBps_per_core")).doubleValue() > 0, r.toString());
            assertTrue(((Number) r.get("decompress_MBps_per_core")).doubleValue() > 0, r.toString());
            long rb = ((Number) r.get("raw_bytes")).longValue();
            long sb = ((Number) r.get("stored_bytes")).longValue();
            assertEquals(rb / (double) sb, ratio, 1e-3, r.toString());
            if (raw >= 0) {
                assertEquals(raw, rb, "every engine row aggregates the same rank files");
            }
            raw = rb;
            assertEquals(4L, ((Number) r.get("ranks")).longValue());
            assertEquals(2L, ((Number) r.get("groups")).longValue());
            if (scheme.equals("none")) {
                assertEquals(1.0, ratio, 0.0);
                assertEquals(null, r.get("decode_in_memory_MBps_per_core"), "none has nothing to decode");
            } else {
                assertTrue(((Number) r.get("decode_in_memory_MBps_per_core")).doubleValue() > 0, r.toString());
            }
        }
        Set<String> want = new HashSet<>(List.of("none/-", "agnostic/zstd", "agnostic-block/zstd"));
        for (String s : List.of("aware", "aware-block")) {
            for (String c : List.of("zstd", "shuffle", "xor", "fpc", "lorenzo", "auto")) {
                want.add(s + "/" + c);
            }
        }
        for (String w : want) {
            assertTrue(keys.contains(w), "row " + w + " in " + keys);
        }
        assertFalse(keys.contains("aware/delta"), "delta applies to no float variable");
        assertFalse(keys.contains("agnostic/shuffle"), "agnostic streams are untyped: zstd only");

        // the in-memory zstd reference runs on the same rank files as the engine rows
        Map<String, Object> mem = rows.stream().filter(x -> "ref:zstd-1-mem".equals(x.get("scheme"))).findFirst().orElseThrow();
        assertEquals("ok", mem.get("status"), mem.toString());
        assertEquals(raw, ((Number) mem.get("raw_bytes")).longValue());
        assertTrue(((Number) mem.get("ratio")).doubleValue() > 1, mem.toString());
        assertTrue(((Number) mem.get("compress_MBps_per_core")).doubleValue() > 0, mem.toString());
        assertTrue(((Number) mem.get("decompress_MBps_per_core")).doubleValue() > 0, mem.toString());
        // the file writes a restore pays, on the same rank files: raw bytes out, nothing compressed
        Map<String, Object> writes = rows.stream().filter(x -> "ref:write-files".equals(x.get("scheme"))).findFirst().orElseThrow();
        assertEquals("ok", writes.get("status"), writes.toString());
        assertEquals(raw, ((Number) writes.get("raw_bytes")).longValue());
        assertEquals(1.0, ((Number) writes.get("ratio")).doubleValue(), 0.0);
        assertEquals(null, writes.get("compress_MBps_per_core"), "nothing is compressed");
        assertTrue(((Number) writes.get("decompress_MBps_per_core")).doubleValue() > 0, writes.toString());
        for (String ref : List.of("ref:zstd-3", "ref:zstd-19", "ref:fpzip")) {
            Map<String, Object> r = rows.stream().filter(x -> ref.equals(x.get("scheme"))).findFirst().orElse(null);
            assertNotNull(r, ref);
            String status = (String) r.get("status");
            assertTrue(status.equals("ok") || status.equals("skipped"), r.toString());
            if (status.equals("ok")) {
                assertTrue(((Number) r.get("ratio")).doubleValue() > 0, r.toString());
                assertTrue(((Number) r.get("stored_bytes")).longValue() > 0, r.toString());
            } else {
                assertNotNull(r.get("skipped"), r.toString());
                assertEquals(null, r.get("ratio"));
            }
        }
    }

    @Test
    void missingReferenceProgramsAreSkippedNotFatal() throws Exception {
        List<Map<String, Object>> rows = run(data(), "--zstd", tmp.resolve("no-zstd").toString(),
                "--fpzip", tmp.resolve("no-fpzip").toString());
        // zstd-jni in memory needs no program: it runs even so
        Map<String, Object> mem = rows.stream().filter(x -> "ref:zstd-1-mem".equals(x.get("scheme"))).findFirst().orElseThrow();
        assertEquals("ok", mem.get("status"), mem.toString());
        assertTrue(((Number) mem.get("ratio")).doubleValue() > 1, mem.toString());
        for (String ref : List.of("ref:zstd-3", "ref:zstd-19", "ref:fpzip")) {
            Map<String, Object> r = rows.stream().filter(x -> ref.equals(x.get("scheme"))).findFirst().orElseThrow();
            assertEquals("skipped", r.get("status"), r.toString());
            assertTrue(String.valueOf(r.get("skipped")).contains("no-"), r.toString());
        }
    }

    @Test
    void badArgumentsAndDataAreReported() throws Exception {
        assertEquals(0, CompressionBench.main(new String[] {"--help"}));
        assertEquals(2, CompressionBench.main(new String[] {"--ranks", "4"}));
        assertEquals(2, CompressionBench.main(new String[] {"--data", tmp.toString()}));
        assertEquals(1, CompressionBench.main(new String[] {"--data", tmp.resolve("nothing").toString(), "--ranks", "2",
            "--out", tmp.resolve("out").toString()}));
    }

    @Test
    void fpzipDimsAreFastestFirstAtMostFour() {
        org.junit.jupiter.api.Assertions.assertArrayEquals(new long[] {192, 96, 17}, CliCodecs.fpzipDims(new long[] {1, 17, 96, 192}));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new long[] {20480}, CliCodecs.fpzipDims(new long[] {1, 20480}));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new long[] {5, 4, 3, 6}, CliCodecs.fpzipDims(new long[] {2, 3, 3, 4, 5}));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new long[] {1}, CliCodecs.fpzipDims(new long[] {1, 1}));
    }
}
