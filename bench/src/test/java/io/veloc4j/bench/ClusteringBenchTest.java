package io.veloc4j.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The clustering bench end to end, small: synthetic set only, then with a tiny real-data directory. */
class ClusteringBenchTest {

    @TempDir
    Path tmp;

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> run(String... extra) throws Exception {
        Path out = tmp.resolve("out");
        List<String> args = new java.util.ArrayList<>(List.of("--synthetic-ranks", "8", "--synthetic-kib", "4,8", "--group-sizes",
                "2,4", "--seeds", "2", "--out", out.toString(), "--tmp", Files.createDirectories(tmp.resolve("work")).toString()));
        args.addAll(List.of(extra));
        assertEquals(0, ClusteringBench.main(args.toArray(String[]::new)));
        assertTrue(Files.size(out.resolve("clustering.png")) > 0);
        assertTrue(Files.readString(out.resolve("README-clustering.md")).contains("./veloc4j bench clustering"));
        return (List<Map<String, Object>>) Json.parse(Files.readString(out.resolve("clustering.json")));
    }

    @Test
    void syntheticRowsForEveryGroupingAndRealSkippedWithoutData() throws Exception {
        List<Map<String, Object>> rows = run();
        for (String set : List.of("synthetic 4 KiB", "synthetic 8 KiB")) {
            for (String g : List.of("2", "4")) {
                for (String scheme : List.of("agnostic", "aware-block")) {
                    for (String grouping : List.of("rank-wise", "random", "cluster")) {
                        Map<String, Object> r = rows.stream().filter(x -> set.equals(x.get("dataset"))
                                && g.equals(String.valueOf(x.get("group_size"))) && scheme.equals(x.get("scheme"))
                                && grouping.equals(x.get("grouping"))).findFirst().orElse(null);
                        assertNotNull(r, set + " " + g + " " + scheme + " " + grouping + " in " + rows);
                        assertEquals("ok", r.get("status"), r.toString());
                        assertTrue(((Number) r.get("stored_bytes")).longValue() > 0);
                        assertNotNull(r.get("saving_vs_rank_wise_pct"));
                    }
                }
            }
        }
        Map<String, Object> real = rows.stream().filter(x -> "real".equals(x.get("dataset"))).findFirst().orElseThrow();
        assertEquals("skipped", real.get("status"));
    }

    @Test
    void realDataRows() throws Exception {
        Path data = BenchDataDirs.write(tmp.resolve("data"), List.of(new BenchDataDirs.Spec("g/t", "f4", new long[] {1, 3, 40})));
        List<Map<String, Object>> rows = run("--data", data.toString(), "--ranks", "4");
        long real = rows.stream().filter(x -> "real".equals(x.get("dataset")) && "ok".equals(x.get("status"))).count();
        assertEquals(2 * 2 * 3, real, rows.toString()); // 2 group sizes x 2 schemes x 3 groupings
    }

    @Test
    void partitionsAreChecked() {
        assertNull(ClusteringBench.checkPartition(List.of(new int[] {0, 2}, new int[] {1}), 3, 2));
        assertNotNull(ClusteringBench.checkPartition(List.of(new int[] {0, 1, 2}), 3, 2));
        assertNotNull(ClusteringBench.checkPartition(List.of(new int[] {0, 0}, new int[] {1}), 3, 2));
        assertNotNull(ClusteringBench.checkPartition(List.of(new int[] {0}, new int[] {1}, new int[] {2}), 3, 2));
        List<int[]> r = ClusteringBench.random(10, 4, 1);
        assertNull(ClusteringBench.checkPartition(r, 10, 4), Arrays.deepToString(r.toArray()));
    }
}
