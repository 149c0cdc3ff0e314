package io.veloc4j.levels;

import io.veloc4j.VelocException;

/** A checkpoint could not be written to, or read from, a level. */
public class LevelException extends VelocException {
    public LevelException(String message) {
        super(message);
    }

    public LevelException(String message, Throwable cause) {
        super(message, cause);
    }
}
