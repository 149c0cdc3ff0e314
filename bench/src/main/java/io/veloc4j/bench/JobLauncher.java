package io.veloc4j.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts jobs the way users run them: {@code mpirun -np N java ...} with one JVM per rank, or one
 * JVM running the ranks as threads. Child JVMs get the launching JVM's own flags (the JVM flags
 * Chronicle needs come from there) and classpath, so nobody types them.
 */
public final class JobLauncher {

    private final String java;
    private final List<String> jvmFlags;
    private final String classpath;

    public JobLauncher() {
        this.java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        this.jvmFlags = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(f -> !f.startsWith("-Xmx") && !f.startsWith("-Xms") && !f.startsWith("-agentlib:jdwp")
                        && !f.startsWith("-javaagent") && !f.startsWith("-XX:+HeapDumpOnOutOfMemory"))
                .toList();
        // surefire keeps the real classpath here; elsewhere java.class.path is it
        this.classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    /** Whether Open MPI's launcher is on the PATH. */
    public static boolean mpirunAvailable() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "mpirun"))) {
                return true;
            }
        }
        return false;
    }

    /** {@code mpirun -np ranks java ... mainClass args}, heap sized for {@code heapMb} per rank. */
    public List<String> mpiCommand(int ranks, int heapMb, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of("mpirun"));
        if (isRoot()) {
            cmd.add("--allow-run-as-root");
        }
        cmd.addAll(List.of("--oversubscribe", "--bind-to", "none", "-np", Integer.toString(ranks)));
        cmd.addAll(javaCommand(heapMb, mainClass, args));
        return cmd;
    }

    /** {@code mpirun ... java ... mainClass args} over a virtual cluster: one rank per slot of its hosts. */
    public List<String> clusterCommand(VirtualCluster cluster, int heapMb, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of("mpirun"));
        if (isRoot()) {
            cmd.add("--allow-run-as-root");
        }
        cmd.addAll(List.of("--oversubscribe", "--bind-to", "none", "-np", Integer.toString(cluster.ranks())));
        cmd.addAll(cluster.mpirunOptions());
        cmd.addAll(javaCommand(heapMb, mainClass, args));
        return cmd;
    }

    /**
     * The command for a job of {@code ranks} ranks: one JVM running them as threads
     * ({@code --local N} is appended to the args), or one JVM per rank under mpirun.
     */
    public List<String> jobCommand(boolean local, int ranks, int heapPerRankMb, String mainClass, List<String> args) {
        List<String> a = new ArrayList<>(args);
        if (local) {
            a.addAll(List.of("--local", Integer.toString(ranks)));
            return javaCommand(heapPerRankMb * ranks, mainClass, a);
        }
        return mpiCommand(ranks, heapPerRankMb, mainClass, a);
    }

    /** How {@link #jobCommand} runs the ranks, for progress output. */
    public static String describe(boolean local, int ranks) {
        return local ? ranks + " ranks as threads of one JVM" : "mpirun -np " + ranks;
    }

    /** One JVM: {@code java ... mainClass args}. */
    public List<String> javaCommand(int heapMb, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(jvmFlags);
        cmd.add("-Xmx" + heapMb + "m");
        cmd.addAll(List.of("-cp", classpath, mainClass));
        cmd.addAll(args);
        return cmd;
    }

    /**
     * Runs {@code cmd}, its output going to ours (or to {@code log} when given), and returns the
     * exit code; kills it after {@code timeoutSeconds}.
     */
    public static int run(List<String> cmd, Path log, long timeoutSeconds) throws IOException, InterruptedException {
        return run(cmd, Map.of(), log, timeoutSeconds);
    }

    /** As {@link #run(List, Path, long)}, with {@code extraEnv} added to the job's environment. */
    public static int run(List<String> cmd, Map<String, String> extraEnv, Path log, long timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.putAll(extraEnv);
        // containers often forbid the cross-memory-attach single copy; plain shared memory works everywhere
        env.putIfAbsent("OMPI_MCA_btl_vader_single_copy_mechanism", "none");
        env.putIfAbsent("OMPI_MCA_rmaps_base_oversubscribe", "1");
        if (log == null) {
            pb.redirectOutput(ProcessBuilder.Redirect.INHERIT);
        } else {
            Files.createDirectories(log.toAbsolutePath().getParent());
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        }
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new IOException("timed out after " + timeoutSeconds + " s: " + String.join(" ", cmd.subList(0, Math.min(8, cmd.size()))));
        }
        return p.exitValue();
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
