package io.veloc4j.bench;

import io.veloc4j.comm.Comm;
import io.veloc4j.comm.MpiComm;
import io.veloc4j.config.VelocConfig;
import io.veloc4j.runtime.Restored;
import io.veloc4j.runtime.Veloc;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One rank of {@code bench erasure --hosts}: under mpirun on a virtual cluster (one rank per
 * host). {@code --phase protect}: checkpoints {@code --mb} MiB of doubles as version 1 with the
 * erasure level on (and persistent storage on), and measures the time from the last rank's
 * checkpoint() return until every host holds its parity pieces of the version (each rank watches
 * its own host's scratch), then waits for the flush. {@code --phase restart}: restartTest +
 * restart of version 1, timed, max over ranks, with the level each rank restored from. Rank 0
 * writes the figures as JSON to {@code --out}.
 */
public final class ErasureClusterRank {

    private ErasureClusterRank() {
    }

    public static void main(String[] argv) throws Exception {
        Args a = new Args("erasure-cluster-rank", argv);
        String phase = a.opt("--phase", "protect");
        int mb = a.intOpt("--mb", 64);
        int setSize = a.intOpt("--set-size", 4);
        int parity = a.intOpt("--parity", 2);
        Path scratch = a.pathOpt("--scratch", null);
        Path persistent = a.pathOpt("--persistent", null);
        Path out = a.pathOpt("--out", null);
        a.done();
        Comm world = MpiComm.world(argv);
        Map<String, String> cfg = new LinkedHashMap<>();
        cfg.put("scratch", scratch.toString());
        cfg.put("persistent", persistent.toString());
        cfg.put("aggregation_scheme", "agnostic");
        cfg.put("group_size", "8");
        cfg.put("ec_interval", "0");
        cfg.put("ec_set_size", Integer.toString(setSize));
        cfg.put("ec_parity", Integer.toString(parity));
        double[] field = CheckpointLatencyRank.field(world.rank(), (int) (((long) mb << 20) / Double.BYTES));
        Map<String, Object> r = new LinkedHashMap<>();
        try (Veloc v = Veloc.init(VelocConfig.of(cfg), world)) {
            v.protect(0, "field", field);
            if (phase.equals("protect")) {
                world.barrier();
                v.checkpoint("ec", 1);
                long returned = world.allreduce(System.nanoTime(), Comm.ReduceOp.MAX);
                Path dir = VelocConfig.of(cfg).scratch(0).resolve("ec").resolve("1");
                long deadline = System.nanoTime() + 600_000_000_000L;
                while (parityFiles(dir) < parity && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                long protectedAt = world.allreduce(System.nanoTime(), Comm.ReduceOp.MAX);
                v.checkpointWait();
                long persisted = world.allreduce(System.nanoTime(), Comm.ReduceOp.MAX);
                r.put("protect_ms", (protectedAt - returned) / 1e6);
                r.put("persist_ms", (persisted - returned) / 1e6);
                r.put("parity_files_on_rank0_host", parityFiles(dir));
            } else {
                java.util.Arrays.fill(field, Double.NaN); // what the restart must overwrite
                world.barrier();
                long t0 = System.nanoTime();
                int ver = v.restartTest("ec");
                long tested = System.nanoTime() - t0;
                Restored got = ver < 0 ? null : v.restart("ec", ver);
                long mine = System.nanoTime() - t0;
                long max = world.allreduce(mine, Comm.ReduceOp.MAX);
                // restartTest: the agreement on a version, and the rebuild (or nothing) it decides on
                r.put("restart_test_ms", world.allreduce(tested, Comm.ReduceOp.MAX) / 1e6);
                long[] erasure = world.allgather(got != null && got.level().equals("erasure") ? 1 : 0);
                long[] pers = world.allgather(got != null && got.level().equals("persistent") ? 1 : 0);
                r.put("version", ver);
                r.put("restart_ms", max / 1e6);
                r.put("ranks_from_erasure", java.util.Arrays.stream(erasure).sum());
                r.put("ranks_from_persistent", java.util.Arrays.stream(pers).sum());
                boolean exact = got != null && java.util.Arrays.equals(field, CheckpointLatencyRank.field(world.rank(), field.length));
                r.put("ranks_bit_exact", world.allreduce(exact ? 1 : 0, Comm.ReduceOp.SUM));
            }
        }
        if (world.rank() == 0) {
            Files.writeString(out, Json.write(r));
        }
        MpiComm.finish();
    }

    private static int parityFiles(Path dir) {
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "parity-*.vpar")) {
            for (Path p : ds) {
                n++;
            }
        } catch (IOException e) {
            return 0;
        }
        return n;
    }
}
