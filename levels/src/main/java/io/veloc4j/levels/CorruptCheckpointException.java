package io.veloc4j.levels;

/** A stored copy exists but its bytes are not what was written (bad magic, header or CRC). */
public class CorruptCheckpointException extends LevelException {
    public CorruptCheckpointException(String message) {
        super(message);
    }
}
