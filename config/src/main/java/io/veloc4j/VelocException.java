package io.veloc4j;

/**
 * The one checked exception family of veloc4j: every module subclasses it, so a caller can
 * catch everything the runtime reports with one clause. Messages say what went wrong, where
 * (file, key, rank, version ...) and what to do about it.
 */
public class VelocException extends Exception {
    private static final long serialVersionUID = 1L;

    public VelocException(String message) {
        super(message);
    }

    public VelocException(String message, Throwable cause) {
        super(message, cause);
    }
}
