package io.veloc4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VelocConfigCheckTest {

    @TempDir
    Path dir;

    @Test
    void usableDirectoriesHaveNoProblemsAndNothingIsCreated() {
        Path file = ConfigFiles.write(dir, "scratch = s/%h/%n", "persistent = p/deep/er", "meta = m");
        assertEquals(List.of(), VelocConfig.check(file, Map.of()));
        assertFalse(Files.exists(dir.resolve("s")));
        assertFalse(Files.exists(dir.resolve("p")));
        assertFalse(Files.exists(dir.resolve("m")));
    }

    @Test
    void directoryBelowARegularFileCannotBeCreated() throws Exception {
        // A path below a regular file is uncreatable even for root, which ignores permission bits.
        Files.writeString(dir.resolve("afile"), "x");
        Path file = ConfigFiles.write(dir, "scratch = /s", "persistent = afile/sub");
        List<ConfigProblem> ps = VelocConfig.check(file, Map.of());
        assertEquals(1, ps.size(), ps.toString());
        ConfigProblem p = ps.get(0);
        assertEquals("persistent", p.key());
        assertEquals(2, p.line());
        Path afile = dir.toAbsolutePath().resolve("afile");
        assertEquals(file + ":2: key 'persistent': '" + afile.resolve("sub") + "' cannot be created: '" + afile
                + "' is not a directory; choose a directory that exists or can be created", p.toString());
    }

    @Test
    void existingRegularFileIsNotADirectory() throws Exception {
        Files.writeString(dir.resolve("afile"), "x");
        Path file = ConfigFiles.write(dir, "scratch = /s", "persistent = /p", "meta = afile");
        List<ConfigProblem> ps = VelocConfig.check(file, Map.of());
        assertEquals(1, ps.size(), ps.toString());
        assertEquals("meta", ps.get(0).key());
        assertEquals(3, ps.get(0).line());
        assertTrue(ps.get(0).message().contains("exists but is not a directory"), ps.get(0).message());
    }

    @Test
    void templateIsCheckedUpToTheFirstPlaceholder() throws Exception {
        Files.writeString(dir.resolve("afile"), "x");
        Path file = ConfigFiles.write(dir, "scratch = afile/x/%n/y", "persistent = /p");
        List<ConfigProblem> ps = VelocConfig.check(file, Map.of());
        assertEquals(1, ps.size(), ps.toString());
        assertEquals("scratch", ps.get(0).key());
        assertTrue(ps.get(0).message().startsWith("'" + dir.toAbsolutePath().resolve("afile/x") + "' cannot be created"),
                ps.get(0).message());
    }

    @Test
    void unwritableDirectoryFromEnvironmentSaysSo() throws Exception {
        Files.writeString(dir.resolve("afile"), "x");
        Path file = ConfigFiles.write(dir, "scratch = /s", "persistent = /p");
        List<ConfigProblem> ps = VelocConfig.check(file,
                Map.of("VELOC_SCRATCH", dir.resolve("afile/sub/%n").toString()));
        assertEquals(1, ps.size(), ps.toString());
        assertTrue(ps.get(0).fromEnvironment());
        assertTrue(ps.get(0).toString().startsWith(file + ": key 'scratch' (from environment VELOC_SCRATCH): "),
                ps.get(0).toString());
    }

    @Test
    void checkAlsoReportsValueProblems() {
        Path file = ConfigFiles.write(dir, "scratch = /s", "persistent = /p", "mode = fast");
        List<ConfigProblem> ps = VelocConfig.check(file, Map.of());
        assertEquals(1, ps.size(), ps.toString());
        assertEquals("mode", ps.get(0).key());
    }
}
