package io.veloc4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VelocConfigLoadTest {

    @TempDir
    Path dir;

    @Test
    void validFileLoadsTypedValues() throws Exception {
        Path file = ConfigFiles.write(dir,
                "# a comment",
                "[veloc]",
                "",
                "  scratch = /dev/shm/v/%n   # trailing comment",
                "persistent=/data/ckpt",
                "meta = /data/meta",
                "mode = SYNC",
                "persistent_interval = 30",
                "ec_interval = 0",
                "max_versions = 3",
                "scratch_versions = 4",
                "chksum = off",
                "max_parallelism = 8",
                "watchdog_interval = 5",
                "scratch_fsync = Yes",
                "virtual_nodes = 4");
        VelocConfig c = VelocConfig.load(file, Map.of());
        assertEquals("/dev/shm/v/%n", c.scratchTemplate());
        assertEquals(Path.of("/dev/shm/v/2"), c.scratch(2));
        assertEquals(Path.of("/data/ckpt"), c.persistent());
        assertEquals(Path.of("/data/meta"), c.meta());
        assertEquals(Mode.SYNC, c.mode());
        assertEquals(30, c.persistentInterval());
        assertEquals(0, c.ecInterval());
        assertEquals(3, c.maxVersions());
        assertEquals(4, c.scratchVersions());
        assertFalse(c.chksum());
        assertEquals(8, c.maxParallelism());
        assertEquals(5, c.watchdogInterval());
        assertTrue(c.scratchFsync());
        assertEquals(4, c.virtualNodes());
        assertEquals("sync", c.get("mode"));
        assertEquals("false", c.get("chksum"));
        assertEquals(Path.of(file.toAbsolutePath().toString()), c.source().orElseThrow());
    }

    @Test
    void hashInsideAValueIsNotAComment() throws Exception {
        VelocConfig c = VelocConfig.load(ConfigFiles.write(dir, "scratch = /s/run#3 # comment", "persistent = /p#x"), Map.of());
        assertEquals("/s/run#3", c.scratchTemplate());
        assertEquals(Path.of("/p#x"), c.persistent());
    }

    @Test
    void defaultsApply() throws Exception {
        VelocConfig c = VelocConfig.load(ConfigFiles.write(dir, "scratch = /s", "persistent = /p"), Map.of());
        assertEquals(Path.of("/p/.veloc4j"), c.meta());
        assertEquals(Mode.ASYNC, c.mode());
        assertEquals(0, c.persistentInterval());
        assertEquals(-1, c.ecInterval());
        assertEquals(0, c.maxVersions());
        assertEquals(2, c.scratchVersions());
        assertTrue(c.chksum());
        assertEquals(2, c.maxParallelism());
        assertEquals(0, c.watchdogInterval());
        assertFalse(c.scratchFsync());
        assertEquals(1, c.virtualNodes());
    }

    @Test
    void environmentOverridesTheFile() throws Exception {
        Path file = ConfigFiles.write(dir, "scratch = /s", "persistent = /p", "max_versions = 3", "mode = async");
        VelocConfig c = VelocConfig.load(file, Map.of(
                "VELOC_MAX_VERSIONS", "7", "VELOC_MODE", "sync", "VELOC_SCRATCH", "/env/%n", "VELOC_UNRELATED", "x"));
        assertEquals(7, c.maxVersions());
        assertEquals(Mode.SYNC, c.mode());
        assertEquals("/env/%n", c.scratchTemplate());
        assertEquals(Path.of("/p"), c.persistent());
    }

    @Test
    void environmentSuppliesAMandatoryKey() throws Exception {
        Path file = ConfigFiles.write(dir, "persistent = /p");
        assertEquals("/e", VelocConfig.load(file, Map.of("VELOC_SCRATCH", "/e")).scratchTemplate());
    }

    @Test
    void relativePathsResolveAgainstTheFilesDirectory() throws Exception {
        Path sub = dir.resolve("conf");
        java.nio.file.Files.createDirectories(sub);
        Path file = ConfigFiles.write(sub, "scratch = local/%n", "persistent = ../store");
        VelocConfig c = VelocConfig.load(file, Map.of());
        Path base = sub.toAbsolutePath();
        assertEquals(base.resolve("local/%n").toString(), c.scratchTemplate());
        assertEquals(base.resolve("local/3"), c.scratch(3));
        assertEquals(dir.toAbsolutePath().resolve("store"), c.persistent());
        assertEquals(dir.toAbsolutePath().resolve("store/.veloc4j"), c.meta());
    }

    @Test
    void placeholdersAreSubstituted() throws Exception {
        VelocConfig c = VelocConfig.of(Map.of("scratch", "/s/%h/node-%n", "persistent", "/p", "virtual_nodes", "2"));
        Path p = c.scratch(1);
        assertTrue(p.toString().startsWith("/s/"), p.toString());
        assertTrue(p.toString().endsWith("/node-1"), p.toString());
        assertFalse(p.toString().contains("%"), p.toString());
        assertNotEquals(c.scratch(0), c.scratch(1));
        assertThrows(IllegalArgumentException.class, () -> c.scratch(-1));
    }

    @Test
    void ofAndWithProduceCopies() throws Exception {
        VelocConfig c = VelocConfig.of(Map.of("scratch", "/s", "persistent", "/p"));
        assertTrue(c.source().isEmpty());
        VelocConfig d = c.with("persistent", "/q").with("chksum", "no");
        assertEquals(Path.of("/p"), c.persistent());
        assertTrue(c.chksum());
        assertEquals(Path.of("/q"), d.persistent());
        assertEquals(Path.of("/q/.veloc4j"), d.meta(), "a default meta follows persistent");
        assertFalse(d.chksum());
        ConfigException e = assertThrows(ConfigException.class, () -> c.with("mode", "fast"));
        assertEquals("VelocConfig.with: key 'mode': 'fast' is not allowed; use sync or async", e.getMessage());
        assertThrows(ConfigException.class, () -> c.with("nope", "1"));
    }

    @Test
    void toStringListsEveryKeyAndReparses() throws Exception {
        VelocConfig c = VelocConfig.of(Map.of("scratch", "/s/%n", "persistent", "/p", "max_versions", "4"));
        String text = c.toString();
        for (ConfigKey k : ConfigKey.values()) {
            assertTrue(text.contains("\n" + k.key() + " = ") || text.startsWith(k.key() + " = "), k.key());
        }
        assertTrue(text.contains("max_versions = 4"));
        VelocConfig again = VelocConfig.load(ConfigFiles.write(dir, text), Map.of());
        assertEquals(c, again);
    }

    @Test
    void getRejectsUnknownKeys() throws Exception {
        VelocConfig c = VelocConfig.of(Map.of("scratch", "/s", "persistent", "/p"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.get("max_version"));
        assertTrue(e.getMessage().contains("did you mean 'max_versions'?"), e.getMessage());
    }
}
