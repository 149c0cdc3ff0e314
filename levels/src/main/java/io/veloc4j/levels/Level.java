package io.veloc4j.levels;

import java.util.List;

/**
 * One level of the storage hierarchy, seen by one rank (VELOC's module chain): where a rank's copy
 * of a checkpoint version may be, whether it is intact, and how to read it back.
 */
public interface Level {

    /** "scratch", "persistent", ... as reported to users. */
    String name();

    /** Versions of checkpoint {@code name} this level may hold for this rank, newest first (not verified). */
    List<Integer> versions(String name);

    /** Whether this rank's copy of {@code name}/{@code version} is present and intact (verified). */
    boolean canRestore(String name, int version);

    /** Opens this rank's copy for restart; fails if it is missing or corrupt. */
    RankCheckpoint open(String name, int version) throws LevelException;
}
