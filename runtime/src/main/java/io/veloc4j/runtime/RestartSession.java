package io.veloc4j.runtime;

import io.veloc4j.VelocException;
import io.veloc4j.levels.Level;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.RankCheckpoint;
import io.veloc4j.levels.Region;
import io.veloc4j.levels.Variable;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * One rank's restart of one version: walks the levels nearest first; a level whose copy is
 * missing or turns out corrupt is recorded and the next one is tried.
 */
final class RestartSession implements AutoCloseable {

    private final String name;
    private final int version;
    private final int rank;
    private final List<Level> levels;
    private final List<String> failures = new ArrayList<>();
    private int next;
    private Level level;
    private RankCheckpoint current;

    RestartSession(String name, int version, int rank, List<Level> levels) {
        this.name = name;
        this.version = version;
        this.rank = rank;
        this.levels = levels;
    }

    String name() {
        return name;
    }

    int version() {
        return version;
    }

    String levelName() {
        return level.name();
    }

    RankCheckpoint current() {
        return current;
    }

    /** Opens the next level that has a readable copy; throws when none is left. */
    void openNext() throws VelocException {
        closeCurrent();
        while (next < levels.size()) {
            Level l = levels.get(next++);
            try {
                current = l.open(name, version);
                level = l;
                return;
            } catch (LevelException e) {
                failures.add(l.name() + ": " + e.getMessage());
            }
        }
        throw new VelocException("rank " + rank + " cannot restore '" + name + "' v" + version
                + " from any level (" + String.join("; ", failures)
                + "); use restartTest() to find a version every rank can restore");
    }

    /**
     * The current copy's variables for {@code memory} (by id) and for the routed files
     * {@code routed} (by name), in that order, once the copy is known to hold each of them with
     * the protected type and size and every CRC in it matches. Nothing is written: a copy that
     * fails here leaves the application's memory as it was.
     */
    List<Variable> verifiedFor(Collection<Protected> memory, Collection<String> routed) throws LevelException {
        List<Variable> out = new ArrayList<>();
        for (Protected p : memory) {
            Variable v = current.variable(p.id()).orElseThrow(() -> new LevelException(describe() + " has no variable with id "
                    + p.id() + " ('" + p.name() + "'); protect only variables that were checkpointed, or unprotect it"));
            Region r = p.region();
            if (r.type() != v.type() || r.bytes() != v.length()) {
                throw new LevelException("variable " + v.id() + " ('" + v.name() + "') of " + describe() + " is "
                        + v.elements() + " × " + v.type() + " but the protected memory is " + r.elements() + " × " + r.type()
                        + "; protect an array of the checkpointed type and size (see recoverSize)");
            }
            out.add(v);
        }
        for (String name : routed) {
            out.add(current.variables().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow(() ->
                    new LevelException(describe() + " holds no copy of routed file " + name.substring(name.indexOf(':') + 1))));
        }
        current.verify();
        return out;
    }

    void failed(LevelException e) {
        failures.add(level.name() + ": " + e.getMessage());
    }

    String describe() {
        return "checkpoint '" + name + "' v" + version + " of rank " + rank + (level == null ? "" : " (level " + level.name() + ")");
    }

    private void closeCurrent() throws LevelException {
        if (current != null) {
            RankCheckpoint c = current;
            current = null;
            c.close();
        }
    }

    @Override
    public void close() throws LevelException {
        closeCurrent();
    }
}
