package io.veloc4j.levels.erasure;

import io.veloc4j.levels.LevelException;

/**
 * A lost member cannot be rebuilt: some codeword has fewer usable fragments than its k data
 * symbols (more than m members lost, or fragments damaged). The message names the codeword and
 * why each missing fragment is unusable; the restart goes on to the next level.
 */
public class NotEnoughFragmentsException extends LevelException {

    private final int usable;
    private final int needed;

    public NotEnoughFragmentsException(String message, int usable, int needed) {
        super(message);
        this.usable = usable;
        this.needed = needed;
    }

    /** Usable fragments of the codeword that failed. */
    public int usable() {
        return usable;
    }

    /** Fragments a codeword needs: k. */
    public int needed() {
        return needed;
    }
}
