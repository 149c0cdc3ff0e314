package io.veloc4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values that used to pass the check and then failed at init or did harm (issue 16): each is now
 * a problem of {@code config check}, named by file:line:key. Written against the API that main
 * already had, so that running it there shows each case failing.
 */
class ConfigHazardsTest {

    @TempDir
    Path dir;

    private List<ConfigProblem> check(Map<String, String> env, String... lines) {
        return VelocConfig.check(ConfigFiles.write(dir, lines), env);
    }

    private List<ConfigProblem> check(String... lines) {
        return check(Map.of(), lines);
    }

    private static ConfigProblem only(List<ConfigProblem> problems) {
        assertEquals(1, problems.size(), problems.toString());
        return problems.get(0);
    }

    private String at(int line, String key) {
        return dir.resolve("veloc.cfg") + ":" + line + ": key '" + key + "': ";
    }

    private String s() {
        return "scratch = " + dir.resolve("s/%n");
    }

    private String p() {
        return "persistent = " + dir.resolve("p");
    }

    @Test
    void absurdMaxParallelismIsAnError() {
        for (String v : List.of("2147483647", "100000", "257")) {
            ConfigProblem pr = only(check(s(), p(), "max_parallelism = " + v));
            assertTrue(pr.toString().startsWith(at(3, "max_parallelism") + "'" + v + "' is out of range"), pr.toString());
            assertFalse(pr.toString().contains("warning:"), pr.toString());
        }
    }

    @Test
    void maxParallelismFarAboveTheCoresIsAWarning() {
        int cores = Runtime.getRuntime().availableProcessors();
        Assumptions.assumeTrue(4 * cores < 256, "a machine with 64 cores or more takes any allowed value");
        ConfigProblem pr = only(check(s(), p(), "max_parallelism = " + (4 * cores + 1)));
        assertTrue(pr.toString().startsWith(dir.resolve("veloc.cfg") + ":3: warning: key 'max_parallelism': "), pr.toString());
        assertEquals(List.of(), check(s(), p(), "max_parallelism = " + 4 * cores));
    }

    @Test
    void scratchEqualToOrInsidePersistentIsAnError() {
        String persistent = dir.resolve("p").toString();
        ConfigProblem same = only(check("scratch = " + persistent, "persistent = " + persistent));
        assertTrue(same.toString().startsWith(at(1, "scratch")), same.toString());
        assertTrue(same.message().contains("is the persistent directory"), same.message());
        ConfigProblem inside = only(check("scratch = " + persistent + "/scratch/%n", "persistent = " + persistent));
        assertTrue(inside.toString().startsWith(at(1, "scratch")), inside.toString());
        assertTrue(inside.message().contains("lies inside persistent"), inside.message());
        // through a symbolic link too
        ConfigProblem relative = only(check("scratch = p/../p/x", "persistent = " + persistent));
        assertTrue(relative.message().contains("lies inside persistent"), relative.message());
    }

    @Test
    void persistentInsideScratchAndMetaOnScratchAreErrors() throws Exception {
        ConfigProblem pIn = only(check("scratch = " + dir.resolve("s"), "persistent = " + dir.resolve("s/p")));
        assertTrue(pIn.toString().startsWith(at(2, "persistent")), pIn.toString());
        ConfigProblem meta = only(check(s(), p(), "meta = " + dir.resolve("s/0/meta")));
        assertTrue(meta.toString().startsWith(at(3, "meta")), meta.toString());
        ConfigProblem metaIsPersistent = only(check(s(), p(), "meta = " + dir.resolve("p")));
        assertTrue(metaIsPersistent.toString().startsWith(at(3, "meta")), metaIsPersistent.toString());
        Files.createDirectories(dir.resolve("real"));
        Files.createSymbolicLink(dir.resolve("link"), dir.resolve("real"));
        ConfigProblem linked = only(check("scratch = " + dir.resolve("link/s"), "persistent = " + dir.resolve("real")));
        assertTrue(linked.message().contains("lies inside persistent"), linked.message());
    }

    @Test
    void virtualNodesWithoutPercentNIsAnError() {
        ConfigProblem pr = only(check("scratch = " + dir.resolve("s"), p(), "virtual_nodes = 2"));
        assertTrue(pr.toString().startsWith(at(1, "scratch")), pr.toString());
    }

    @Test
    void aScratchThatCannotBeCreatedIsAnError() {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs Linux /proc");
        // root passes every permission check, but nobody can make a directory in /proc
        ConfigProblem pr = only(check("scratch = /proc/veloc4j-scratch/%n", p()));
        assertTrue(pr.toString().startsWith(at(1, "scratch")), pr.toString());
        assertTrue(pr.message().contains("cannot be"), pr.message());
        ConfigProblem sys = only(check(s(), "persistent = /proc/self/veloc4j"));
        assertTrue(sys.toString().startsWith(at(2, "persistent")), sys.toString());
    }

    @Test
    void checkingCreatesAndLeavesNothing() {
        assertEquals(List.of(), check("scratch = " + dir.resolve("a/b/%n/c"), "persistent = " + dir.resolve("q/r"),
                "virtual_nodes = 2"));
        assertFalse(Files.exists(dir.resolve("a")));
        assertFalse(Files.exists(dir.resolve("q")));
    }

    @Test
    void pathComponentsOverTheFileSystemLimitAreErrors() {
        String longName = "x".repeat(256);
        ConfigProblem pr = only(check("scratch = " + dir.resolve(longName) + "/%n", p()));
        assertTrue(pr.toString().startsWith(at(1, "scratch")), pr.toString());
        assertTrue(pr.message().contains("at most 255"), pr.message());
        // 255 bytes is fine; multi-byte characters count in bytes
        assertEquals(List.of(), check("scratch = " + dir.resolve("y".repeat(255)) + "/%n", p()));
        ConfigProblem utf8 = only(check(s(), "persistent = " + dir.resolve("é".repeat(128))));
        assertTrue(utf8.toString().startsWith(at(2, "persistent")), utf8.toString());
    }

    @Test
    void anEmptyVelocScratchInTheEnvironmentIsAnError() {
        ConfigProblem pr = only(check(Map.of("VELOC_SCRATCH", ""), s(), p()));
        assertTrue(pr.fromEnvironment(), pr.toString());
        assertEquals("scratch", pr.key());
        assertTrue(pr.message().contains("VELOC_SCRATCH is set but empty"), pr.message());
        assertTrue(pr.message().contains("line 1"), "points at the file's value: " + pr.message());
        ConfigProblem blank = only(check(Map.of("VELOC_MODE", "  "), s(), p()));
        assertEquals("mode", blank.key());
    }

    @Test
    void tildeIsExpandedOrRejectedNeverTakenLiterally() throws Exception {
        Path home = Path.of(System.getProperty("user.home"));
        VelocConfig c = VelocConfig.load(ConfigFiles.write(dir, s(), "persistent = ~/ckpt", "meta = ~"), Map.of());
        assertEquals(home.resolve("ckpt"), c.persistent());
        assertEquals(home, c.meta());
        ConfigProblem user = only(check(s(), "persistent = ~nobody/p"));
        assertTrue(user.toString().startsWith(at(2, "persistent")), user.toString());
        ConfigProblem middle = only(check("scratch = ckpt/~/%n", p()));
        assertTrue(middle.toString().startsWith(at(1, "scratch")), middle.toString());
        ConfigProblem env = only(check(Map.of("VELOC_META", "m/~"), s(), p()));
        assertEquals("meta", env.key());
        assertFalse(Files.exists(dir.resolve("ckpt")));
    }
}
