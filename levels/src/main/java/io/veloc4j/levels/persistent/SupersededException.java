package io.veloc4j.levels.persistent;

import io.veloc4j.levels.LevelException;

/**
 * A rank file was replaced after it was announced (the rank checkpointed the same version
 * again): this flush is moot, the newer write brings its own.
 */
public class SupersededException extends LevelException {
    public SupersededException(String message) {
        super(message);
    }
}
