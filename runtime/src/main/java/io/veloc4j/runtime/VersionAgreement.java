package io.veloc4j.runtime;

import io.veloc4j.comm.Comm;
import io.veloc4j.comm.CommException;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * The collective answer to "which version can EVERY rank restore?". VELOC takes a MAX over ranks
 * and can promise a version one rank lost; here each round proposes the smallest of the ranks'
 * newest restorable versions and keeps it only if all ranks can restore it.
 */
final class VersionAgreement {

    private VersionAgreement() {
    }

    /**
     * @param candidates versions this rank may hold, newest first (unverified)
     * @param restorable checks (expensively) that this rank can restore a version
     * @return the newest version ≤ maxVersion every rank can restore, or -1
     */
    static int newestCommon(Comm comm, List<Integer> candidates, int maxVersion, IntPredicate restorable)
            throws CommException {
        Map<Integer, Boolean> checked = new HashMap<>();
        IntPredicate ok = v -> checked.computeIfAbsent(v, restorable::test);
        int bound = maxVersion;
        while (true) {
            int mine = newestAtMost(candidates, bound, ok);
            int proposal = (int) comm.allreduce(mine, Comm.ReduceOp.MIN);
            if (proposal < 0) {
                return -1;
            }
            boolean have = candidates.contains(proposal) && ok.test(proposal);
            if (comm.allreduce(have ? 1 : 0, Comm.ReduceOp.MIN) == 1) {
                return proposal;
            }
            bound = proposal - 1;
        }
    }

    private static int newestAtMost(List<Integer> candidates, int bound, IntPredicate ok) {
        for (int v : candidates) {
            if (v <= bound && ok.test(v)) {
                return v;
            }
        }
        return -1;
    }
}
