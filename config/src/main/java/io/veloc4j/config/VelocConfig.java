package io.veloc4j.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The immutable, validated configuration of a veloc4j job (veloc.cfg plus {@code VELOC_<KEY>}
 * environment overrides). Paths are absolute. Keys are registered in {@link ConfigKey}.
 *
 * <p>{@link #load} checks syntax and values only; {@link #check} also checks that the directories
 * can be used. Loading happens on every rank at start-up, and the runtime reports a directory it
 * cannot create when it tries; {@code check} is the preflight for setup and verify.
 */
public final class VelocConfig {

    private static final String OF_SOURCE = "VelocConfig.of";
    private static final String WITH_SOURCE = "VelocConfig.with";

    private final Map<ConfigKey, Object> values;
    private final Map<ConfigKey, Setting> explicit;
    private final Path source;
    private final String sourceName;
    private final List<ConfigProblem> warnings;

    private VelocConfig(Map<ConfigKey, Object> values, Map<ConfigKey, Setting> explicit, Path source, String sourceName,
                        List<ConfigProblem> warnings) {
        this.values = new EnumMap<>(values);
        this.explicit = new EnumMap<>(ConfigKey.class);
        this.explicit.putAll(explicit);
        this.source = source;
        this.sourceName = sourceName;
        this.warnings = List.copyOf(warnings);
    }

    // ---- creating ----

    /** Reads {@code file}, applies overrides from {@link System#getenv()}, and validates. */
    public static VelocConfig load(Path file) throws ConfigException {
        return load(file, System.getenv());
    }

    /** Reads {@code file}, applies {@code VELOC_<KEY>} overrides from {@code env}, and validates. */
    public static VelocConfig load(Path file, Map<String, String> env) throws ConfigException {
        ConfigFileParser.Result parsed = ConfigFileParser.parse(file);
        throwIfAny(unreadable(parsed));
        List<ConfigProblem> problems = new ArrayList<>(parsed.problems());
        Resolver.Result resolved = resolveFile(file, parsed, env, problems);
        problems.addAll(resolved.problems());
        List<ConfigProblem> sorted = inFileOrder(problems);
        throwIfAny(errors(sorted));
        return new VelocConfig(resolved.values(), resolved.explicit(), file.toAbsolutePath().normalize(), file.toString(),
                warnings(sorted));
    }

    /**
     * Every problem with the configuration, errors and warnings, including directories that cannot
     * be created or written (tried, and undone); empty if it is fine. Leaves nothing behind.
     */
    public static List<ConfigProblem> check(Path file, Map<String, String> env) {
        ConfigFileParser.Result parsed = ConfigFileParser.parse(file);
        if (!parsed.readable()) {
            return unreadable(parsed);
        }
        List<ConfigProblem> problems = new ArrayList<>(parsed.problems());
        Resolver.Result resolved = resolveFile(file, parsed, env, problems);
        problems.addAll(resolved.problems());
        // Defaults are skipped: they derive from directories checked here (meta lies below persistent).
        resolved.explicit().forEach((key, setting) -> {
            Object value = resolved.values().get(key);
            if (value == null) {
                return;
            }
            Optional<String> problem = key.type().directoryToCheck(value).flatMap(DirectoryCheck::problem);
            if (problem.isEmpty() && key == ConfigKey.SCRATCH) {
                // the fixed part is fine; now this host's real directories, placeholders filled in
                Object nodes = resolved.values().get(ConfigKey.VIRTUAL_NODES);
                for (Path dir : Overlaps.scratchDirs((String) value, nodes instanceof Integer n ? Math.min(n, 64) : 1)) {
                    problem = DirectoryCheck.problem(dir);
                    if (problem.isPresent()) {
                        break;
                    }
                }
            }
            problem.ifPresent(message -> problems.add(setting.problem(message)));
        });
        return inFileOrder(problems);
    }

    /** A configuration from explicit values (key to value), validated like a file; the environment is ignored. */
    public static VelocConfig of(Map<String, String> values) throws ConfigException {
        Map<ConfigKey, Setting> settings = new EnumMap<>(ConfigKey.class);
        List<ConfigProblem> problems = new ArrayList<>();
        Path cwd = Path.of("").toAbsolutePath();
        values.forEach((name, value) -> {
            Optional<ConfigKey> key = ConfigKey.byKey(name);
            if (key.isEmpty()) {
                problems.add(new ConfigProblem(OF_SOURCE, ConfigProblem.NO_LINE, name, ConfigKey.unknownKeyMessage(name)));
            } else if (value == null) {
                problems.add(new ConfigProblem(OF_SOURCE, ConfigProblem.NO_LINE, name, "the value is null; use " + key.get().allowed()));
            } else {
                settings.put(key.get(), new Setting(key.get(), value.trim(), OF_SOURCE, ConfigProblem.NO_LINE, cwd));
            }
        });
        Resolver.Result resolved = Resolver.resolve(settings, OF_SOURCE, k -> "put '" + k.key() + "' in the map");
        problems.addAll(resolved.problems());
        throwIfAny(errors(problems));
        return new VelocConfig(resolved.values(), resolved.explicit(), null, OF_SOURCE, warnings(problems));
    }

    /** A copy with one key set to {@code value} (relative paths resolve against the working directory). */
    public VelocConfig with(String key, String value) throws ConfigException {
        ConfigKey k = ConfigKey.byKey(key).orElse(null);
        if (k == null || value == null) {
            String message = k == null ? ConfigKey.unknownKeyMessage(key) : "the value is null; use " + k.allowed();
            throw new ConfigException(List.of(new ConfigProblem(WITH_SOURCE, ConfigProblem.NO_LINE, key, message)));
        }
        Map<ConfigKey, Setting> settings = new EnumMap<>(ConfigKey.class);
        settings.putAll(explicit);
        settings.put(k, new Setting(k, value.trim(), WITH_SOURCE, ConfigProblem.NO_LINE, Path.of("").toAbsolutePath()));
        // Defaults are recomputed, so a default meta follows a changed persistent.
        Resolver.Result resolved = Resolver.resolve(settings, WITH_SOURCE, x -> "set '" + x.key() + "'");
        throwIfAny(errors(resolved.problems()));
        return new VelocConfig(resolved.values(), resolved.explicit(), source, sourceName, warnings(resolved.problems()));
    }

    private static Resolver.Result resolveFile(Path file, ConfigFileParser.Result parsed, Map<String, String> env,
                                               List<ConfigProblem> problems) {
        String name = file.toString();
        Map<ConfigKey, Setting> settings = Resolver.withEnvironment(parsed.settings(), env, name, problems);
        return Resolver.resolve(settings, name, k -> "add '" + k.key() + " = ...' to " + name + " or set " + k.envVar());
    }

    private static List<ConfigProblem> errors(List<ConfigProblem> problems) {
        return problems.stream().filter(p -> !p.isWarning()).toList();
    }

    private static List<ConfigProblem> warnings(List<ConfigProblem> problems) {
        return problems.stream().filter(ConfigProblem::isWarning).toList();
    }

    /** What loading found questionable but usable (VELOC keys that are ignored, unwise values), in file order. */
    public List<ConfigProblem> warnings() {
        return warnings;
    }

    /**
     * A problem located where {@code key} was set (file:line, or the environment variable), for
     * checks that can only be made at init (e.g. virtual_nodes against the ranks of a host).
     */
    public ConfigProblem problem(String key, String message) {
        ConfigKey k = ConfigKey.byKey(key).orElseThrow(() -> new IllegalArgumentException("unknown key '" + key + "'"));
        return Resolver.at(k, explicit, sourceName, message);
    }

    /** Problems with a line first, by line, so they read like the file; then the rest (missing keys, environment). */
    private static List<ConfigProblem> inFileOrder(List<ConfigProblem> problems) {
        List<ConfigProblem> sorted = new ArrayList<>(problems);
        sorted.sort(Comparator.comparingInt(p -> p.line() > 0 ? p.line() : Integer.MAX_VALUE)); // stable
        return sorted;
    }

    /** An unreadable file is the only problem worth reporting: "scratch is missing" would mislead. */
    private static List<ConfigProblem> unreadable(ConfigFileParser.Result parsed) {
        return parsed.readable() ? List.of() : parsed.problems();
    }

    private static void throwIfAny(List<ConfigProblem> problems) throws ConfigException {
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    // ---- typed accessors: one per key ----

    /** The scratch path as configured, with %n and %h unsubstituted. */
    public String scratchTemplate() {
        return (String) value(ConfigKey.SCRATCH);
    }

    /** The scratch directory of virtual node {@code node} on this host (%n and %h substituted). */
    public Path scratch(int node) {
        if (node < 0) {
            throw new IllegalArgumentException("virtual node id must be >= 0, got " + node);
        }
        return Path.of(scratchTemplate().replace("%n", Integer.toString(node)).replace("%h", HostName.get()));
    }

    public Path persistent() {
        return (Path) value(ConfigKey.PERSISTENT);
    }

    public Path meta() {
        return (Path) value(ConfigKey.META);
    }

    public Mode mode() {
        return (Mode) value(ConfigKey.MODE);
    }

    public int persistentInterval() {
        return (Integer) value(ConfigKey.PERSISTENT_INTERVAL);
    }

    public int ecInterval() {
        return (Integer) value(ConfigKey.EC_INTERVAL);
    }

    /** Least nodes of an erasure set (sets take the job's remaining nodes, up to 2 × this − 1). */
    public int ecSetSize() {
        return (Integer) value(ConfigKey.EC_SET_SIZE);
    }

    /** This node's failure domain (failure_domain, %h and %n substituted). */
    public String failureDomain(int node) {
        return ((String) value(ConfigKey.FAILURE_DOMAIN)).replace("%n", Integer.toString(node)).replace("%h", HostName.get());
    }

    /** Parity fragments per erasure set: the node losses a set survives; less than {@link #ecSetSize()}. */
    public int ecParity() {
        return (Integer) value(ConfigKey.EC_PARITY);
    }

    public int maxVersions() {
        return (Integer) value(ConfigKey.MAX_VERSIONS);
    }

    public int scratchVersions() {
        return (Integer) value(ConfigKey.SCRATCH_VERSIONS);
    }

    public boolean chksum() {
        return (Boolean) value(ConfigKey.CHKSUM);
    }

    public int maxParallelism() {
        return (Integer) value(ConfigKey.MAX_PARALLELISM);
    }

    public int watchdogInterval() {
        return (Integer) value(ConfigKey.WATCHDOG_INTERVAL);
    }

    public boolean scratchFsync() {
        return (Boolean) value(ConfigKey.SCRATCH_FSYNC);
    }

    public boolean scratchRecycle() {
        return (Boolean) value(ConfigKey.SCRATCH_RECYCLE);
    }

    /** Off-heap bytes per rank for in-memory staging; 0 = off. */
    public long stagingBudget() {
        return (Long) value(ConfigKey.STAGING_BUDGET);
    }

    public int virtualNodes() {
        return (Integer) value(ConfigKey.VIRTUAL_NODES);
    }

    public AggregationScheme aggregationScheme() {
        return (AggregationScheme) value(ConfigKey.AGGREGATION_SCHEME);
    }

    public Grouping grouping() {
        return (Grouping) value(ConfigKey.GROUPING);
    }

    /** Bytes per block of the block-interleaving schemes. */
    public int blockSize() {
        return (int) (long) (Long) value(ConfigKey.BLOCK_SIZE);
    }

    /** Bytes from which an aggregate's chunk ends at the next rank boundary. */
    public int chunkRankCut() {
        return (int) (long) (Long) value(ConfigKey.CHUNK_RANK_CUT);
    }

    public CodecChoice codec() {
        return (CodecChoice) value(ConfigKey.CODEC);
    }

    public int groupSize() {
        return (Integer) value(ConfigKey.GROUP_SIZE);
    }

    public int compressionLevel() {
        return (Integer) value(ConfigKey.COMPRESSION_LEVEL);
    }

    public boolean directIo() {
        return (Boolean) value(ConfigKey.DIRECT_IO);
    }

    public boolean flushOnRestart() {
        return (Boolean) value(ConfigKey.FLUSH_ON_RESTART);
    }

    public int maxPending() {
        return (Integer) value(ConfigKey.MAX_PENDING);
    }

    /** Seconds a group's writer waits for another node's part. */
    public int flushTimeout() {
        return (Integer) value(ConfigKey.FLUSH_TIMEOUT);
    }

    // ---- generic ----

    /** The normalized value of {@code key} as text (absolute paths, lower-case choices, true/false). */
    public String get(String key) {
        ConfigKey k = ConfigKey.byKey(key).orElseThrow(() -> new IllegalArgumentException(
                "'" + key + "': " + ConfigKey.unknownKeyMessage(key)));
        return k.type().format(value(k));
    }

    /** The file this configuration was loaded from (absolute); empty if built with {@link #of}. */
    public Optional<Path> source() {
        return Optional.ofNullable(source);
    }

    private Object value(ConfigKey key) {
        return values.get(key); // every key has a value: resolution fails otherwise
    }

    /** One {@code key = value} line per key, in registry order; the output is itself a valid config file. */
    @Override
    public String toString() {
        return values.entrySet().stream()
                .map(e -> e.getKey().key() + " = " + e.getKey().type().format(e.getValue()))
                .collect(Collectors.joining("\n"));
    }

    /** Equal when every value is equal, wherever the values came from. */
    @Override
    public boolean equals(Object o) {
        return o instanceof VelocConfig other && values.equals(other.values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(values);
    }
}
