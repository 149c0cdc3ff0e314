package io.veloc4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** veloc.cfg.example is the user's list of keys: it must parse and document every registered key. */
class ExampleConfigTest {

    /** Maven runs tests with the module directory as working directory. */
    private static final Path EXAMPLE = Path.of("..", "veloc.cfg.example");

    @Test
    void parsesCleanly() throws Exception {
        VelocConfig c = VelocConfig.load(EXAMPLE, Map.of());
        assertEquals("/dev/shm/veloc4j/%n", c.scratchTemplate());
        assertEquals(Path.of("/tmp/veloc4j/persistent"), c.persistent());
    }

    @Test
    void documentsEveryKeyWithItsDefault() throws Exception {
        String text = Files.readString(EXAMPLE);
        for (ConfigKey key : ConfigKey.values()) {
            // Active "key = value" or commented-out "# key = value" (for defaults derived from other keys).
            Pattern line = Pattern.compile("(?m)^(# )?" + Pattern.quote(key.key()) + " = ");
            assertTrue(line.matcher(text).find(), "veloc.cfg.example does not document '" + key.key() + "'");
        }
        VelocConfig example = VelocConfig.load(EXAMPLE, Map.of());
        VelocConfig defaults = VelocConfig.of(Map.of("scratch", "/dev/shm/veloc4j/%n", "persistent", "/tmp/veloc4j/persistent"));
        assertEquals(defaults.toString(), example.toString(), "the example shows values other than the defaults");
    }

    @Test
    void examplePassesCheckWhereDevShmExists() {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/dev/shm")), "no /dev/shm on this machine");
        List<ConfigProblem> problems = VelocConfig.check(EXAMPLE, Map.of());
        assertEquals(List.of(), problems);
    }
}
