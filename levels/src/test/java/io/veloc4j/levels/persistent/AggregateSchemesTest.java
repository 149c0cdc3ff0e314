package io.veloc4j.levels.persistent;

import io.veloc4j.levels.ElementType;
import io.veloc4j.levels.Region;
import io.veloc4j.levels.codec.CodecKind;
import io.veloc4j.levels.scratch.RankFile;
import io.veloc4j.levels.scratch.RankFileInfo;
import io.veloc4j.levels.scratch.RankFileWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

import static io.veloc4j.levels.persistent.AggregateTestSupport.extract;
import static io.veloc4j.levels.persistent.AggregateTestSupport.rankFile;
import static io.veloc4j.levels.persistent.AggregateTestSupport.source;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every scheme × codec round-trips every element type bit-exact through the real writer and
 * reader, with the awkward values (NaN payloads, -0.0, subnormals, infinities), empty and
 * one-element arrays, and ranks whose variable sets differ.
 */
class AggregateSchemesTest {

    @TempDir
    Path tmp;

    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    private final AggregateWriter writer = new AggregateWriter(pool, 2, 1);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    static Stream<Arguments> schemesAndCodecs() {
        List<Arguments> out = new ArrayList<>();
        for (Scheme s : Scheme.values()) {
            if (s == Scheme.NONE) {
                continue;
            }
            if (!s.aware()) {
                out.add(Arguments.of(s, null));
                continue;
            }
            out.add(Arguments.of(s, null)); // auto
            for (CodecKind k : CodecKind.values()) {
                out.add(Arguments.of(s, k));
            }
        }
        return out.stream();
    }

    /** Awkward doubles: NaN payloads, signed zeros, subnormals, infinities, extremes, then a smooth run. */
    static double[] doubles(int n, int rank) {
        double[] d = new double[n];
        long[] special = {0x7ff8000000000001L, 0x7ff0000000000001L, 0xfff8000000000abcL, 0x8000000000000000L, 0L, 1L,
                0x000fffffffffffffL, 0x7ff0000000000000L, 0xfff0000000000000L, 0x7fefffffffffffffL};
        for (int i = 0; i < n; i++) {
            d[i] = i < special.length ? Double.longBitsToDouble(special[i]) : Math.sin(i * 0.01 + rank) * 1000 + i;
        }
        return d;
    }

    static float[] floats(int n, int rank) {
        float[] f = new float[n];
        int[] special = {0x7fc00001, 0x7f800001, 0xffc00abc, 0x80000000, 0, 1, 0x007fffff, 0x7f800000, 0xff800000, 0x7f7fffff};
        for (int i = 0; i < n; i++) {
            f[i] = i < special.length ? Float.intBitsToFloat(special[i]) : (float) (Math.cos(i * 0.02 + rank) * 50);
        }
        return f;
    }

    /** A rank's variables: every element type, 2-D shapes, empty and one-element arrays; odd ranks have extras. */
    static List<RankFileWriter.Entry> entries(int rank, int n) {
        Random r = new Random(rank);
        List<RankFileWriter.Entry> e = new ArrayList<>();
        int rows = n / 16;
        e.add(new RankFileWriter.Entry(0, "temp", new long[] {rows, 16}, Region.of(Arrays.copyOf(doubles(n, rank), rows * 16))));
        e.add(new RankFileWriter.Entry(1, "salt", new long[] {n}, Region.of(floats(n, rank))));
        long[] l = new long[n];
        int[] i32 = new int[n];
        short[] s = new short[n];
        char[] c = new char[n];
        byte[] b = new byte[n];
        for (int k = 0; k < n; k++) {
            l[k] = k % 7 == 0 ? Long.MIN_VALUE + k : 1_000_000L * rank + k;
            i32[k] = k % 5 == 0 ? r.nextInt() : k * 3 - rank;
            s[k] = (short) (k % 3 == 0 ? Short.MIN_VALUE : k);
            c[k] = (char) (k % 11 == 0 ? 0xffff : 'a' + k % 26);
            b[k] = (byte) (k * rank);
        }
        e.add(new RankFileWriter.Entry(2, "ids", new long[] {n}, Region.of(l)));
        e.add(new RankFileWriter.Entry(3, "cells", new long[] {n / 4, 4}, Region.of(Arrays.copyOf(i32, n / 4 * 4))));
        e.add(new RankFileWriter.Entry(4, "flags", new long[] {n}, Region.of(s)));
        e.add(new RankFileWriter.Entry(5, "text", new long[] {n}, Region.of(c)));
        e.add(new RankFileWriter.Entry(6, "mask", new long[] {n}, Region.of(b)));
        e.add(new RankFileWriter.Entry(7, "empty", new long[] {0}, Region.of(new double[0])));
        e.add(new RankFileWriter.Entry(8, "one", new long[] {1}, Region.of(new double[] {Double.longBitsToDouble(0x7ff8dead0000beefL)})));
        e.add(new RankFileWriter.Entry(9, "onef", new long[] {1}, Region.of(new float[] {-0.0f})));
        if (rank % 2 == 1) {
            // only odd ranks: matches nothing on even ranks, travels alone; same name, other type: another key
            e.add(new RankFileWriter.Entry(10, "extra", new long[] {n}, Region.of(doubles(n, rank + 100))));
            e.add(new RankFileWriter.Entry(11, "salt", new long[] {n}, Region.of(l)));
        }
        return e;
    }

    @ParameterizedTest(name = "{0} codec {1}")
    @MethodSource("schemesAndCodecs")
    void everySchemeAndCodecRoundTripsEveryTypeBitExact(Scheme scheme, CodecKind codec) throws Exception {
        Path scratch = Files.createDirectories(tmp.resolve("scratch"));
        List<RankFileInfo> files = new ArrayList<>();
        List<AggregateWriter.Source> sources = new ArrayList<>();
        int[] sizes = {3000, 2999, 64, 1};
        for (int r = 0; r < 4; r++) {
            RankFileInfo f = rankFile(scratch, r, 4, entries(r, sizes[r] == 1 ? 16 : sizes[r]));
            files.add(f);
            sources.add(source(f, r));
        }
        Path dir = tmp.resolve("p");
        // a small block size so blocks interleave and split variables
        AggregateInfo info = writer.write(dir, new Encoding(scheme, codec, 4096, 1), 3, sources);
        assertEquals(Files.size(dir.resolve(info.file())), info.storedBytes());
        AggregateTestSupport.Index index = AggregateTestSupport.index(dir.resolve(info.file()));
        assertEquals(scheme.code(), index.scheme());
        if (scheme.aware()) {
            // ~rest, then one segment per key: temp salt ids cells flags text mask one onef extra salt(int64)
            List<String> keys = index.segments().stream().map(AggregateTestSupport.IndexSegment::key).toList();
            assertTrue(keys.contains("extra|float64|1") && keys.contains("salt|int64|1") && keys.contains("salt|float32|1"),
                    keys.toString());
            for (AggregateTestSupport.IndexSegment s : index.segments()) {
                if (codec != null && s.type() != ElementType.INT8.code() && codec.appliesTo(ElementType.ofCode(s.type()))) {
                    assertEquals(codec.code(), s.codec(), "segment " + s.key() + " is stored with the chosen codec");
                }
            }
        } else {
            assertEquals(1, index.segments().size());
        }
        for (int r = 0; r < 4; r++) {
            Path out = tmp.resolve("out-" + r);
            extract(dir.resolve(info.file()), r, out);
            assertArrayEquals(Files.readAllBytes(files.get(r).path()), Files.readAllBytes(out), "rank " + r);
            try (RankFile back = RankFile.open(out)) {
                back.verify();
            }
        }
        long raw = 0;
        for (RankFileInfo f : files) {
            raw += Files.size(f.path());
        }
        try (AggregateFile a = AggregateFile.open(dir.resolve(info.file()))) {
            assertEquals(raw, a.scrub(), "scrub decodes every rank's bytes once");
            assertEquals(raw, a.bytesDecoded());
        }
    }

    @Test
    void parallelDecodeMatchesSequential() throws Exception {
        Path scratch = Files.createDirectories(tmp.resolve("scratch"));
        List<AggregateWriter.Source> sources = new ArrayList<>();
        List<RankFileInfo> files = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            RankFileInfo f = rankFile(scratch, r, 3, List.of(new RankFileWriter.Entry(0, "u", new long[] {600_000},
                    Region.of(doubles(600_000, r)))));
            files.add(f);
            sources.add(source(f, r));
        }
        Path dir = tmp.resolve("p");
        AggregateInfo info = writer.write(dir, new Encoding(Scheme.AWARE_BLOCK, null, 1 << 20, 1), 0, sources);
        Path out = tmp.resolve("out");
        try (AggregateFile a = AggregateFile.open(dir.resolve(info.file()));
             FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            a.extract(1, ch, pool, 2);
        }
        assertArrayEquals(Files.readAllBytes(files.get(1).path()), Files.readAllBytes(out));
    }

    @Test
    void oneRankOfAnAwareBlockAggregateOfEightReadsFewerBytesThanTheAggregate() throws Exception {
        Path scratch = Files.createDirectories(tmp.resolve("scratch"));
        List<AggregateWriter.Source> sources = new ArrayList<>();
        List<RankFileInfo> files = new ArrayList<>();
        Random random = new Random(7);
        for (int r = 0; r < 8; r++) {
            double[] d = new double[1 << 18]; // 2 MiB per rank of noisy data: chunks stay large
            for (int i = 0; i < d.length; i++) {
                d[i] = random.nextGaussian();
            }
            RankFileInfo f = rankFile(scratch, r, 8, List.of(new RankFileWriter.Entry(0, "field", new long[] {d.length}, Region.of(d))));
            files.add(f);
            sources.add(source(f, r));
        }
        Path dir = tmp.resolve("p");
        AggregateInfo info = writer.write(dir, Encoding.of(Scheme.AWARE_BLOCK, 1), 0, sources);
        Path agg = dir.resolve(info.file());
        long size = Files.size(agg);
        for (int r : new int[] {0, 3, 7}) {
            Path out = tmp.resolve("out-" + r);
            long read = extract(agg, r, out);
            assertArrayEquals(Files.readAllBytes(files.get(r).path()), Files.readAllBytes(out), "rank " + r);
            assertTrue(read < size * 0.6, "rank " + r + " read " + read + " of the aggregate's " + size + " bytes");
        }
    }

    /**
     * Slabs like a domain-decomposed model's (tens of KiB per rank and variable): one rank's
     * restore decodes little more than its own bytes, not its group's, because chunks end at
     * member boundaries. With 4 MiB chunks every rank decoded all 8 ranks' bytes of each variable.
     */
    @Test
    void oneRankOfEightWithSmallSlabsDecodesLittleMoreThanItsOwnBytes() throws Exception {
        Path scratch = Files.createDirectories(tmp.resolve("scratch"));
        List<AggregateWriter.Source> sources = new ArrayList<>();
        List<RankFileInfo> files = new ArrayList<>();
        for (int r = 0; r < 8; r++) {
            float[] t = new float[48 * 192]; // 36 KiB: rows of a 2-D field
            for (int i = 0; i < t.length; i++) {
                t[i] = (float) (280 + 10 * Math.sin((r * 48 + i / 192) * 0.05) + Math.cos(i % 192 * 0.1));
            }
            double[] lat = new double[4096]; // 32 KiB
            for (int i = 0; i < lat.length; i++) {
                lat[i] = -90 + (r * 4096 + i) * 180.0 / 32768;
            }
            float[] mask = new float[1280]; // 5 KiB: small slabs share chunks
            for (int i = 0; i < mask.length; i++) {
                mask[i] = (i + r) % 7 == 0 ? 1f : 0f;
            }
            RankFileInfo f = rankFile(scratch, r, 8, List.of(
                    new RankFileWriter.Entry(0, "t", new long[] {48, 192}, Region.of(t)),
                    new RankFileWriter.Entry(1, "lat", new long[] {lat.length}, Region.of(lat)),
                    new RankFileWriter.Entry(2, "mask", new long[] {mask.length}, Region.of(mask))));
            files.add(f);
            sources.add(source(f, r));
        }
        Path dir = tmp.resolve("p");
        AggregateInfo info = writer.write(dir, Encoding.of(Scheme.AWARE_BLOCK, 1), 0, sources);
        Path agg = dir.resolve(info.file());
        long size = Files.size(agg);
        for (int r : new int[] {0, 3, 7}) {
            Path out = tmp.resolve("out-" + r);
            long own = Files.size(files.get(r).path());
            try (AggregateFile a = AggregateFile.open(agg);
                 FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                a.extract(r, ch);
                assertTrue(a.bytesDecoded() >= own, "rank " + r + " decoded " + a.bytesDecoded() + " < its " + own);
                assertTrue(a.bytesDecoded() < 2 * own, "rank " + r + " decoded " + a.bytesDecoded() + " bytes for its " + own);
                assertTrue(a.bytesRead() < size / 3, "rank " + r + " read " + a.bytesRead() + " of " + size);
            }
            assertArrayEquals(Files.readAllBytes(files.get(r).path()), Files.readAllBytes(out), "rank " + r);
        }
    }
}
