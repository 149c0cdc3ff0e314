package io.veloc4j.bench;

import io.veloc4j.comm.Comm;
import io.veloc4j.comm.LocalComm;
import io.veloc4j.comm.MpiComm;
import io.veloc4j.config.VelocConfig;
import io.veloc4j.runtime.Veloc;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One rank of the flush-throughput benchmark (started by {@link FlushBench} under mpirun, or as
 * threads with {@code --local N}). Each rank holds {@code --mb} MiB of doubles and, every rep, in
 * alternating order:
 * <ul>
 * <li>{@code none}: {@code checkpoint()} through a Veloc client with {@code aggregation_scheme = none},
 * then {@code checkpointWait()}: the background engine copies the rank file to persistent storage;</li>
 * <li>{@code plain}: copies the newest rank file of that client's scratch (the same bytes) to the same
 * persistent disk by hand: FileChannel.transferTo, then force (fsync);</li>
 * <li>{@code agnostic}: the same through a second client with {@code aggregation_scheme = agnostic},
 * {@code group_size = --group-size}: one compressed aggregate per group.</li>
 * </ul>
 * Odd reps run none, plain, agnostic; even reps agnostic, plain, none. Every rank records, on the
 * node-wide monotonic clock (System.nanoTime is CLOCK_MONOTONIC, shared by every process of the
 * machine), when it started, when checkpoint() returned and when the data was persisted; rank 0
 * writes all of it, plus what each version left on persistent storage, to {@code --out} as JSON.
 * Everything a rep put on persistent storage is deleted (untimed) before the next rep.
 */
public final class FlushRank {

    static final String NAME = "flush";
    static final String[] METHODS = {"none", "plain", "agnostic"};

    record Options(int mb, int reps, Path scratch, Path persistent, Path out, int localRanks, int groupSize,
                   int parallelism, int level) {

        static Options parse(String[] args) {
            Args a = new Args("flush-rank", args);
            Options o = new Options(a.intOpt("--mb", 256), a.intOpt("--reps", 7), a.pathOpt("--scratch", null),
                    a.pathOpt("--persistent", null), a.pathOpt("--out", null), a.intOpt("--local", 0),
                    a.intOpt("--group-size", 4), a.intOpt("--parallelism", 2), a.intOpt("--level", 1));
            a.done();
            if (o.scratch == null || o.persistent == null || o.out == null) {
                throw new IllegalArgumentException("flush-rank: --scratch DIR, --persistent DIR and --out FILE are required");
            }
            if (o.mb < 1 || o.reps < 1 || o.groupSize < 1 || o.parallelism < 1) {
                throw new IllegalArgumentException("flush-rank: --mb, --reps, --group-size and --parallelism must be at least 1");
            }
            return o;
        }
    }

    private FlushRank() {
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println("usage: flush-rank --scratch DIR --persistent DIR --out FILE [--mb M] [--reps N] "
                    + "[--group-size G] [--parallelism P] [--level L] [--local RANKS]");
            System.exit(2);
            return;
        }
        if (o.localRanks > 0) {
            LocalComm.run(o.localRanks, c -> {
                run(c, o);
                return null;
            });
        } else {
            Comm world = MpiComm.world(args);
            run(world, o);
            MpiComm.finish();
        }
    }

    private static VelocConfig config(Options o, String scheme) throws Exception {
        Map<String, String> cfg = new LinkedHashMap<>();
        cfg.put("scratch", o.scratch.resolve(scheme).toString());
        cfg.put("persistent", o.persistent.resolve(scheme).toString());
        cfg.put("mode", "async");
        cfg.put("aggregation_scheme", scheme);
        cfg.put("group_size", Integer.toString(o.groupSize));
        cfg.put("compression_level", Integer.toString(o.level));
        cfg.put("max_parallelism", Integer.toString(o.parallelism));
        cfg.put("persistent_interval", "0"); // every version is flushed
        cfg.put("scratch_versions", "1");
        cfg.put("max_versions", "0"); // the benchmark deletes persisted versions itself, untimed
        cfg.put("chksum", "true");
        return VelocConfig.of(cfg);
    }

    static void run(Comm comm, Options o) throws Exception {
        int rank = comm.rank();
        Path plainDir = o.persistent.resolve("plain");
        if (rank == 0) {
            for (String m : METHODS) {
                Files.createDirectories(o.persistent.resolve(m));
                if (!m.equals("plain")) {
                    Files.createDirectories(o.scratch.resolve(m));
                }
            }
        }
        double[] field = CheckpointLatencyRank.field(rank, (int) (((long) o.mb << 20) / Double.BYTES));
        comm.barrier();
        List<Object> samples = new ArrayList<>();
        Map<String, Long> rankFileBytes = new LinkedHashMap<>();
        try (Veloc none = Veloc.init(config(o, "none"), comm); Veloc agnostic = Veloc.init(config(o, "agnostic"), comm)) {
            none.protect(0, "field", field);
            agnostic.protect(0, "field", field);
            Path noneScratch = none.scratchDir().resolve(NAME);
            int lastNone = -1;
            for (int rep = 0; rep <= o.reps; rep++) {
                boolean warmup = rep == 0;
                boolean forward = warmup || (rep - 1) % 2 == 0;
                String[] order = forward ? METHODS : new String[] {METHODS[2], METHODS[1], METHODS[0]};
                Map<String, Object> sample = new LinkedHashMap<>();
                sample.put("rep", rep);
                sample.put("warmup", warmup);
                sample.put("order", String.join(",", order));
                for (String m : order) {
                    comm.barrier();
                    long t0 = System.nanoTime();
                    long t1;
                    long t2;
                    if (m.equals("plain")) {
                        if (lastNone < 0) {
                            throw new IllegalStateException("flush-rank: no rank file on scratch yet for the plain copy");
                        }
                        Path src = noneScratch.resolve(Integer.toString(lastNone)).resolve("rank-" + rank + ".vck");
                        t1 = System.nanoTime();
                        copyPlain(src, plainDir.resolve("rank-" + rank + ".vck"));
                        t2 = System.nanoTime();
                        rankFileBytes.put("plain", Files.size(src));
                    } else {
                        Veloc v = m.equals("none") ? none : agnostic;
                        v.checkpoint(NAME, rep);
                        t1 = System.nanoTime();
                        v.checkpointWait();
                        t2 = System.nanoTime();
                        if (m.equals("none")) {
                            lastNone = rep;
                        }
                        rankFileBytes.put(m, Files.size(v.scratchDir().resolve(NAME).resolve(Integer.toString(rep))
                                .resolve("rank-" + rank + ".vck")));
                    }
                    comm.barrier();
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("t0_ns", comm.allgather(t0));
                    r.put("t1_ns", comm.allgather(t1));
                    r.put("t2_ns", comm.allgather(t2));
                    if (rank == 0) {
                        Path dir = m.equals("plain") ? plainDir : o.persistent.resolve(m).resolve(NAME).resolve(Integer.toString(rep));
                        r.putAll(storedFiles(dir));
                    }
                    sample.put(m, r);
                }
                // untimed: remove everything this rep put on persistent storage (all of it is persisted now)
                if (rank == 0) {
                    Demo.deleteTree(plainDir);
                    Files.createDirectories(plainDir);
                    Demo.deleteTree(o.persistent.resolve("none").resolve(NAME).resolve(Integer.toString(rep)));
                    Demo.deleteTree(o.persistent.resolve("agnostic").resolve(NAME).resolve(Integer.toString(rep)));
                }
                comm.barrier();
                samples.add(sample);
                if (rank == 0) {
                    StringBuilder line = new StringBuilder("flush: " + (warmup ? "warm-up" : "rep " + rep));
                    for (String m : order) {
                        @SuppressWarnings("unchecked")
                        Map<String, Object> r = (Map<String, Object>) sample.get(m);
                        long[] t1 = (long[]) r.get("t1_ns");
                        long[] t2 = (long[]) r.get("t2_ns");
                        line.append(String.format(" %s %.0f ms", m, (max(t2) - max(t1)) / 1e6));
                    }
                    System.out.println(line);
                }
            }
        }
        comm.barrier();
        if (rank == 0) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("ranks", comm.size());
            out.put("mb_per_rank", o.mb);
            out.put("bytes_per_rank", (long) field.length * Double.BYTES);
            out.put("rank_file_bytes", rankFileBytes);
            out.put("group_size", o.groupSize);
            out.put("max_parallelism", o.parallelism);
            out.put("compression_level", o.level);
            out.put("samples", samples);
            Files.createDirectories(o.out.toAbsolutePath().getParent());
            Files.writeString(o.out, Json.write(out));
        }
    }

    /**
     * The baseline: what a hand-written flush does. Open the target (create or truncate),
     * transferTo from the scratch file until done, force (fsync) the target, close. Like veloc4j's
     * writer it fsyncs the file; unlike it, no CRC check of the source, no temp name + rename, no
     * directory fsync.
     */
    static void copyPlain(Path src, Path dst) throws IOException {
        try (FileChannel in = FileChannel.open(src, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(dst, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING)) {
            long size = in.size();
            long done = 0;
            while (done < size) {
                done += in.transferTo(done, size - done, out);
            }
            out.force(true);
        }
    }

    /** Files and bytes a version left in {@code dir}: data files (without MANIFEST) and the MANIFEST. */
    private static Map<String, Object> storedFiles(Path dir) throws IOException {
        long files = 0;
        long bytes = 0;
        long manifest = 0;
        List<String> names = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    if (!Files.isRegularFile(p)) {
                        continue;
                    }
                    String n = p.getFileName().toString();
                    if (n.equals("MANIFEST")) {
                        manifest = Files.size(p);
                        continue;
                    }
                    files++;
                    bytes += Files.size(p);
                    names.add(n);
                }
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("files", files);
        m.put("stored_bytes", bytes);
        m.put("manifest_bytes", manifest);
        m.put("names", names.stream().sorted().toList());
        return m;
    }

    static long max(long[] a) {
        long m = Long.MIN_VALUE;
        for (long x : a) {
            m = Math.max(m, x);
        }
        return m;
    }

    static long min(long[] a) {
        long m = Long.MAX_VALUE;
        for (long x : a) {
            m = Math.min(m, x);
        }
        return m;
    }
}
