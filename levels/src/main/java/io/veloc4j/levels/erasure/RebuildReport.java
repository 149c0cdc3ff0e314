package io.veloc4j.levels.erasure;

import io.veloc4j.levels.scratch.RankFileInfo;

import java.util.List;

/**
 * What a rebuild wrote, and the fragments it found damaged and went around (each with why: worth
 * a warning, since the set now survives fewer further losses).
 */
public record RebuildReport(List<RankFileInfo> files, List<String> bypassed) {

    public RebuildReport {
        files = List.copyOf(files);
        bypassed = List.copyOf(bypassed);
    }
}
