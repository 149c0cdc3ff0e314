package io.veloc4j.bench;

import io.veloc4j.comm.Comm;
import io.veloc4j.comm.MpiComm;
import io.veloc4j.config.VelocConfig;
import io.veloc4j.levels.persistent.Manifest;
import io.veloc4j.runtime.Veloc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One rank of {@code bench flush --hosts}: under mpirun on a virtual cluster, every rank
 * checkpoints {@code --mb} MiB of doubles, {@code --reps} times, with one aggregation scheme; per
 * rep the time from the last rank's checkpoint() return until every rank's checkpointWait()
 * returned (the version committed), on the machine-wide monotonic clock. Rank 0 writes, as JSON:
 * the times, files and stored bytes per version, and the bytes the engines sent between hosts.
 */
public final class HostsFlushRank {

    private HostsFlushRank() {
    }

    public static void main(String[] argv) throws Exception {
        Args a = new Args("hosts-flush-rank", argv);
        int mb = a.intOpt("--mb", 64);
        int reps = a.intOpt("--reps", 5);
        String scheme = a.opt("--scheme", "agnostic");
        int groupSize = a.intOpt("--group-size", 8);
        Path scratch = a.pathOpt("--scratch", null);
        Path persistent = a.pathOpt("--persistent", null);
        Path out = a.pathOpt("--out", null);
        a.done();
        Comm world = MpiComm.world(argv);
        Map<String, String> cfg = new LinkedHashMap<>();
        cfg.put("scratch", scratch.toString());
        cfg.put("persistent", persistent.toString());
        cfg.put("aggregation_scheme", scheme);
        cfg.put("group_size", Integer.toString(groupSize));
        cfg.put("scratch_versions", "1");
        cfg.put("max_pending", "1");
        double[] field = CheckpointLatencyRank.field(world.rank(), (int) (((long) mb << 20) / Double.BYTES));
        List<Object> rows = new ArrayList<>();
        try (Veloc v = Veloc.init(VelocConfig.of(cfg), world)) {
            v.protect(0, "field", field);
            for (int rep = 0; rep <= reps; rep++) { // rep 0 warms up
                field[rep] += 1; // a new version is new data
                world.barrier();
                v.checkpoint("hf", rep + 1);
                long returned = world.allreduce(System.nanoTime(), Comm.ReduceOp.MAX);
                long sentBefore = world.allreduce(v.engineBytesSent(), Comm.ReduceOp.SUM);
                v.checkpointWait();
                long persisted = world.allreduce(System.nanoTime(), Comm.ReduceOp.MAX);
                long sent = world.allreduce(v.engineBytesSent(), Comm.ReduceOp.SUM) - sentBefore;
                if (world.rank() == 0 && rep > 0) {
                    Manifest m = Manifest.read(persistent.resolve("hf").resolve(Integer.toString(rep + 1)));
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("rep", rep);
                    r.put("persisted_ms", (persisted - returned) / 1e6);
                    r.put("files", m.files().size());
                    r.put("raw_bytes", m.rawBytes());
                    r.put("stored_bytes", m.storedBytes());
                    r.put("bytes_between_hosts", sent);
                    rows.add(r);
                }
                world.barrier();
            }
        }
        if (world.rank() == 0) {
            Files.writeString(out, Json.write(rows));
        }
        MpiComm.finish();
    }
}
