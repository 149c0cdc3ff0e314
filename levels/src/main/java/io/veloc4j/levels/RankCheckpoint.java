package io.veloc4j.levels;

import java.util.List;
import java.util.Optional;

/** One rank's copy of one checkpoint version, open for reading. */
public interface RankCheckpoint extends AutoCloseable {

    String name();

    int version();

    int rank();

    List<Variable> variables();

    default Optional<Variable> variable(int id) {
        return variables().stream().filter(v -> v.id() == id).findFirst();
    }

    /**
     * Reads every variable and checks its CRC, writing nothing: a restart calls it before the
     * first byte reaches application memory, so that a damaged copy leaves the memory untouched.
     */
    void verify() throws LevelException;

    /** Copies the variable's bytes into {@code into}, verifying its CRC; sizes must match. */
    void readInto(Variable v, Region into) throws LevelException;

    @Override
    void close() throws LevelException;
}
