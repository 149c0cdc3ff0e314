package io.veloc4j.levels.erasure;

/**
 * One rank file of a member's data stream, as the parity records it: which rank, how long, and its
 * header CRC (which covers every variable's CRC), so that a rebuilt file can be checked whole.
 */
public record RankEntry(int rank, long length, int headerCrc) {

    public RankEntry {
        if (rank < 0 || length < 0) {
            throw new IllegalArgumentException("rank " + rank + " with " + length + " bytes is not a rank file");
        }
    }
}
