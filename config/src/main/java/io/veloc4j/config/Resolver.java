package io.veloc4j.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns explicit settings into typed values: environment overrides, defaults, value parsing and
 * checks that involve several keys. Collects every problem instead of stopping at the first.
 */
final class Resolver {

    /** Typed values of every key that resolved, the explicit settings behind them, and the problems. */
    record Result(Map<ConfigKey, Object> values, Map<ConfigKey, Setting> explicit, List<ConfigProblem> problems) {
    }

    private static final Pattern REFERENCE = Pattern.compile("<([a-z_]+)>");

    private Resolver() {
    }

    /**
     * The settings with {@code VELOC_<KEY>} variables applied on top. An empty (or blank) variable
     * is a problem added to {@code problems}: VELOC would silently use the file's value, but an
     * empty variable is usually a shell variable that was never set (VELOC_SCRATCH=$LOCAL_DISK).
     */
    static Map<ConfigKey, Setting> withEnvironment(Map<ConfigKey, Setting> settings, Map<String, String> env, String source,
                                                   List<ConfigProblem> problems) {
        Map<ConfigKey, Setting> merged = new EnumMap<>(ConfigKey.class);
        merged.putAll(settings);
        // Relative paths in the environment were typed in a shell, so they are relative to the working directory.
        Path cwd = Path.of("").toAbsolutePath();
        for (ConfigKey key : ConfigKey.values()) {
            String value = env.get(key.envVar());
            if (value == null) {
                continue;
            }
            if (value.isBlank()) {
                Setting inFile = settings.get(key);
                problems.add(new ConfigProblem(source, ConfigProblem.FROM_ENVIRONMENT, key.key(), key.envVar()
                        + " is set but empty (a shell variable that was never set?); unset it to use "
                        + (inFile != null ? "the value on line " + inFile.line() : key.isMandatory() ? "a value from the file"
                        : "the default") + ", or give " + key.allowed()));
                continue;
            }
            merged.put(key, new Setting(key, value.trim(), source, ConfigProblem.FROM_ENVIRONMENT, cwd));
        }
        return merged;
    }

    /**
     * @param source       names the configuration in problems that have no setting (a missing key)
     * @param howToSetKey  the remedy for a missing mandatory key, e.g. "add it to veloc.cfg or set VELOC_SCRATCH"
     */
    static Result resolve(Map<ConfigKey, Setting> explicit, String source, HowToSet howToSetKey) {
        Map<ConfigKey, Object> values = new EnumMap<>(ConfigKey.class);
        List<ConfigProblem> problems = new ArrayList<>();
        for (ConfigKey key : ConfigKey.values()) {
            Setting setting = explicit.get(key);
            if (setting != null) {
                try {
                    values.put(key, key.type().parse(setting.value(), setting.baseDir()));
                } catch (IllegalArgumentException e) {
                    problems.add(setting.problem(e.getMessage()));
                }
            } else if (key.isMandatory()) {
                problems.add(new ConfigProblem(source, ConfigProblem.NO_LINE, key.key(),
                        "is mandatory and not set: " + key.doc() + "; " + howToSetKey.remedy(key)));
            } else {
                String value = substituteReferences(key.defaultValue().orElseThrow(), values);
                if (value != null) {
                    values.put(key, key.type().parse(value, Path.of("").toAbsolutePath()));
                }
            }
        }
        crossCheck(values, explicit, source, problems);
        return new Result(Collections.unmodifiableMap(values), Collections.unmodifiableMap(explicit), problems);
    }

    /** Remedy text for a missing mandatory key, which depends on where the configuration comes from. */
    @FunctionalInterface
    interface HowToSet {
        String remedy(ConfigKey key);
    }

    /** A default like {@code <persistent>/.veloc4j} with references filled in; null if a referenced key has no value. */
    private static String substituteReferences(String defaultValue, Map<ConfigKey, Object> values) {
        Matcher m = REFERENCE.matcher(defaultValue);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            ConfigKey ref = ConfigKey.byKey(m.group(1))
                    .orElseThrow(() -> new IllegalStateException("default '" + defaultValue + "' refers to an unknown key"));
            Object value = values.get(ref);
            if (value == null) {
                return null; // the referenced key already has a problem; don't report a second one
            }
            m.appendReplacement(out, Matcher.quoteReplacement(ref.type().format(value)));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static void crossCheck(Map<ConfigKey, Object> values, Map<ConfigKey, Setting> explicit, String source,
                                   List<ConfigProblem> problems) {
        Object nodes = values.get(ConfigKey.VIRTUAL_NODES);
        Object scratch = values.get(ConfigKey.SCRATCH);
        if (nodes != null && scratch != null && (Integer) nodes > 1 && !((String) scratch).contains("%n")) {
            // Virtual nodes sharing one scratch directory would overwrite each other's rank files.
            String message = "virtual_nodes = " + nodes + " needs a scratch directory per node, but scratch '" + scratch
                    + "' has no %n; add %n to scratch, e.g. " + scratch + "/%n";
            problems.add(at(ConfigKey.SCRATCH, explicit, source, message));
        }
        Object setSize = values.get(ConfigKey.EC_SET_SIZE);
        Object parity = values.get(ConfigKey.EC_PARITY);
        if (setSize != null && parity != null && (Integer) parity >= (Integer) setSize) {
            // a set of n nodes with n parity fragments would hold no data
            ConfigKey at = explicit.containsKey(ConfigKey.EC_PARITY) ? ConfigKey.EC_PARITY : ConfigKey.EC_SET_SIZE;
            problems.add(at(at, explicit, source, "ec_parity = " + parity + " needs an ec_set_size above it, but ec_set_size = "
                    + setSize + "; lower ec_parity or raise ec_set_size (at most 16)"));
        }
        Overlaps.check(values, explicit, source, problems);
        ignoredValues(values, explicit, problems);
        Object parallelism = values.get(ConfigKey.MAX_PARALLELISM);
        int cores = Runtime.getRuntime().availableProcessors();
        if (parallelism != null && (Integer) parallelism > 4 * cores && explicit.containsKey(ConfigKey.MAX_PARALLELISM)) {
            problems.add(explicit.get(ConfigKey.MAX_PARALLELISM).problem("max_parallelism = " + parallelism
                    + " engine threads per node, on a machine with " + cores + " cores: each thread holds chunk buffers "
                    + "and competes with the application; use at most " + 4 * cores).asWarning());
        }
    }

    /** VELOC keys whose value asks for something veloc4j does not do yet: a warning, never a silent no-op. */
    private static void ignoredValues(Map<ConfigKey, Object> values, Map<ConfigKey, Setting> explicit,
                                      List<ConfigProblem> problems) {
        Setting watchdog = explicit.get(ConfigKey.WATCHDOG_INTERVAL);
        if (watchdog != null && values.get(ConfigKey.WATCHDOG_INTERVAL) instanceof Integer v && v > 0) {
            problems.add(watchdog.problem("watchdog_interval = " + v + ": veloc4j has no watchdog (its engine runs inside "
                    + "the job's own JVMs, so it cannot outlive a dead rank): ignored; set 0 to silence this").asWarning());
        }
    }

    /** A problem at the key's setting, or without a line when the value is a default. */
    static ConfigProblem at(ConfigKey key, Map<ConfigKey, Setting> explicit, String source, String message) {
        Setting s = explicit.get(key);
        return s != null ? s.problem(message) : new ConfigProblem(source, ConfigProblem.NO_LINE, key.key(), message);
    }
}
