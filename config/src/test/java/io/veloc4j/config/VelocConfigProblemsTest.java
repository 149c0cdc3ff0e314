package io.veloc4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of problem names the file, the line (or its absence) and the key, and says what is allowed. */
class VelocConfigProblemsTest {

    @TempDir
    Path dir;

    private List<ConfigProblem> problemsOf(Map<String, String> env, String... lines) {
        Path file = ConfigFiles.write(dir, lines);
        ConfigException e = assertThrows(ConfigException.class, () -> VelocConfig.load(file, env));
        return e.problems();
    }

    private List<ConfigProblem> problemsOf(String... lines) {
        return problemsOf(Map.of(), lines);
    }

    private static ConfigProblem only(List<ConfigProblem> problems) {
        assertEquals(1, problems.size(), problems.toString());
        return problems.get(0);
    }

    private String file() {
        return dir.resolve("veloc.cfg").toString();
    }

    @Test
    void unknownKeySuggestsTheNearestKey() {
        ConfigProblem p = only(problemsOf("scratch = /s", "persistent = /p", "scratch_version = 3"));
        assertEquals(3, p.line());
        assertEquals("scratch_version", p.key());
        assertEquals(file() + ":3: key 'scratch_version': unknown key; did you mean 'scratch_versions'? "
                + "every key is listed, with its meaning, in veloc.cfg.example", p.toString());
    }

    @Test
    void unknownKeyFarFromAnyKnownOneGetsNoSuggestion() {
        ConfigProblem p = only(problemsOf("scratch = /s", "persistent = /p", "frobnicate_widgets = zstd"));
        assertTrue(p.message().startsWith("unknown key; every key is listed"), p.message());
    }

    @Test
    void badEnumValue() {
        ConfigProblem p = only(problemsOf("scratch = /s", "persistent = /p", "mode = fast"));
        assertEquals(file() + ":3: key 'mode': 'fast' is not allowed; use sync or async", p.toString());
    }

    @Test
    void badBoolean() {
        ConfigProblem p = only(problemsOf("scratch = /s", "chksum = maybe", "persistent = /p"));
        assertEquals(2, p.line());
        assertEquals("chksum", p.key());
        assertEquals("'maybe' is not a boolean; use true or false (also yes/no, on/off, 1/0)", p.message());
    }

    @Test
    void intOutOfRange() {
        ConfigProblem p = only(problemsOf("scratch = /s", "persistent = /p", "scratch_versions = -1"));
        assertEquals(file() + ":3: key 'scratch_versions': '-1' is out of range; use an integer >= 0", p.toString());
    }

    @Test
    void intTooLarge() {
        ConfigProblem p = only(problemsOf("scratch = /s", "persistent = /p", "max_versions = 99999999999999999999"));
        assertTrue(p.message().contains("out of range"), p.message());
    }

    @Test
    void notANumber() {
        List<ConfigProblem> ps = problemsOf("scratch = /s", "persistent = /p", "max_versions = 3.5", "ec_interval = +4",
                "watchdog_interval =");
        assertEquals(3, ps.size(), ps.toString());
        assertEquals(file() + ":3: key 'max_versions': '3.5' is not a whole number; use an integer >= 0",
                byKey(ps, "max_versions").toString());
        ConfigProblem ec = byKey(ps, "ec_interval");
        assertEquals(4, ec.line());
        assertEquals("'+4' is not a whole number; use an integer >= -1", ec.message());
        assertEquals(5, byKey(ps, "watchdog_interval").line());
    }

    private static ConfigProblem byKey(List<ConfigProblem> problems, String key) {
        return problems.stream().filter(p -> key.equals(p.key())).findFirst()
                .orElseThrow(() -> new AssertionError("no problem for " + key + " in " + problems));
    }

    @Test
    void missingMandatoryKeys() {
        List<ConfigProblem> ps = problemsOf("mode = sync");
        assertEquals(2, ps.size(), ps.toString());
        ConfigProblem scratch = ps.get(0);
        assertEquals("scratch", scratch.key());
        assertEquals(ConfigProblem.NO_LINE, scratch.line());
        assertTrue(scratch.toString().startsWith(file() + ": key 'scratch': is mandatory and not set"), scratch.toString());
        assertTrue(scratch.message().contains("VELOC_SCRATCH"), scratch.message());
        assertEquals("persistent", ps.get(1).key());
    }

    @Test
    void duplicateKeyNamesBothLines() {
        ConfigProblem p = only(problemsOf("scratch = /s", "persistent = /p", "mode = sync", "# x", "mode = async"));
        assertEquals(5, p.line());
        assertEquals("mode", p.key());
        assertEquals(file() + ":5: key 'mode': set twice, on lines 3 and 5; keep one of them", p.toString());
    }

    @Test
    void lineWithoutEquals() {
        ConfigProblem p = only(problemsOf("scratch = /s", "persistent /p", "persistent = /p"));
        assertEquals(2, p.line());
        assertEquals("persistent", p.key());
        assertTrue(p.message().startsWith("no '=' on this line ('persistent /p')"), p.message());
    }

    @Test
    void problemFromEnvironmentSaysSo() {
        ConfigProblem p = only(problemsOf(Map.of("VELOC_MAX_VERSIONS", "-2"), "scratch = /s", "persistent = /p",
                "max_versions = 3"));
        assertTrue(p.fromEnvironment());
        assertEquals(file() + ": key 'max_versions' (from environment VELOC_MAX_VERSIONS): '-2' is out of range; "
                + "use an integer >= 0", p.toString());
    }

    @Test
    void badPlaceholder() {
        ConfigProblem p = only(problemsOf("scratch = /s/%r", "persistent = /p"));
        assertEquals("scratch", p.key());
        assertEquals(1, p.line());
        assertTrue(p.message().contains("'%r', which is not a placeholder; use %n"), p.message());
    }

    @Test
    void erasureParityBelowTheSetSize() throws Exception {
        ConfigProblem p = only(problemsOf("scratch = /s", "persistent = /p", "ec_set_size = 4", "ec_parity = 4"));
        assertEquals(file() + ":4: key 'ec_parity': ec_parity = 4 needs an ec_set_size above it, but ec_set_size = 4;"
                + " lower ec_parity or raise ec_set_size (at most 16)", p.toString());
        ConfigProblem small = only(problemsOf("scratch = /s", "persistent = /p", "ec_set_size = 1"));
        assertEquals("'1' is out of range; use an integer from 2 to 16", small.message());
        ConfigProblem big = only(problemsOf("scratch = /s", "persistent = /p", "ec_set_size = 17"));
        assertEquals("ec_set_size", big.key());
        VelocConfig c = VelocConfig.of(Map.of("scratch", "/s", "persistent", "/p", "ec_set_size", "16", "ec_parity", "15"));
        assertEquals(16, c.ecSetSize());
        assertEquals(15, c.ecParity());
        VelocConfig defaults = VelocConfig.of(Map.of("scratch", "/s", "persistent", "/p"));
        assertEquals(8, defaults.ecSetSize());
        assertEquals(1, defaults.ecParity());
    }

    @Test
    void virtualNodesNeedPercentN() {
        ConfigProblem p = only(problemsOf("scratch = /s", "persistent = /p", "virtual_nodes = 2"));
        assertEquals("scratch", p.key());
        assertEquals(1, p.line());
        assertTrue(p.message().contains("has no %n"), p.message());
    }

    @Test
    void allProblemsAreReportedAtOnce() {
        List<ConfigProblem> ps = problemsOf("scratch = /s", "mode = fast", "chksum = 2", "nonsense", "max_versons = 1");
        assertEquals(5, ps.size(), ps.toString());
        assertEquals(2, byKey(ps, "mode").line());
        assertEquals(3, byKey(ps, "chksum").line());
        assertEquals(4, byKey(ps, "nonsense").line());
        assertTrue(byKey(ps, "max_versons").message().contains("did you mean 'max_versions'?"));
        assertEquals(ConfigProblem.NO_LINE, byKey(ps, "persistent").line());
    }

    @Test
    void unreadableFileIsTheOnlyProblem() {
        Path missing = dir.resolve("nope.cfg");
        ConfigException e = assertThrows(ConfigException.class, () -> VelocConfig.load(missing, Map.of()));
        ConfigProblem p = only(e.problems());
        assertEquals(null, p.key());
        assertTrue(p.toString().startsWith(missing + ": cannot read the config file"), p.toString());
    }

    @Test
    void programmaticValuesAreValidatedToo() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> VelocConfig.of(Map.of("scratch", "/s", "persistent", "/p", "max_parallelism", "0")));
        assertEquals("VelocConfig.of: key 'max_parallelism': '0' is out of range; use an integer from 1 to 256", e.getMessage());
    }
}
