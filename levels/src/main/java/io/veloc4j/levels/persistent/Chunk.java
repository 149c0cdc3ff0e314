package io.veloc4j.levels.persistent;

/** One compressed chunk of an aggregate: where its raw bytes belong and where its stored bytes are. */
record Chunk(long rawOffset, int rawLength, long storedOffset, int storedLength, int crc) {

    boolean overlaps(long from, long to) {
        return rawOffset < to && rawOffset + rawLength > from;
    }
}
