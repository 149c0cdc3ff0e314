package io.veloc4j.comm;

import io.veloc4j.VelocException;

/** A communication failure: a peer died, MPI reported an error, or a collective was misused. */
public class CommException extends VelocException {
    public CommException(String message) {
        super(message);
    }

    public CommException(String message, Throwable cause) {
        super(message, cause);
    }
}
