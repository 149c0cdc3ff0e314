package io.veloc4j.levels.grouping;

import io.veloc4j.levels.LevelException;

import java.nio.file.Path;
import java.util.List;

/** STUB (bench branch, replaced at merge): the pairwise benefit of grouping rank files. Returns all zeros. */
public final class BenefitEstimator {

    private BenefitEstimator() {
    }

    public static BenefitEstimator defaults() {
        return new BenefitEstimator();
    }

    public double[][] estimate(List<Path> rankFiles) throws LevelException {
        int n = rankFiles.size();
        return new double[n][n];
    }
}
