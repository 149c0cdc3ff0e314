package io.veloc4j.bench;

import io.veloc4j.levels.Failpoint;
import io.veloc4j.levels.persistent.AggregateInfo;
import io.veloc4j.levels.persistent.Manifest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #15: {@code mpirun -np 4} heatdis, one process SIGKILLed at an exact moment (a failpoint:
 * while rank 1 writes its rank file, while an engine renames an aggregate into place, just before
 * and just after a MANIFEST is committed). The relaunch must finish (no hang), bit-identical to a
 * failure-free run, and must not change a single byte of any version committed before it: every
 * file a MANIFEST names keeps its checksum.
 */
class HeatDisMpiFailpointTest {

    private static final int RANKS = 4;
    private static final int HEAP_MB = 256;
    private static final long TIMEOUT_S = 240; // hang guard per job
    private static final int KILL_AT_VERSION = 12;

    @TempDir
    static Path shared;

    private static List<String> expected;

    private final JobLauncher launcher = new JobLauncher();

    private static List<String> common() {
        return List.of("--mb", "4", "--cols", "65536", "--steps", "40", "--quiet");
    }

    private List<String> command(List<String> more) {
        List<String> args = new ArrayList<>(common());
        args.addAll(more);
        return launcher.mpiCommand(RANKS, HEAP_MB, HeatDis.class.getName(), args);
    }

    private static String show(Path log) {
        try {
            return "\n---- job log " + log + " ----\n" + Files.readString(log);
        } catch (IOException e) {
            return "\n(no log: " + e + ")";
        }
    }

    @BeforeAll
    static void reference() throws Exception {
        Assumptions.assumeTrue(JobLauncher.mpirunAvailable(), "mpirun is not installed (./veloc4j setup installs it)");
        Path ref = shared.resolve("reference");
        Path log = shared.resolve("reference.log");
        List<String> args = new ArrayList<>(common());
        args.addAll(List.of("--ckpt-every", "0", "--result-dir", ref.toString()));
        int code = JobLauncher.run(new JobLauncher().mpiCommand(RANKS, HEAP_MB, HeatDis.class.getName(), args), log, TIMEOUT_S);
        assertEquals(0, code, "reference run" + show(log));
        expected = HeatDis.readHashes(ref, RANKS);
    }

    @ParameterizedTest
    @ValueSource(strings = {Failpoint.RANK_FILE_BEFORE_RENAME + ":12:1", Failpoint.AGGREGATE_BEFORE_RENAME + ":12",
            Failpoint.MANIFEST_BEFORE_COMMIT + ":12", Failpoint.MANIFEST_AFTER_COMMIT + ":12"})
    void aKillAtAnyMomentNeverHangsTheRelaunchNorChangesACommittedVersion(String failpoint, @TempDir Path tmp)
            throws Exception {
        Path cfg = tmp.resolve("veloc.cfg");
        Path persistent = tmp.resolve("persistent");
        Files.writeString(cfg, """
                scratch = %s/scratch/%%n
                persistent = %s
                virtual_nodes = 2
                scratch_versions = 2
                group_size = 2
                """.formatted(tmp, persistent));
        Path log = tmp.resolve("jobs.log");
        List<String> job = List.of("--config", cfg.toString(), "--ckpt-every", "4");

        List<String> victim = new ArrayList<>(job);
        victim.addAll(List.of("--result-dir", tmp.resolve("victim").toString()));
        int code = JobLauncher.run(command(victim), Map.of("VELOC4J_FAILPOINT", failpoint), log, TIMEOUT_S);
        assertNotEquals(0, code, "the failpoint killed a rank, so mpirun fails" + show(log));
        assertTrue(Files.readString(log).contains("failpoint " + failpoint + " reached"), "the kill happened where asked" + show(log));

        Map<Path, String> committed = committedFiles(persistent.resolve(HeatDis.NAME));
        assertTrue(committed.keySet().stream().anyMatch(p -> p.toString().contains("/8/")),
                "v8 was committed before the kill at v12: " + committed.keySet());

        Path out = tmp.resolve("restarted");
        List<String> again = new ArrayList<>(job);
        again.addAll(List.of("--result-dir", out.toString()));
        code = JobLauncher.run(command(again), log, TIMEOUT_S);
        assertEquals(0, code, "relaunch after " + failpoint + show(log));
        List<String> actual = HeatDis.readHashes(out, RANKS);
        assertEquals(expected, actual, "the relaunch ends bit-identical to a failure-free run" + show(log));
        String from = Files.readString(out.resolve("rank-0.restart")).trim();
        System.out.println("HeatDisMpiFailpointTest: " + failpoint + " → the relaunch restarted from " + from);

        Map<Path, String> after = committedFiles(persistent.resolve(HeatDis.NAME));
        for (Map.Entry<Path, String> f : committed.entrySet()) {
            assertEquals(f.getValue(), after.get(f.getKey()), f.getKey() + ", committed before the kill, changed or vanished");
        }
        assertTrue(after.keySet().stream().anyMatch(p -> p.toString().contains("/40/")), "the relaunch persisted v40");
    }

    /** Every committed version's MANIFEST and the files it names, with their SHA-256; asserts none is missing. */
    private static Map<Path, String> committedFiles(Path dir) throws Exception {
        Map<Path, String> out = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> versions = Files.list(dir)) {
            for (Path v : versions.sorted().toList()) {
                if (!Files.exists(v.resolve(Manifest.FILE))) {
                    continue;
                }
                Manifest m = Manifest.read(v);
                assertEquals(RANKS, m.files().stream().mapToInt(f -> f.members().size()).sum(), v + ": every rank");
                out.put(v.resolve(Manifest.FILE), sha256(v.resolve(Manifest.FILE)));
                for (AggregateInfo f : m.files()) {
                    Path p = v.resolve(f.file());
                    assertTrue(Files.isRegularFile(p), p + " is named by the MANIFEST but missing");
                    out.put(p, sha256(p));
                }
            }
        }
        return out;
    }

    private static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }
}
