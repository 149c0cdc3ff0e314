package io.veloc4j.levels.persistent;

import io.veloc4j.levels.LevelException;

/**
 * The version already has a MANIFEST on persistent storage: a committed version is immutable, so
 * nothing is written into it (its files stay exactly the ones the MANIFEST names).
 */
public class AlreadyCommittedException extends LevelException {
    public AlreadyCommittedException(String message) {
        super(message);
    }
}
