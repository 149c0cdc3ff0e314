package io.veloc4j.runtime;

import io.veloc4j.config.VelocConfig;
import io.veloc4j.levels.persistent.StorageOps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.veloc4j.runtime.VelocTest.job;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue #14: what a version costs persistent storage's metadata, counted, against the README's
 * formula. 16 ranks on 4 nodes, groups of 4 spanning nodes (M = 4 files), V = 3 versions:
 * committing is one MANIFEST write and one listing per version (the committer's), nobody opens
 * anybody's aggregate; checkpointing adds one listing per rank and checkpoint name per launch
 * (the newest version earlier launches committed); a restart is one listing, a stat per committed
 * version and one MANIFEST read (rank 0, shared), the same listing and stats once per engine that
 * finds an earlier launch's files on its scratch, plus two opens of its group's file per rank that
 * restores from persistent storage.
 */
class MetadataOpsTest {

    private static final int RANKS = 16;
    private static final int VERSIONS = 3;

    @TempDir
    Path tmp;

    private VelocConfig config() throws Exception {
        return VelocConfig.of(Map.of("scratch", tmp + "/s/%n", "persistent", tmp + "/p", "virtual_nodes", "4",
                "group_size", "4"));
    }

    private static StorageOps.Counts sum(List<StorageOps.Counts> all) {
        return all.stream().reduce(new StorageOps.Counts(0, 0, 0, 0, 0), StorageOps.Counts::plus);
    }

    @Test
    void perVersionMetadataOperationsAreTheFormula() throws Exception {
        VelocConfig cfg = config();
        StorageOps.Counts write = sum(job(RANKS, cfg, (v, c) -> {
            long[] x = new long[4096];
            v.protect(0, "x", x);
            for (int ver = 1; ver <= VERSIONS; ver++) {
                x[0] = ver * 100L + c.rank();
                v.checkpoint("ops", ver);
            }
            v.checkpointWait();
            return v.storageOps();
        }));
        assertEquals(VERSIONS, write.manifestWrites(), "one MANIFEST write per version: " + write);
        assertEquals(0, write.aggregateOpens(), "committing opens no aggregate: " + write);
        assertEquals(0, write.manifestReads(), write.toString());
        assertEquals(VERSIONS + RANKS, write.listings(), "the committer's clean-up per version, a rank's first look per name: "
                + write);
        // (manifestStats: none, unless a rank waited 10 s for its engine's answer: then it asks the
        // MANIFESTs once a second, a safety net whose count depends on the machine's load)

        StorageOps.Counts scratchRestart = sum(job(RANKS, cfg, (v, c) -> {
            long[] x = new long[4096];
            v.protect(0, "x", x);
            v.restart("ops", v.restartTest("ops"));
            assertEquals(VERSIONS * 100L + c.rank(), x[0]);
            return v.storageOps();
        }));
        // rank 0 lists, stats each version, reads one MANIFEST; each of the 4 engines lists once per name it
        // finds left on its scratch (is it newer than what is committed? then it would flush it first)
        assertEquals(new StorageOps.Counts(1 + 4, (1 + 4) * VERSIONS, 1, 0, 0), scratchRestart,
                "restart from scratch, nothing else");

        // node 2 loses its scratch: its 4 ranks restore from their group's file
        try (Stream<Path> s = Files.walk(tmp.resolve("s/2"))) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        StorageOps.Counts persistentRestart = sum(job(RANKS, cfg, (v, c) -> {
            long[] x = new long[4096];
            v.protect(0, "x", x);
            v.restart("ops", v.restartTest("ops"));
            assertEquals(VERSIONS * 100L + c.rank(), x[0]);
            return v.storageOps();
        }));
        assertEquals(new StorageOps.Counts(1 + 3, (1 + 3) * VERSIONS, 1, 0, 2 * 4), persistentRestart,
                "4 ranks from persistent: one check and one read of their group's file each");
    }
}
