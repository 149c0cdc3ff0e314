package io.veloc4j.levels.persistent;

import io.veloc4j.levels.LevelException;

import java.util.List;

/**
 * Where a rank's restart learns what persistent storage holds: by default from the files
 * themselves ({@link PersistentStore}); in a job, from what one rank read and shared, so that N
 * ranks do not each list the directory and read the MANIFEST.
 */
public interface ManifestSource {

    /** Committed versions of {@code name}, newest first. */
    List<Integer> committed(String name);

    /** The MANIFEST of a committed version. */
    Manifest manifest(String name, int version) throws LevelException;
}
