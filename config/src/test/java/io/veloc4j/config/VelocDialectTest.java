package io.veloc4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * VELOC's own config files load unchanged (equivalents of VELOC's test/heatdis.cfg,
 * test/veloc_lsf.cfg, test/veloc_slurm.cfg and the user guide's key list are in the test
 * resources): VELOC's INI dialect, VELOC's keys with VELOC's meaning, warnings for what veloc4j
 * ignores, errors only for what is really wrong.
 */
class VelocDialectTest {

    @TempDir
    Path dir;

    private static Path resource(String name) {
        try {
            return Path.of(VelocDialectTest.class.getResource("/veloc/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> lines(List<ConfigProblem> problems) {
        return problems.stream().map(ConfigProblem::toString).toList();
    }

    @Test
    void heatdisConfigLoadsWithVelocMeanings() throws Exception {
        Path f = resource("heatdis.cfg");
        VelocConfig c = VelocConfig.load(f, Map.of());
        assertEquals(List.of(), c.warnings());
        assertEquals("/tmp/scratch", c.scratchTemplate());
        assertEquals(Path.of("/tmp/persistent"), c.persistent());
        assertEquals(Path.of("/tmp/meta"), c.meta());
        assertEquals(2, c.maxVersions());
        assertEquals(1, c.scratchVersions());
        assertEquals(Mode.ASYNC, c.mode());
        assertTrue(c.chksum());
    }

    @Test
    void lsfConfigWarnsAboutThreadedOnly() throws Exception {
        Path f = resource("lsf.cfg");
        VelocConfig c = VelocConfig.load(f, Map.of());
        assertEquals(1, c.warnings().size(), c.warnings().toString());
        String w = c.warnings().get(0).toString();
        assertTrue(w.startsWith(f + ":2: warning: key 'threaded': a VELOC key that veloc4j does not implement: ignored"), w);
        assertEquals("/dev/shm/scratch", c.scratchTemplate());
    }

    @Test
    void slurmConfigWarnsAboutAggregatedAndThreaded() throws Exception {
        Path f = resource("slurm.cfg");
        VelocConfig c = VelocConfig.load(f, Map.of());
        List<String> w = lines(c.warnings());
        assertEquals(2, w.size(), w.toString());
        assertTrue(w.get(0).startsWith(f + ":1: warning: key 'aggregated': "), w.get(0));
        assertTrue(w.get(0).contains("aggregation_scheme"), "says what replaces it: " + w.get(0));
        assertTrue(w.get(1).startsWith(f + ":2: warning: key 'threaded': "), w.get(1));
        assertEquals(Path.of("/lustre/project/user/veloc_dir/meta"), c.meta());
    }

    @Test
    void userGuideKeyListLoadsInVelocsDialect() throws Exception {
        Path f = resource("userguide.cfg");
        VelocConfig c = VelocConfig.load(f, Map.of());
        assertEquals("/dev/shm/ckpt", c.scratchTemplate(), "upper-case key, inline ';' comment");
        assertEquals(Path.of("/tmp/veloc-persistent"), c.persistent(), "'key: value'");
        assertEquals(0, c.ecInterval(), "inline '#' comment");
        assertEquals(0, c.scratchVersions(), "VELOC's 0 = keep all");
        assertFalse(c.chksum());
        assertEquals(Mode.SYNC, c.mode());
        assertEquals(Path.of("/tmp/veloc-meta"), c.meta());
        List<String> w = lines(c.warnings());
        assertEquals("rack-3", c.failureDomain(0), "failure_domain is read (erasure sets keep domains apart)");
        assertEquals(3, w.size(), w.toString());
        assertTrue(w.get(0).startsWith(f + ":7: warning: key 'watchdog_interval': "), w.get(0));
        assertTrue(w.get(1).startsWith(f + ":11: warning: key 'axl_type': "), w.get(1));
        assertTrue(w.get(2).startsWith(f + ":16: warning: key 'log_prefix': "), w.get(2));
        assertTrue(w.stream().allMatch(s -> s.contains("ignored")), w.toString());
    }

    @Test
    void velocConfigsPassTheCheckWithTheirDirectoriesMovedHere() {
        Map<String, String> env = Map.of("VELOC_SCRATCH", dir.resolve("scratch").toString(),
                "VELOC_PERSISTENT", dir.resolve("persistent").toString(), "VELOC_META", dir.resolve("meta").toString());
        for (String name : List.of("heatdis.cfg", "lsf.cfg", "slurm.cfg", "userguide.cfg")) {
            List<ConfigProblem> ps = VelocConfig.check(resource(name), env);
            assertTrue(ps.stream().allMatch(ConfigProblem::isWarning), name + ": " + ps);
        }
        assertFalse(Files.exists(dir.resolve("scratch")), "check leaves nothing behind");
        assertFalse(Files.exists(dir.resolve("persistent")));
    }

    @Test
    void inlineCommentsBothSeparatorsAnyCase() throws Exception {
        Path f = ConfigFiles.write(dir, "[veloc]", "; a comment", "  # another", "Scratch: /s ; node-local",
                "PERSISTENT = /p # shared", "Max_Versions:3", "mode = SYNC", "scratch_versions = 0");
        VelocConfig c = VelocConfig.load(f, Map.of());
        assertEquals("/s", c.scratchTemplate());
        assertEquals(Path.of("/p"), c.persistent());
        assertEquals(3, c.maxVersions());
        assertEquals(Mode.SYNC, c.mode());
        assertEquals(0, c.scratchVersions());
        assertEquals(List.of(), c.warnings());
    }

    @Test
    void aKeySetTwiceInDifferentCaseIsStillSetTwice() {
        Path f = ConfigFiles.write(dir, "scratch = /s", "persistent = /p", "mode = sync", "MODE = async");
        ConfigException e = assertThrows(ConfigException.class, () -> VelocConfig.load(f, Map.of()));
        assertEquals(f + ":4: key 'mode': set twice, on lines 3 and 4; keep one of them", e.getMessage());
    }

    @Test
    void misspelledKeysAreErrorsWithASuggestion() {
        Path f = ConfigFiles.write(dir, "scratch = /s", "persistent = /p", "Scratch_Version = 1", "failure_domian = x");
        ConfigException e = assertThrows(ConfigException.class, () -> VelocConfig.load(f, Map.of()));
        assertEquals(2, e.problems().size(), e.getMessage());
        assertTrue(e.problems().get(0).message().contains("did you mean 'scratch_versions'?"), e.getMessage());
        assertTrue(e.problems().get(1).message().contains("did you mean 'failure_domain'?"), e.getMessage());
        assertTrue(e.problems().stream().noneMatch(ConfigProblem::isWarning));
    }

    @Test
    void warningsDoNotStopLoadingButErrorsStillDo() {
        Path f = ConfigFiles.write(dir, "scratch = /s", "persistent = /p", "threaded = true", "mode = fast");
        ConfigException e = assertThrows(ConfigException.class, () -> VelocConfig.load(f, Map.of()));
        assertEquals(1, e.problems().size(), "the exception holds errors only: " + e.getMessage());
        assertEquals("mode", e.problems().get(0).key());
        List<ConfigProblem> all = VelocConfig.check(f, Map.of());
        assertEquals(2, all.size(), all.toString());
        assertTrue(all.get(0).isWarning());
        assertFalse(all.get(1).isWarning());
    }

    @Test
    void ecIntervalOfMinusOneAndWatchdogZeroAreQuiet() throws Exception {
        Path f = ConfigFiles.write(dir, "scratch = /s", "persistent = /p", "ec_interval = -1", "watchdog_interval = 0");
        assertEquals(List.of(), VelocConfig.load(f, Map.of()).warnings());
    }
}
