package io.veloc4j.levels.persistent;

/** One rank's slice of an aggregate's raw stream: its whole rank file. */
public record Member(int rank, long rawOffset, long rawLength, int rankFileCrc) {
}
