package io.veloc4j.levels.persistent;

import io.veloc4j.levels.Region;
import io.veloc4j.levels.codec.CodecKind;
import io.veloc4j.levels.codec.Codecs;
import io.veloc4j.levels.ElementType;
import io.veloc4j.levels.scratch.RankFileInfo;
import io.veloc4j.levels.scratch.RankFileWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * codec = auto stores no segment more than 1 % larger than the best of its candidates would (the
 * segments here are small enough to be probed on their chunks, including one whose sample would
 * mislead: a field of few distinct values that the rank transform codes well in whole chunks
 * only); and chunk_rank_cut decides where chunks end between ranks, every setting round-tripping.
 */
class AutoAndChunkingTest {

    @TempDir
    Path tmp;

    private final ExecutorService pool = Executors.newFixedThreadPool(2);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    /** Per rank: a grid of few distinct values, a smooth field, noise, a 1-D series; shapes like the real data's. */
    private static List<RankFileWriter.Entry> state(int rank) {
        int rows = 24;
        int cols = 320;
        // 1000 values, repeating: more distinct values than the rank transform takes in a sample
        // piece (an eighth of the segment: 2048 elements), few enough for it in a chunk (7680)
        float[] table = new float[1000];
        SplittableRandom t = new SplittableRandom(42);
        for (int k = 0; k < table.length; k++) {
            table[k] = (float) (t.nextDouble() * 1000);
        }
        float[] periodic = new float[rows * cols];
        for (int i = 0; i < periodic.length; i++) {
            periodic[i] = table[(rank * periodic.length + i) % table.length];
        }
        float[] grid = new float[rows * cols];
        float[] smooth = new float[rows * cols];
        float[] noise = new float[4000];
        double[] series = new double[5000];
        SplittableRandom r = new SplittableRandom(rank);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double lat = -80 + 0.5 * (rank * rows + i) + 0.01 * j;
                grid[i * cols + j] = (float) (Math.round(lat * 4) / 4.0); // quarter-degree steps: few values
                smooth[i * cols + j] = (float) (Math.sin(0.05 * j + 0.1 * (rank * rows + i)) * 30 + 280);
            }
        }
        for (int i = 0; i < noise.length; i++) {
            noise[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < series.length; i++) {
            series[i] = 100 + i * 0.01 + r.nextGaussian() * 1e-6;
        }
        List<RankFileWriter.Entry> e = new ArrayList<>();
        e.add(new RankFileWriter.Entry(0, "grid", new long[] {rows, cols}, Region.of(grid)));
        e.add(new RankFileWriter.Entry(1, "smooth", new long[] {rows, cols}, Region.of(smooth)));
        e.add(new RankFileWriter.Entry(2, "noise", new long[] {noise.length}, Region.of(noise)));
        e.add(new RankFileWriter.Entry(3, "series", new long[] {series.length}, Region.of(series)));
        e.add(new RankFileWriter.Entry(4, "periodic", new long[] {rows, cols}, Region.of(periodic)));
        return e;
    }

    private List<AggregateWriter.Source> sources(int ranks) throws Exception {
        Path dir = tmp.resolve("ranks");
        Files.createDirectories(dir);
        List<AggregateWriter.Source> out = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            RankFileInfo f = AggregateTestSupport.rankFile(dir, r, ranks, state(r));
            out.add(AggregateTestSupport.source(f, r));
        }
        return out;
    }

    /** Stored bytes per segment key. */
    private static Map<String, Long> storedBySegment(AggregateTestSupport.Index idx) {
        Map<String, Long> out = new HashMap<>();
        for (AggregateTestSupport.IndexChunk c : idx.chunks()) {
            out.merge(idx.segments().get(c.segment()).key(), (long) c.storedLength(), Long::sum);
        }
        return out;
    }

    private AggregateTestSupport.Index write(String dir, Encoding e, List<AggregateWriter.Source> src) throws Exception {
        Path d = tmp.resolve(dir);
        AggregateInfo info = new AggregateWriter(pool, 2, 1).write(d, e, 0, src);
        Path agg = d.resolve(info.file());
        for (AggregateWriter.Source s : src) {
            Path out = tmp.resolve(dir + "-rank-" + s.rank());
            AggregateTestSupport.extract(agg, s.rank(), out);
            assertEquals(-1, Files.mismatch(s.path(), out), dir + ": rank " + s.rank() + " round-trips bit-exact");
        }
        return AggregateTestSupport.index(agg);
    }

    @Test
    void autoIsWithinOnePercentOfItsBestCandidateOnEverySegment() throws Exception {
        List<AggregateWriter.Source> src = sources(4);
        Map<String, Long> auto = storedBySegment(write("auto", new Encoding(Scheme.AWARE_BLOCK, null, Encoding.DEFAULT_BLOCK_SIZE, 1), src));
        Map<String, Long> best = new HashMap<>();
        for (CodecKind k : Codecs.candidates(ElementType.FLOAT32)) {
            Map<String, Long> m = storedBySegment(write(k.label(), new Encoding(Scheme.AWARE_BLOCK, k, Encoding.DEFAULT_BLOCK_SIZE, 1), src));
            m.forEach((seg, b) -> best.merge(seg, b, Math::min));
        }
        for (Map.Entry<String, Long> e : auto.entrySet()) {
            long b = best.get(e.getKey());
            assertTrue(e.getValue() <= b * 1.01, e.getKey() + ": auto stores " + e.getValue() + " B, its best candidate " + b + " B");
        }
    }

    @Test
    void theRankCutDecidesWhereChunksEnd() throws Exception {
        List<AggregateWriter.Source> src = sources(4);
        for (int cut : new int[] {0, 16 << 10, AggregateFormat.CHUNK}) {
            AggregateTestSupport.Index idx = write("cut-" + cut, new Encoding(Scheme.AWARE, null, Encoding.DEFAULT_BLOCK_SIZE, 1, cut), src);
            int grid = -1;
            for (int s = 0; s < idx.segments().size(); s++) {
                if (idx.segments().get(s).key().startsWith("grid|")) {
                    grid = s;
                }
            }
            int seg = grid;
            long chunks = idx.chunks().stream().filter(c -> c.segment() == seg).count();
            // the grid is 30 KiB per rank: a chunk per rank when cut at every boundary or at 16 KiB; one chunk by size only
            assertEquals(cut == AggregateFormat.CHUNK ? 1 : 4, chunks, "chunks of the grid at cut " + cut);
            for (AggregateWriter.Source s : src) {
                long spans = idx.chunksOf(s.rank()).stream().filter(c -> c.segment() == seg).count();
                assertEquals(1, spans, "rank " + s.rank() + "'s grid in one chunk at cut " + cut);
            }
        }
    }
}
