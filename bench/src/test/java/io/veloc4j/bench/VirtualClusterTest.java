package io.veloc4j.bench;

import io.veloc4j.comm.LocalComm;
import io.veloc4j.levels.persistent.AggregateInfo;
import io.veloc4j.levels.persistent.Manifest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static io.veloc4j.bench.ClusterJobs.ls;
import static io.veloc4j.bench.ClusterJobs.names;
import static io.veloc4j.bench.ClusterJobs.show;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #14 on a virtual cluster: real mpirun, one JVM per rank, each simulated host in its own
 * UTS + mount namespace with a private scratch, TCP over loopback. Groups span hosts: a version
 * has ceil(ranks / group_size) files whatever the ranks per host, every engine reads only its own
 * host's scratch (the others' are not even visible to it), and a restart from persistent storage
 * alone is bit-exact. Skipped, with the reason, where namespaces are refused (not root).
 */
class VirtualClusterTest {

    private static final int RANKS = 8;
    private static final int HEAP_MB = 160;
    private static final long TIMEOUT_S = 300;
    private static final List<String> HEATDIS = List.of("--mb", "1", "--cols", "65536", "--steps", "20", "--quiet");

    @TempDir
    Path tmp;

    private static List<String> reference;

    private final JobLauncher launcher = new JobLauncher();

    @BeforeAll
    static void check() throws Exception {
        Assumptions.assumeTrue(JobLauncher.mpirunAvailable(), "mpirun is not installed (./veloc4j setup installs it)");
        String why = VirtualCluster.unavailable();
        Assumptions.assumeTrue(why == null, why);
        // the failure-free field, computed here with the ranks as threads (the same numbers)
        reference = LocalComm.run(RANKS, c -> HeatDis.run(c, new HeatDis.Options(1, 65536, 20, 0, -1, null, null, RANKS, true)))
                .stream().map(HeatDis.Result::fieldSha256).toList();
        assertEquals(RANKS, reference.stream().distinct().count(), "every rank holds a different part of the field");
    }


    @Test
    void everyHostHasItsOwnNameAndAScratchNoOtherHostSees() throws Exception {
        VirtualCluster c = VirtualCluster.create(tmp.resolve("vc"), 2, 2);
        Path out = c.shared().resolve("probe");
        Path log = tmp.resolve("probe.log");
        int code = JobLauncher.run(launcher.clusterCommand(c, 96, VirtualClusterProbe.class.getName(),
                List.of(c.scratch().toString(), c.root().resolve("hosts").toString(), out.toString())), log, TIMEOUT_S);
        assertEquals(0, code, "probe job" + show(log));
        for (int r = 0; r < 4; r++) {
            List<String> lines = Files.readAllLines(out.resolve("rank-" + r));
            String host = c.hostOf(r);
            int first = r / 2 * 2;
            assertEquals(host, lines.get(0), "rank " + r + "'s host name");
            assertEquals(Integer.toString(first), lines.get(1), "rank " + r + "'s host, as MPI groups ranks");
            assertEquals("written-by-rank-" + first + ",written-by-rank-" + (first + 1), lines.get(2),
                    "rank " + r + " sees its host's files and only those");
            assertEquals("0", lines.get(3), "no host sees the hosts' directories");
        }
        assertEquals(List.of("written-by-rank-0", "written-by-rank-1"), names(c.hostScratch("vh0")));
        assertEquals(List.of("written-by-rank-2", "written-by-rank-3"), names(c.hostScratch("vh1")));
        assertEquals(List.of(), names(c.scratch()), "outside the cluster the scratch path is just an empty directory");
    }

    /**
     * 8 ranks: on 8 hosts (one each, agnostic) and on 4 hosts (two each, aware-block + auto),
     * groups of 4: every version has 2
     * files; each host's scratch holds its own ranks' files only; with every scratch deleted the
     * relaunch restores all ranks from persistent storage, bit-exact; ls lists every version.
     */
    @ParameterizedTest
    @CsvSource({"8, 1, agnostic", "4, 2, aware-block"})
    void groupsSpanHostsAndTheFilesAloneRestoreBitExact(int hosts, int slots, String scheme) throws Exception {
        VirtualCluster c = VirtualCluster.create(tmp.resolve("vc"), hosts, slots);
        Path cfg = config(c, scheme, "");
        Path log = tmp.resolve("jobs.log");
        List<String> run = new ArrayList<>(HEATDIS);
        run.addAll(List.of("--config", cfg.toString(), "--ckpt-every", "10", "--result-dir", tmp.resolve("first").toString()));
        assertEquals(0, JobLauncher.run(launcher.clusterCommand(c, HEAP_MB, HeatDis.class.getName(), run), log, TIMEOUT_S),
                "the checkpointing run" + show(log));
        assertEquals(reference, HeatDis.readHashes(tmp.resolve("first"), RANKS));

        Path persistent = c.shared().resolve("persistent").resolve(HeatDis.NAME);
        for (int v = 10; v <= 20; v += 10) {
            Path dir = persistent.resolve(Integer.toString(v));
            Manifest m = Manifest.read(dir);
            assertEquals(2, m.files().size(), "v" + v + ": ceil(8 / 4) files, whatever the ranks per host");
            List<String> files = names(dir).stream().filter(n -> n.endsWith(".vagg")).toList();
            assertEquals(2, files.size(), "v" + v + ": " + names(dir));
            for (AggregateInfo f : m.files()) {
                assertEquals(4, f.members().size(), v + ": " + f);
            }
        }
        for (int h = 0; h < hosts; h++) {
            String host = c.hosts().get(h);
            for (int v = 10; v <= 20; v += 10) {
                List<String> expected = new ArrayList<>();
                for (int r = h * slots; r < (h + 1) * slots; r++) {
                    expected.add("rank-" + r + ".vck");
                }
                assertEquals(expected, names(c.hostScratch(host).resolve(HeatDis.NAME).resolve(Integer.toString(v))),
                        host + "'s scratch holds its own ranks' files of v" + v + ", nothing of another host's");
            }
        }
        assertEquals(hosts, names(c.shared().resolve("persistent/.veloc4j/catalog")).size(), "a catalog per host");
        String listing = ls(cfg);
        for (int v = 10; v <= 20; v += 10) {
            int ver = v;
            assertTrue(listing.lines().anyMatch(l -> l.matches("heat\\s+" + ver + "\\s.*persistent.*")), "ls lists v" + v + ":\n"
                    + listing);
        }

        for (String host : c.hosts()) {
            Demo.deleteTree(c.hostScratch(host));
            Files.createDirectories(c.hostScratch(host));
        }
        Path out = tmp.resolve("restarted");
        List<String> again = new ArrayList<>(HEATDIS);
        again.addAll(List.of("--config", cfg.toString(), "--ckpt-every", "10", "--result-dir", out.toString()));
        assertEquals(0, JobLauncher.run(launcher.clusterCommand(c, HEAP_MB, HeatDis.class.getName(), again), log, TIMEOUT_S),
                "the relaunch with every scratch gone" + show(log));
        for (int r = 0; r < RANKS; r++) {
            assertEquals("20 persistent", Files.readString(out.resolve("rank-" + r + ".restart")).trim(), "rank " + r);
        }
        assertEquals(reference, HeatDis.readHashes(out, RANKS), "restored from persistent storage alone, bit-exact");
    }

    /**
     * Every rank of one host SIGKILLed while a version is being flushed across hosts: persistent
     * storage holds only whole versions (a MANIFEST whose files all exist) or none, and the
     * relaunch ends bit-identical to a failure-free run.
     */
    @Test
    void allRanksOfOneHostKilledDuringACrossHostFlush() throws Exception {
        VirtualCluster c = VirtualCluster.create(tmp.resolve("vc"), 4, 2);
        Path cfg = config(c, "agnostic", "compression_level = 3\n");
        Path log = tmp.resolve("jobs.log");
        List<String> run = new ArrayList<>(List.of("--mb", "16", "--cols", "262144", "--steps", "40", "--quiet"));
        run.addAll(List.of("--config", cfg.toString(), "--ckpt-every", "4"));
        Process victim = new ProcessBuilder(launcher.clusterCommand(c, 256, HeatDis.class.getName(), run))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        Path persistent = c.shared().resolve("persistent").resolve(HeatDis.NAME);
        String caught = null;
        try {
            long deadline = System.currentTimeMillis() + 120_000;
            while (caught == null && victim.isAlive() && System.currentTimeMillis() < deadline) {
                caught = flushInProgress(persistent);
                Thread.sleep(2);
            }
            // host vh1 (ranks 2 and 3) dies: every JVM of it, at once
            for (ProcessHandle p : victim.descendants().toList()) {
                int rank = rankOf(p);
                if (rank == 2 || rank == 3) {
                    p.destroyForcibly();
                }
            }
        } finally {
            Thread.sleep(500);
            victim.descendants().forEach(ProcessHandle::destroyForcibly);
            victim.destroyForcibly();
            victim.waitFor();
        }
        System.out.println("VirtualClusterTest: killed vh1's ranks " + (caught == null ? "(no flush caught in flight)" : caught));
        int whole = checkOnlyWholeVersions(persistent);
        Path out = tmp.resolve("restarted");
        List<String> again = new ArrayList<>(run);
        again.addAll(List.of("--result-dir", out.toString()));
        assertEquals(0, JobLauncher.run(launcher.clusterCommand(c, 256, HeatDis.class.getName(), again), log, TIMEOUT_S),
                "the relaunch" + show(log));
        List<String> expected = LocalComm.run(RANKS, r -> HeatDis.run(r, new HeatDis.Options(16, 262144, 40, 0, -1, null, null,
                RANKS, true))).stream().map(HeatDis.Result::fieldSha256).toList();
        assertEquals(expected, HeatDis.readHashes(out, RANKS), "bit-identical to a failure-free run");
        checkOnlyWholeVersions(persistent);
        assertTrue(Files.isRegularFile(persistent.resolve("40").resolve(Manifest.FILE)), "the relaunch persisted v40");
        System.out.println("VirtualClusterTest: " + whole + " whole version(s) before the relaunch");
    }

    private Path config(VirtualCluster c, String scheme, String extra) throws IOException {
        Path cfg = tmp.resolve("veloc.cfg");
        Files.writeString(cfg, """
                scratch = %s
                persistent = %s
                aggregation_scheme = %s
                group_size = 4
                scratch_versions = 2
                %s""".formatted(c.scratch(), c.shared().resolve("persistent"), scheme, extra));
        return cfg;
    }


    private static int rankOf(ProcessHandle p) {
        try {
            String env = Files.readString(Path.of("/proc/" + p.pid() + "/environ"));
            for (String kv : env.split("\0")) {
                if (kv.startsWith("OMPI_COMM_WORLD_RANK=")) {
                    return Integer.parseInt(kv.substring("OMPI_COMM_WORLD_RANK=".length()));
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone, or not a rank
        }
        return -1;
    }

    /** A description when a version is committed and another is being written (files, no MANIFEST yet), else null. */
    private static String flushInProgress(Path dir) {
        String inFlight = null;
        boolean committed = false;
        try (Stream<Path> versions = Files.list(dir)) {
            for (Path v : versions.toList()) {
                if (Files.exists(v.resolve(Manifest.FILE))) {
                    committed = true;
                } else if (!names(v).isEmpty()) {
                    inFlight = "v" + v.getFileName() + " in flight " + names(v);
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return committed ? inFlight : null;
    }

    /** Every version directory has no MANIFEST, or one whose files all exist with their sizes; the committed count. */
    private static int checkOnlyWholeVersions(Path dir) throws Exception {
        int committed = 0;
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        Map<String, String> seen = new TreeMap<>();
        try (Stream<Path> versions = Files.list(dir)) {
            for (Path v : versions.sorted().toList()) {
                if (!Files.exists(v.resolve(Manifest.FILE))) {
                    seen.put(v.getFileName().toString(), "uncommitted");
                    continue;
                }
                Manifest m = Manifest.read(v);
                assertEquals(RANKS, m.files().stream().mapToInt(f -> f.members().size()).sum(), v + ": every rank");
                for (AggregateInfo f : m.files()) {
                    Path p = v.resolve(f.file());
                    assertTrue(Files.isRegularFile(p), p + " is named by the MANIFEST but missing");
                    assertEquals(f.storedBytes(), Files.size(p), p + " size");
                }
                committed++;
                seen.put(v.getFileName().toString(), "committed");
            }
        }
        assertFalse(seen.isEmpty() && committed == 0 && seen.size() > 20, "sanity: " + seen);
        System.out.println("VirtualClusterTest: persistent versions " + seen);
        return committed;
    }

}
