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

    /** Copies the variable's bytes into {@code into}, verifying its CRC; sizes must match. */
    void readInto(Variable v, Region into) throws LevelException;

    @Override
    void close() throws LevelException;
}
