package io.veloc4j.config;

import static io.veloc4j.config.ValueTypes.bool;
import static io.veloc4j.config.ValueTypes.bytes;
import static io.veloc4j.config.ValueTypes.choice;
import static io.veloc4j.config.ValueTypes.directory;
import static io.veloc4j.config.ValueTypes.directoryTemplate;
import static io.veloc4j.config.ValueTypes.integer;
import static io.veloc4j.config.ValueTypes.label;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The registry of config keys. Adding a key = one constant here + a typed accessor in
 * {@link VelocConfig} + a line in veloc.cfg.example (a test fails until the example documents it).
 *
 * <p>A default may refer to another key's value as {@code <key>} (meta defaults to
 * {@code <persistent>/.veloc4j}); referenced keys must come earlier in this list. A null default
 * makes the key mandatory.
 */
public enum ConfigKey {
    SCRATCH("scratch", directoryTemplate(), null,
            "node-local directory for rank files; %n = virtual node id, %h = host name"),
    PERSISTENT("persistent", directory(), null,
            "external storage (parallel file system) directory for persisted checkpoints"),
    META("meta", directory(), "<persistent>/.veloc4j",
            "directory for the job catalog and metadata"),
    MODE("mode", choice(Mode.class), "async",
            "async: checkpoint returns once rank files are on scratch; sync: once persisted"),
    PERSISTENT_INTERVAL("persistent_interval", integer(-1), "0",
            "minimum seconds between flushes to persistent storage; 0 = every checkpoint, -1 = never (scratch only)"),
    EC_INTERVAL("ec_interval", integer(-1), "-1",
            "seconds between erasure-coding passes; 0 = every checkpoint, -1 = disabled"),
    EC_SET_SIZE("ec_set_size", integer(2, 16), "8",
            "nodes per erasure set: at least this many (all of them when the job has fewer); a node stores about "
                    + "ec_parity / (set size - ec_parity) of its data as parity for its peers"),
    EC_PARITY("ec_parity", integer(1, 15), "1",
            "parity fragments per erasure set: how many of a set's nodes may be lost at once (1 = XOR parity); "
                    + "less than ec_set_size"),
    FAILURE_DOMAIN("failure_domain", label(), "%h-%n",
            "what fails together with this node (VELOC's failure_domain: a rack, a switch, a power feed); two "
                    + "members of an erasure set never share one; %h = host name, %n = node id; set it per node "
                    + "with VELOC_FAILURE_DOMAIN; the default makes every node its own domain"),
    MAX_VERSIONS("max_versions", integer(0), "0",
            "versions of each checkpoint kept on persistent storage; 0 = keep all"),
    SCRATCH_VERSIONS("scratch_versions", integer(0), "2",
            "versions of each checkpoint kept on scratch; 0 = keep all (VELOC's default; veloc4j keeps 2 because scratch is usually RAM)"),
    CHKSUM("chksum", bool(), "true",
            "store CRC32C checksums and verify them on restart"),
    MAX_PARALLELISM("max_parallelism", integer(1, 256), "2",
            "background threads per node for encoding and writing"),
    WATCHDOG_INTERVAL("watchdog_interval", integer(0), "0",
            "seconds between liveness checks of the background engine; 0 = off"),
    SCRATCH_FSYNC("scratch_fsync", bool(), "false",
            "fsync rank files on scratch before a checkpoint counts as written"),
    SCRATCH_RECYCLE("scratch_recycle", bool(), "true",
            "write a checkpoint into the kept file of a pruned scratch version instead of a new file (its pages stay "
                    + "allocated: one more rank file per rank on scratch between checkpoints); false = delete pruned versions"),
    STAGING_BUDGET("staging_budget", bytes(0, 1L << 40, 1), "0",
            "off-heap bytes per rank for in-memory staging: checkpoint() returns once the state is copied there and the "
                    + "scratch write happens in the background (a staged copy dies with the process); 0 = off"),
    VIRTUAL_NODES("virtual_nodes", integer(1), "1",
            "split each machine's ranks into this many nodes, each with its own scratch (put %n in scratch)"),
    AGGREGATION_SCHEME("aggregation_scheme", choice(AggregationScheme.class), "agnostic",
            "none: one file per rank; agnostic(-block): a group's rank files concatenated (block-interleaved) and "
                    + "compressed; aware(-block): each variable across the group's ranks, with a type-aware codec"),
    GROUPING("grouping", choice(Grouping.class), "rank",
            "rank: consecutive ranks form a group; cluster: ranks whose data compress well together"),
    BLOCK_SIZE("block_size", bytes(8, 1L << 30, 8), "1m",
            "bytes per block of the block-interleaving schemes (agnostic-block, aware-block)"),
    CHUNK_RANK_CUT("chunk_rank_cut", bytes(0, 4L << 20, 1), "16k",
            "an aggregate's chunk ends where the next rank's bytes begin once it holds this many bytes: smaller = a "
                    + "rank's restart decodes less of the others' bytes, larger = fewer chunks sharing more context; "
                    + "0 = at every rank boundary, 4m = by size only"),
    CODEC("codec", choice(CodecChoice.class), "auto",
            "codec of typed variables in aware schemes: auto (per variable, from a sample), zstd, shuffle, "
                    + "delta (integers), xor, fpc (floats), lorenzo"),
    GROUP_SIZE("group_size", integer(1), "4",
            "consecutive ranks aggregated into one file, on whatever nodes they run (a version has ceil(ranks/group_size) "
                    + "files; with grouping = cluster, groups stay within a node)"),
    COMPRESSION_LEVEL("compression_level", integer(-7, 22), "1",
            "zstd level for aggregates: negative = faster, 1 = fast (default), up to 22 = smallest"),
    FLUSH_ON_RESTART("flush_on_restart", bool(), "true",
            "at init, flush versions the journal shows written to scratch but never persisted (after a crash)"),
    DIRECT_IO("direct_io", bool(), "true",
            "write persistent files with O_DIRECT (bypassing the page cache) where the file system supports it"),
    MAX_PENDING("max_pending", integer(1), "2",
            "versions of a rank in flight to persistent before checkpoint() blocks (back-pressure)"),
    FLUSH_TIMEOUT("flush_timeout", integer(1, 86400), "300",
            "seconds a group's writer waits for another node's part (or a part's transfer may stall) before the "
                    + "version fails, naming the node");

    private static final Map<String, ConfigKey> BY_KEY =
            Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(ConfigKey::key, Function.identity()));

    /** Beyond this edit distance a suggestion is more confusing than helpful. */
    private static final int MAX_SUGGESTION_DISTANCE = 2;

    private final String key;
    private final ValueType type;
    private final String defaultValue;
    private final String doc;

    ConfigKey(String key, ValueType type, String defaultValue, String doc) {
        this.key = key;
        this.type = type;
        this.defaultValue = defaultValue;
        this.doc = doc;
    }

    /** The name used in the file, e.g. {@code scratch_versions}. */
    public String key() {
        return key;
    }

    public ValueType type() {
        return type;
    }

    /** The default as written in the file, possibly referring to other keys as {@code <key>}; empty if mandatory. */
    public Optional<String> defaultValue() {
        return Optional.ofNullable(defaultValue);
    }

    public boolean isMandatory() {
        return defaultValue == null;
    }

    /** One line: what the key means. */
    public String doc() {
        return doc;
    }

    /** What values are allowed. */
    public String allowed() {
        return type.allowed();
    }

    /** The environment variable that overrides this key, e.g. {@code VELOC_MAX_VERSIONS}. */
    public String envVar() {
        return envVarOf(key);
    }

    static String envVarOf(String key) {
        return "VELOC_" + key.toUpperCase(Locale.ROOT);
    }

    /** The key named {@code key}, in any case (VELOC's INI reader ignores case too). */
    public static Optional<ConfigKey> byKey(String key) {
        return key == null ? Optional.empty() : Optional.ofNullable(BY_KEY.get(key.toLowerCase(Locale.ROOT)));
    }

    /** The known key nearest to an unknown one, if any is close enough to be a likely typo. */
    public static Optional<ConfigKey> nearest(String unknown) {
        String u = unknown.toLowerCase(Locale.ROOT);
        return Arrays.stream(values())
                .min(Comparator.comparingInt(k -> EditDistance.between(u, k.key)))
                .filter(k -> closeEnough(u, k.key));
    }

    private static boolean closeEnough(String unknown, String known) {
        return EditDistance.between(unknown, known) <= Math.max(MAX_SUGGESTION_DISTANCE, unknown.length() / 3);
    }

    /** Problem text for an unknown key: a suggestion if one is close, and where all keys are listed. */
    static String unknownKeyMessage(String unknown) {
        String u = unknown.toLowerCase(Locale.ROOT);
        // a misspelt VELOC-only key (failure_domian) deserves its suggestion too
        Optional<String> hint = nearest(u).map(ConfigKey::key);
        Optional<String> velocOnly = Arrays.stream(VelocOnlyKey.values()).map(VelocOnlyKey::key)
                .filter(k -> closeEnough(u, k))
                .min(Comparator.comparingInt(k -> EditDistance.between(u, k)));
        if (velocOnly.isPresent() && (hint.isEmpty()
                || EditDistance.between(u, velocOnly.get()) < EditDistance.between(u, hint.get()))) {
            hint = velocOnly;
        }
        return "unknown key; " + hint.map(k -> "did you mean '" + k + "'? ").orElse("")
                + "every key is listed, with its meaning, in veloc.cfg.example";
    }
}
