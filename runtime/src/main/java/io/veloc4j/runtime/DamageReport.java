package io.veloc4j.runtime;

import io.veloc4j.levels.Level;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.RankCheckpoint;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Why a rank's copies of some versions cannot be restored, level by level: what restartTest
 * says when no version is restorable, so that a job does not start from step 0 in silence while
 * damaged checkpoints exist. Reads the copies again, so only for that case.
 */
final class DamageReport {

    private DamageReport() {
    }

    /** "v40 (scratch: …; persistent: …), v30 (…)" for {@code versions}, newest first as given. */
    static String of(List<Level> levels, String name, Collection<Integer> versions) {
        List<String> out = new ArrayList<>();
        for (int v : versions) {
            List<String> why = new ArrayList<>();
            for (Level l : levels) {
                if (l.versions(name).contains(v)) {
                    why.add(l.name() + ": " + problem(l, name, v));
                }
            }
            out.add("v" + v + " (" + String.join("; ", why) + ")");
        }
        return String.join(", ", out);
    }

    private static String problem(Level level, String name, int version) {
        try (RankCheckpoint ck = level.open(name, version)) {
            ck.verify();
            return "intact here, but not restorable on every rank";
        } catch (LevelException e) {
            return e.getMessage();
        }
    }
}
