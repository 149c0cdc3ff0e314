package io.veloc4j.levels.grouping;

import io.veloc4j.levels.LevelException;

import java.nio.file.Path;
import java.util.List;

/** STUB until the clustering branch merges. */
public final class BenefitEstimator {
    public static BenefitEstimator defaults() {
        return new BenefitEstimator();
    }

    public double[][] estimate(List<Path> rankFiles) throws LevelException {
        return new double[rankFiles.size()][rankFiles.size()];
    }
}
