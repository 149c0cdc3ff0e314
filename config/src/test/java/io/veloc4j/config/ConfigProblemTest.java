package io.veloc4j.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.veloc4j.VelocException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigProblemTest {

    @Test
    void withLine() {
        ConfigProblem p = new ConfigProblem("veloc.cfg", 3, "mode", "'fast' is not allowed; use sync or async");
        assertEquals("veloc.cfg:3: key 'mode': 'fast' is not allowed; use sync or async", p.toString());
    }

    @Test
    void withoutLine() {
        ConfigProblem p = new ConfigProblem("veloc.cfg", ConfigProblem.NO_LINE, "scratch", "is mandatory");
        assertEquals("veloc.cfg: key 'scratch': is mandatory", p.toString());
    }

    @Test
    void fromEnvironmentNamesTheVariable() {
        ConfigProblem p = new ConfigProblem("veloc.cfg", ConfigProblem.FROM_ENVIRONMENT, "max_versions", "bad");
        assertTrue(p.fromEnvironment());
        assertEquals("veloc.cfg: key 'max_versions' (from environment VELOC_MAX_VERSIONS): bad", p.toString());
    }

    @Test
    void withoutKey() {
        assertEquals("veloc.cfg: cannot read", new ConfigProblem("veloc.cfg", 0, null, "cannot read").toString());
    }

    @Test
    void exceptionMessageJoinsProblemsAndIsAVelocException() {
        List<ConfigProblem> problems = List.of(
                new ConfigProblem("a.cfg", 1, "mode", "m1"),
                new ConfigProblem("a.cfg", 2, "chksum", "m2"));
        ConfigException e = new ConfigException(problems);
        assertEquals("a.cfg:1: key 'mode': m1\na.cfg:2: key 'chksum': m2", e.getMessage());
        assertEquals(problems, e.problems());
        assertTrue(e instanceof VelocException);
        assertThrows(UnsupportedOperationException.class, () -> e.problems().clear());
    }
}
