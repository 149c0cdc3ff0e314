package io.veloc4j.runtime.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.veloc4j.comm.LocalComm;
import io.veloc4j.config.VelocConfig;
import io.veloc4j.runtime.Progress;
import io.veloc4j.runtime.Veloc;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.veloc4j.runtime.cli.MainTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CLI on a real checkpoint (2 ranks, aware aggregation, every element type): verify, ls with
 * the verify state, inspect (text and --json), export --hdf5 read back bit-exact by jhdf and, when
 * installed, by h5dump and h5py.
 */
class CheckpointToolsTest {

    @TempDir
    Path tmp;

    private Path cfg;
    private static final int ROWS = 6;
    private static final int COLS = 5;

    /** Rank r's field: a smooth 2-D double field with a NaN in it on rank 1. */
    static double[] field(int r) {
        double[] h = new double[ROWS * COLS];
        for (int i = 0; i < h.length; i++) {
            h[i] = Math.sin(i * 0.1) * (r + 1) + i;
        }
        if (r == 1) {
            h[7] = Double.NaN;
        }
        return h;
    }

    @BeforeEach
    void checkpoint() throws Exception {
        cfg = tmp.resolve("veloc.cfg");
        Files.writeString(cfg, "scratch = s/%n\npersistent = p\naggregation_scheme = aware\ngroup_size = 2\n");
        VelocConfig config = VelocConfig.load(cfg);
        LocalComm.run(2, c -> {
            try (Veloc v = Veloc.init(config, c)) {
                int r = c.rank();
                v.protect(0, "h", field(r), ROWS, COLS);
                v.protect(1, "f", new float[] {1.5f, -2f, r});
                v.protect(2, "l", new long[] {Long.MIN_VALUE, r});
                v.protect(3, "i", new int[] {7, -7, r});
                v.protect(4, "s", new short[] {-3, (short) r});
                v.protect(5, "c", new char[] {'a', (char) 0xffff});
                v.protect(6, "b", new byte[] {-128, 127, (byte) r});
                v.checkpoint("heat", 10);
            }
            return null;
        });
    }

    private Path aggregate() throws Exception {
        try (Stream<Path> s = Files.list(tmp.resolve("p/heat/10"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".vagg")).findFirst().orElseThrow();
        }
    }

    private static String stateOf(String lsOut) {
        String row = lsOut.lines().filter(l -> l.startsWith("heat")).findFirst().orElseThrow();
        String[] w = row.trim().split("\\s+");
        return w[w.length - 1];
    }

    @Test
    void verifyRecordsItsVerdictAndLsShowsIt() throws Exception {
        assertEquals("persisted", stateOf(run("ls", "--config", cfg.toString()).out()));
        MainTest.Outcome ok = run("verify", "--config", cfg.toString());
        assertEquals(0, ok.code(), ok.toString());
        assertTrue(ok.out().contains("heat v10 persistent: verified"), ok.out());
        assertTrue(ok.out().contains("heat v10 scratch: verified (2 rank file(s)"), ok.out());
        assertEquals("verified", stateOf(run("ls", "--config", cfg.toString()).out()));

        // one flipped byte in the middle of the aggregate's chunks
        Path agg = aggregate();
        try (RandomAccessFile f = new RandomAccessFile(agg.toFile(), "rw")) {
            f.seek(40);
            int b = f.read();
            f.seek(40);
            f.write(b ^ 0x10);
        }
        assertEquals("persisted", stateOf(run("ls", "--config", cfg.toString()).out()), "the old verdict no longer holds");
        MainTest.Outcome bad = run("verify", "--config", cfg.toString(), "heat", "10");
        assertEquals(1, bad.code(), bad.toString());
        assertTrue(bad.out().contains("heat v10 persistent: CORRUPT: aggregate " + agg), bad.out());
        assertEquals("corrupt", stateOf(run("ls", "--config", cfg.toString()).out()));
        JsonArray rows = JsonParser.parseString(run("ls", "--config", cfg.toString(), "--json").out()).getAsJsonArray();
        assertEquals("corrupt", rows.get(0).getAsJsonObject().get("state").getAsString());
        assertEquals(2, rows.get(0).getAsJsonObject().get("ranks").getAsInt());

        MainTest.Outcome none = run("verify", "--config", cfg.toString(), "nothing");
        assertEquals(1, none.code());
        assertTrue(none.err().contains("no checkpoint 'nothing'"), none.err());
    }

    @Test
    void inspectShowsEveryVariableWithStatisticsAndCodec() throws Exception {
        for (boolean loseScratch : new boolean[] {false, true}) {
            if (loseScratch) {
                deleteTree(tmp.resolve("s"));
            }
            MainTest.Outcome o = run("inspect", "--config", cfg.toString(), "--json", "heat", "10");
            assertEquals(0, o.code(), o.toString());
            JsonArray ranks = JsonParser.parseString(o.out()).getAsJsonObject().getAsJsonArray("ranks");
            assertEquals(2, ranks.size());
            JsonObject r1 = ranks.get(1).getAsJsonObject();
            assertEquals(1, r1.get("rank").getAsInt());
            assertEquals(loseScratch ? "persistent" : "scratch", r1.get("level").getAsString());
            JsonArray vars = r1.getAsJsonArray("variables");
            assertEquals(7, vars.size());
            JsonObject h = vars.get(0).getAsJsonObject();
            assertEquals("h", h.get("name").getAsString());
            assertEquals("float64", h.get("type").getAsString());
            assertEquals("[6,5]", h.get("shape").toString());
            assertEquals(ROWS * COLS * 8, h.get("bytes").getAsLong());
            assertEquals(1, h.get("nans").getAsLong());
            double[] f = field(1);
            double min = Arrays.stream(f).filter(x -> !Double.isNaN(x)).min().orElseThrow();
            double max = Arrays.stream(f).filter(x -> !Double.isNaN(x)).max().orElseThrow();
            assertEquals(min, h.get("min").getAsDouble());
            assertEquals(max, h.get("max").getAsDouble());
            JsonObject c = vars.get(5).getAsJsonObject();
            assertEquals("char16", c.get("type").getAsString());
            assertEquals(65535.0, c.get("max").getAsDouble());
            JsonObject l = vars.get(2).getAsJsonObject();
            assertEquals((double) Long.MIN_VALUE, l.get("min").getAsDouble());
            if (loseScratch) {
                for (JsonElement v : vars) {
                    assertFalse(v.getAsJsonObject().get("codec").getAsString().isEmpty());
                }
            }
        }
        MainTest.Outcome text = run("inspect", "--config", cfg.toString(), "--rank", "0", "heat", "10");
        assertEquals(0, text.code(), text.toString());
        assertTrue(text.out().lines().anyMatch(x -> x.matches("\\s+0\\s+0 h\\s+float64\\s+\\[6,5\\]\\s+240 .*")), text.out());
        MainTest.Outcome missing = run("inspect", "--config", cfg.toString(), "--rank", "5", "heat", "10");
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("rank 5"), missing.err());
        try (Stream<Path> left = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith("veloc4j-inspect-")),
                    "the decoded copies are removed");
        }
    }

    @Test
    void exportWritesHdf5ThatReadsBackBitExact() throws Exception {
        deleteTree(tmp.resolve("s")); // from the persistent aggregate
        Path out = tmp.resolve("heat.h5");
        MainTest.Outcome o = run("export", "--hdf5", out.toString(), "--config", cfg.toString(), "heat", "10");
        assertEquals(0, o.code(), o.toString());
        assertTrue(o.out().contains("2 rank(s), 14 dataset(s)"), o.out());
        try (HdfFile h5 = new HdfFile(out)) {
            for (int r = 0; r < 2; r++) {
                Dataset h = h5.getDatasetByPath("/rank-" + r + "/h");
                assertArrayEquals(new int[] {ROWS, COLS}, h.getDimensions());
                double[][] got = (double[][]) h.getData();
                double[] want = field(r);
                for (int i = 0; i < ROWS; i++) {
                    for (int j = 0; j < COLS; j++) {
                        assertEquals(Double.doubleToRawLongBits(want[i * COLS + j]), Double.doubleToRawLongBits(got[i][j]));
                    }
                }
                assertArrayEquals(new long[] {Long.MIN_VALUE, r}, (long[]) h5.getDatasetByPath("/rank-" + r + "/l").getData());
                assertArrayEquals(new byte[] {-128, 127, (byte) r}, (byte[]) h5.getDatasetByPath("/rank-" + r + "/b").getData());
                assertArrayEquals(new short[] {'a', (short) 0xffff}, (short[]) h5.getDatasetByPath("/rank-" + r + "/c").getData());
                assertEquals(r, ((Number) h5.getByPath("/rank-" + r).getAttribute("rank").getData()).intValue());
                assertEquals("persistent", h5.getByPath("/rank-" + r).getAttribute("level").getData());
                assertEquals("h", h.getAttribute("name").getData());
            }
        }
        assertFalse(Files.exists(tmp.resolve("heat.h5.tmp-" + ProcessHandle.current().pid())));
    }

    @Test
    void h5dumpReadsTheExportBitExact() throws Exception {
        Assumptions.assumeTrue(onPath("h5dump"), "h5dump not installed (Debian hdf5-tools; ./veloc4j setup installs it)");
        Path out = tmp.resolve("heat.h5");
        assertEquals(0, run("export", "--hdf5", out.toString(), "--config", cfg.toString(), "heat", "10").code());
        Path bin = tmp.resolve("h.bin");
        Process p = new ProcessBuilder("h5dump", "-b", "LE", "-d", "/rank-1/h", "-o", bin.toString(), out.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), log);
        ByteBuffer want = ByteBuffer.allocate(ROWS * COLS * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double d : field(1)) {
            want.putDouble(d);
        }
        assertArrayEquals(want.array(), Files.readAllBytes(bin));
        Process header = new ProcessBuilder("h5dump", "-H", "-A", out.toString()).redirectErrorStream(true).start();
        String h = new String(header.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(header.waitFor(60, TimeUnit.SECONDS));
        assertTrue(h.contains("DATASPACE  SIMPLE { ( 6, 5 ) / ( 6, 5 ) }"), h);
        assertTrue(h.contains("H5T_IEEE_F64LE"), h);
    }

    @Test
    void h5pyReadsTheExportBitExact() throws Exception {
        String python = Stream.of("python3", "/usr/bin/python3").filter(py -> python(py, "import h5py") == 0).findFirst()
                .orElse(null);
        Assumptions.assumeTrue(python != null, "h5py not installed (python3-h5py)");
        Path out = tmp.resolve("heat.h5");
        assertEquals(0, run("export", "--hdf5", out.toString(), "--config", cfg.toString(), "heat", "10").code());
        String script = "import h5py,sys\nf=h5py.File(sys.argv[1],'r')\nd=f['rank-1/h']\n"
                + "assert d.shape==(6,5), d.shape\nsys.stdout.write(d[()].astype('<f8').tobytes().hex())\n";
        Process p = new ProcessBuilder(python, "-c", script, out.toString()).start();
        String hex = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        ByteBuffer want = ByteBuffer.allocate(ROWS * COLS * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double d : field(1)) {
            want.putDouble(d);
        }
        assertEquals(java.util.HexFormat.of().formatHex(want.array()), hex);
    }

    @Test
    void commandsDefaultToVelocCfgInTheWorkingDirectory() {
        MainTest.Outcome check = run("config", "check");
        assertEquals(2, check.code());
        assertTrue(check.out().startsWith("veloc.cfg: cannot read the config file"), check.out());
        MainTest.Outcome ls = run("ls");
        assertEquals(1, ls.code());
        assertTrue(ls.err().contains("veloc.cfg: cannot read the config file"), ls.err());
    }

    @Test
    void progressLineHasBytesRateAndEta() {
        assertEquals("verify: 1.0 GiB of 4.0 GiB (25%), 512.0 MiB/s, ETA 6 s",
                Progress.line("verify", 1L << 30, 4L << 30, TimeUnit.SECONDS.toNanos(2)));
        assertEquals("drain: 0 B of 1.0 KiB (0%), 0 B/s", Progress.line("drain", 0, 1024, TimeUnit.SECONDS.toNanos(3)));
        assertEquals("export: 3.0 MiB, 1.0 MiB/s", Progress.line("export", 3L << 20, 0, TimeUnit.SECONDS.toNanos(3)));
        assertEquals("x: 1.0 MiB of 601.0 MiB (0%), 1.0 KiB/s, ETA 170.7 h",
                Progress.line("x", 1L << 20, 601L << 20, TimeUnit.SECONDS.toNanos(1024)));
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    private static int python(String python, String code) {
        try {
            Process p = new ProcessBuilder(python, "-c", code).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (java.io.IOException | InterruptedException e) {
            return -1;
        }
    }

    static void deleteTree(Path p) throws Exception {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            List<Path> all = new ArrayList<>(s.toList());
            all.sort(java.util.Comparator.reverseOrder());
            for (Path q : all) {
                Files.deleteIfExists(q);
            }
        }
    }
}
