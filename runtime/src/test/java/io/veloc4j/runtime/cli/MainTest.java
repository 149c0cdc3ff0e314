package io.veloc4j.runtime.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Java side of ./veloc4j: config check's output and exit codes. */
class MainTest {

    @TempDir
    Path tmp;

    record Outcome(int code, String out, String err) {
        List<String> outLines() {
            return out.lines().toList();
        }
    }

    static Outcome run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(args, o, e);
        }
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Path cfg(String... lines) throws Exception {
        Path f = tmp.resolve("veloc.cfg");
        Files.write(f, List.of(lines));
        return f;
    }

    @Test
    void goodFileIsOk() throws Exception {
        Path f = cfg("# a comment", "scratch = " + tmp + "/s/%n", "persistent = " + tmp + "/p", "virtual_nodes = 2");
        Outcome o = run("config", "check", f.toString());
        assertEquals(0, o.code(), o.toString());
        assertEquals(List.of(f + ": ok"), o.outLines());
        assertEquals("", o.err());
        assertTrue(!Files.exists(tmp.resolve("s")) && !Files.exists(tmp.resolve("p")), "check creates nothing");
    }

    @Test
    void unknownKeyNamesFileLineAndKey() throws Exception {
        Path f = cfg("scratch = " + tmp + "/s", "persistent = " + tmp + "/p", "", "scratch_verions = 3");
        Outcome o = run("config", "check", f.toString());
        assertEquals(2, o.code());
        assertEquals(1, o.outLines().size(), o.out());
        assertTrue(o.outLines().get(0).startsWith(f + ":4: key 'scratch_verions': "), o.out());
        assertTrue(o.out().contains("scratch_versions"), "suggests the likely key: " + o.out());
    }

    @Test
    void badValueNamesFileLineAndKey() throws Exception {
        Path f = cfg("scratch = " + tmp + "/s/%n", "persistent = " + tmp + "/p", "virtual_nodes = 0", "mode = fast");
        Outcome o = run("config", "check", f.toString());
        assertEquals(2, o.code());
        assertEquals(2, o.outLines().size(), o.out());
        assertTrue(o.outLines().get(0).startsWith(f + ":3: key 'virtual_nodes': "), o.out());
        assertTrue(o.outLines().get(1).startsWith(f + ":4: key 'mode': "), o.out());
        assertTrue(o.outLines().get(1).contains("sync"), o.out());
    }

    @Test
    void missingMandatoryKeyHasNoLine() throws Exception {
        Path f = cfg("scratch = " + tmp + "/s");
        Outcome o = run("config", "check", f.toString());
        assertEquals(2, o.code());
        assertEquals(1, o.outLines().size(), o.out());
        assertTrue(o.outLines().get(0).startsWith(f + ": key 'persistent': "), o.out());
    }

    @Test
    void unusableDirectoryIsAProblem() throws Exception {
        Files.writeString(tmp.resolve("afile"), "x");
        Path f = cfg("scratch = " + tmp + "/s", "persistent = " + tmp + "/afile/p");
        Outcome o = run("config", "check", f.toString());
        assertEquals(2, o.code());
        assertTrue(o.outLines().get(0).startsWith(f + ":2: key 'persistent': "), o.out());
        assertTrue(o.out().contains("not a directory"), o.out());
    }

    @Test
    void missingFileIsReported() {
        Path f = tmp.resolve("absent.cfg");
        Outcome o = run("config", "check", f.toString());
        assertEquals(2, o.code());
        assertTrue(o.out().startsWith(f.toString()), o.out());
    }

    @Test
    void usageErrors() {
        Outcome none = run();
        assertEquals(2, none.code());
        assertTrue(none.err().contains("usage"), none.err());
        Outcome bad = run("frobnicate");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("unknown command 'frobnicate'"), bad.err());
        Outcome twoFiles = run("config", "check", "a", "b");
        assertEquals(2, twoFiles.code());
        assertTrue(twoFiles.err().contains("usage: veloc4j config check [FILE]"), twoFiles.err());
        Outcome ls = run("ls", "--bogus");
        assertEquals(2, ls.code(), "an unknown option is bad usage");
        assertEquals("", ls.out());
        assertTrue(ls.err().contains("usage: veloc4j ls [--config FILE] [--json]"), ls.err());
    }
}
