package io.veloc4j.bench;

import io.veloc4j.config.VelocConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The demo: heatdis with checkpoints, a failure, a relaunch that restarts, and a comparison of
 * the final field with a failure-free run. Ends with "demo: OK restarted from version V (level L),
 * result matches a failure-free run", or a non-zero exit.
 */
public final class Demo {

    /** @param hosts simulated hosts of a virtual cluster (0: the ranks run on this machine as they are) */
    record Options(int ranks, int mb, String mode, int steps, int ckptEvery, int failAt, Path dir, Path config,
                   boolean local, boolean loseScratch, int hosts) {
    }

    private Demo() {
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            usage();
            System.exit(2);
            return;
        }
        if (o == null) {
            usage();
            return;
        }
        try {
            System.exit(run(o) ? 0 : 1);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        }
    }

    private static void usage() {
        System.err.println("""
                usage: ./veloc4j demo [--ranks N] [--mb M] [--mode sync|async] [--steps S] [--ckpt-every K]
                                      [--fail-at STEP] [--dir DIR] [--config FILE] [--local] [--lose scratch]
                                      [--hosts K]
                  --ranks N        MPI ranks (default 4)
                  --mb M           state per rank in MiB (default 64)
                  --mode MODE      checkpoint mode written to the generated config (default async)
                  --steps S        heatdis steps (default 100); --ckpt-every K checkpoints (default 10)
                  --fail-at STEP   the step at which the first run dies (default 65)
                  --dir DIR        where the demo's files go (default ./work/demo): a new or empty directory,
                                   or one an earlier demo made (then emptied first); anything else is refused
                  --config FILE    use this veloc.cfg instead of a generated one
                  --local          ranks as threads of one JVM instead of mpirun
                  --lose scratch   delete every scratch directory after the failure
                  --hosts K        run the ranks on a virtual cluster of K simulated hosts (each its own host name
                                   and private scratch, in namespaces; TCP over loopback; needs root): groups of
                                   ranks span hosts, each file is written by one host""");
    }

    static Options parse(String[] argv) {
        Args a = new Args("demo", argv);
        if (a.flag("--help") || a.flag("-h")) {
            return null;
        }
        String lose = a.opt("--lose", null);
        if (lose != null && !lose.equals("scratch")) {
            throw new IllegalArgumentException("demo: --lose takes 'scratch', not '" + lose + "'");
        }
        Options o = new Options(a.intOpt("--ranks", 4), a.intOpt("--mb", 64), a.opt("--mode", "async"),
                a.intOpt("--steps", 100), a.intOpt("--ckpt-every", 10), a.intOpt("--fail-at", 65),
                a.pathOpt("--dir", Path.of("work", "demo")), a.pathOpt("--config", null), a.flag("--local"), lose != null,
                a.intOpt("--hosts", 0));
        a.done();
        if (!o.mode.equals("sync") && !o.mode.equals("async")) {
            throw new IllegalArgumentException("demo: --mode takes sync or async, not '" + o.mode + "'");
        }
        if (o.hosts < 0 || (o.hosts > 0 && (o.local || o.hosts > o.ranks))) {
            throw new IllegalArgumentException("demo: --hosts takes 1 to --ranks (" + o.ranks + ") hosts, and not with --local");
        }
        if (o.ranks < 1 || o.mb < 1 || o.steps < 1) {
            throw new IllegalArgumentException("demo: --ranks, --mb and --steps must be at least 1");
        }
        if (o.failAt <= o.ckptEvery || o.failAt > o.steps) {
            throw new IllegalArgumentException("demo: --fail-at must be after the first checkpoint (step "
                    + o.ckptEvery + ") and at most --steps " + o.steps);
        }
        return o;
    }

    /** Marks a directory as the demo's own: only then does a later demo empty it. */
    static final String MARKER = ".veloc4j-demo";
    /** What the demo puts in its directory; a directory holding nothing else is taken as an earlier demo's. */
    private static final List<String> OWN = List.of(MARKER, "veloc.cfg", "scratch", "persistent", "reference", "restarted",
            "cluster");

    /**
     * Makes {@code dir} ready: created (and marked) if new or empty; emptied of the demo's own files if
     * an earlier demo made it. Anything else is refused, so the demo never deletes what it did not create.
     *
     * @throws IllegalArgumentException naming the directory and what to do instead
     */
    static void prepareDir(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("demo: --dir " + dir + " is a file, not a directory; give a new or empty directory");
        }
        if (Files.isDirectory(dir)) {
            List<String> entries;
            try (Stream<Path> s = Files.list(dir)) {
                entries = s.map(p -> p.getFileName().toString()).sorted().toList();
            }
            boolean ours = entries.contains(MARKER) || OWN.containsAll(entries);
            if (!ours) {
                throw new IllegalArgumentException("demo: --dir " + dir.toAbsolutePath() + " is not empty and was not made by "
                        + "the demo (no " + MARKER + " in it; it holds " + String.join(", ", entries.subList(0,
                        Math.min(5, entries.size()))) + (entries.size() > 5 ? ", ..." : "")
                        + "); give a new or empty directory, the demo leaves yours alone");
            }
            for (String own : OWN) {
                deleteTree(dir.resolve(own));
            }
        }
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(MARKER), "made by ./veloc4j demo, which empties this directory when it runs again\n");
    }

    static boolean run(Options o) throws Exception {
        Path dir = o.dir;
        prepareDir(dir);
        VirtualCluster cluster = null;
        if (o.hosts > 0) {
            String why = VirtualCluster.unavailable();
            if (why != null) {
                System.out.println("demo: --hosts needs a virtual cluster, and " + why);
                return false;
            }
            cluster = VirtualCluster.create(dir.resolve("cluster"), o.hosts, (o.ranks + o.hosts - 1) / o.hosts);
        }
        Path config = o.config != null ? o.config : writeConfig(dir, o, cluster);
        JobLauncher launcher = new JobLauncher();
        boolean mpi = !o.local;
        if (mpi && !JobLauncher.mpirunAvailable()) {
            System.out.println("demo: mpirun not found (run ./veloc4j setup, or pass --local)");
            return false;
        }
        String how = cluster != null ? "mpirun -np " + cluster.ranks() + " on " + o.hosts + " simulated hosts "
                + cluster.hosts() + " (" + cluster.slots() + " rank(s) each)"
                : mpi ? "mpirun -np " + o.ranks : o.ranks + " ranks as threads";
        System.out.printf("demo: heatdis, %s, %d MiB per rank, %d steps, checkpoint every %d, config %s%n", how, o.mb,
                o.steps, o.ckptEvery, config);

        System.out.println("demo: [1/3] failure-free reference run");
        Path ref = dir.resolve("reference");
        int code = launch(launcher, o, cluster, List.of("--ckpt-every", "0", "--result-dir", ref.toString(), "--quiet"));
        if (code != 0) {
            System.out.println("demo: FAILED: the reference run exited with " + code);
            return false;
        }

        System.out.printf("demo: [2/3] run with checkpoints, failing at step %d%n", o.failAt);
        code = launch(launcher, o, cluster, List.of("--config", config.toString(), "--fail-at", Integer.toString(o.failAt)));
        if (code == 0) {
            System.out.println("demo: FAILED: the failing run did not fail");
            return false;
        }
        System.out.printf("demo: the job died as planned (exit %d)%n", code);
        if (o.loseScratch && cluster != null) {
            for (String h : cluster.hosts()) {
                System.out.println("demo: " + h + " loses its scratch " + cluster.hostScratch(h));
                deleteTree(cluster.hostScratch(h));
                Files.createDirectories(cluster.hostScratch(h));
            }
        } else if (o.loseScratch) {
            for (Path s : scratchDirs(config)) {
                System.out.println("demo: losing scratch " + s);
                deleteTree(s);
            }
        }

        System.out.println("demo: [3/3] relaunch: restart and finish");
        Path out = dir.resolve("restarted");
        code = launch(launcher, o, cluster, List.of("--config", config.toString(), "--result-dir", out.toString()));
        if (code != 0) {
            System.out.println("demo: FAILED: the relaunched run exited with " + code);
            return false;
        }
        int ranks = cluster != null ? cluster.ranks() : o.ranks;
        List<String> expected = HeatDis.readHashes(ref, ranks);
        List<String> actual = HeatDis.readHashes(out, ranks);
        Path restartInfo = out.resolve("rank-0.restart");
        if (!Files.exists(restartInfo)) {
            System.out.println("demo: FAILED: the relaunched run did not restart from a checkpoint");
            return false;
        }
        String[] info = Files.readString(restartInfo).trim().split(" ");
        String level = farthestLevel(out, ranks);
        for (int r = 0; r < ranks; r++) {
            if (!expected.get(r).equals(actual.get(r))) {
                System.out.printf("demo: FAILED: rank %d's final field differs from the failure-free run (%s vs %s)%n", r,
                        actual.get(r), expected.get(r));
                return false;
            }
        }
        System.out.printf("demo: OK restarted from version %s (level %s), result matches a failure-free run%n", info[0],
                level);
        return true;
    }

    /** The level farthest from the application that any rank restored from. */
    static String farthestLevel(Path out, int ranks) throws IOException {
        List<String> order = List.of("scratch", "erasure", "persistent");
        String worst = null;
        for (int r = 0; r < ranks; r++) {
            String l = Files.readString(out.resolve("rank-" + r + ".restart")).trim().split(" ")[1];
            if (worst == null || order.indexOf(l) > order.indexOf(worst)) {
                worst = l;
            }
        }
        return worst;
    }

    private static int launch(JobLauncher launcher, Options o, VirtualCluster cluster, List<String> extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--mb", Integer.toString(o.mb), "--steps", Integer.toString(o.steps),
                "--ckpt-every", Integer.toString(o.ckptEvery)));
        args.addAll(extra);
        int heapPerRank = 3 * o.mb + 256;
        List<String> cmd = cluster != null ? launcher.clusterCommand(cluster, heapPerRank, HeatDis.class.getName(), args)
                : launcher.jobCommand(o.local, o.ranks, heapPerRank, HeatDis.class.getName(), args);
        return JobLauncher.run(cmd, null, 3600);
    }

    private static Path writeConfig(Path dir, Options o, VirtualCluster cluster) throws IOException {
        Path cfg = dir.resolve("veloc.cfg");
        if (cluster != null) {
            Files.writeString(cfg, """
                    # written by ./veloc4j demo --hosts %d: every simulated host sees its own scratch at this path
                    scratch = %s
                    persistent = %s
                    mode = %s
                    scratch_versions = 2
                    """.formatted(o.hosts, cluster.scratch(), cluster.shared().resolve("persistent"), o.mode));
            return cfg;
        }
        int nodes = o.ranks >= 2 ? 2 : 1;
        Files.writeString(cfg, """
                # written by ./veloc4j demo
                scratch = scratch/node-%%n
                persistent = persistent
                mode = %s
                virtual_nodes = %d
                scratch_versions = 2
                """.formatted(o.mode, nodes));
        return cfg;
    }

    /** Every node's scratch directory on this machine, as the config names them. */
    private static List<Path> scratchDirs(Path config) throws Exception {
        VelocConfig c = VelocConfig.load(config);
        List<Path> out = new ArrayList<>();
        for (int node = 0; node < c.virtualNodes(); node++) {
            Path p = c.scratch(node);
            if (Files.exists(p) && !out.contains(p)) {
                out.add(p);
            }
        }
        return out;
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }
}
