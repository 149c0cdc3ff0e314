package io.veloc4j.runtime.cli;

import io.veloc4j.VelocException;
import io.veloc4j.config.VelocConfig;
import io.veloc4j.levels.catalog.Event;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.catalog.EventLog;
import io.veloc4j.levels.persistent.Manifest;
import io.veloc4j.levels.persistent.PersistentStore;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code ls --config FILE}: one row per checkpoint version: which levels hold it, ranks, raw and
 * stored bytes, ratio, files, scheme, codecs chosen, state. Built from the catalog, completed from the MANIFESTs (so it
 * still works when the catalog is lost) and from this machine's scratch directories.
 */
final class ListCommand {

    /** What is known of one version. */
    private static final class Row {
        final TreeSet<String> levels = new TreeSet<>(Comparator.comparing(ListCommand::levelOrder));
        int ranks;
        long raw;
        long stored;
        int files;
        String scheme = "";
        String codecs = "";
        String state = "written";
        /** Node losses per erasure set the version survives; 0 = not erasure-protected. */
        int survives;
        final Map<Integer, Event.Persisted> groups = new TreeMap<>();
    }

    private ListCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Options o;
        try {
            o = Options.parse("ls", args, java.util.Set.of("--config", "--json"));
            if (!o.positional().isEmpty()) {
                throw new IllegalArgumentException("ls: unexpected argument '" + o.positional().get(0) + "'");
            }
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.println("usage: veloc4j ls [--config FILE] [--json]   (default config " + Main.DEFAULT_CONFIG + ")");
            return 2;
        }
        try {
            VelocConfig config = VelocConfig.load(o.config());
            List<String> damage = new ArrayList<>();
            Map<String, Map<Integer, Row>> rows = collect(config, damage);
            if (o.json()) {
                out.println(JsonOut.write(json(rows)));
            } else {
                print(rows, out);
            }
            // damage lines after the table (the JSON stays one document: they go to stderr there)
            damage.forEach(o.json() ? err::println : out::println);
            return 0;
        } catch (VelocException | IOException e) {
            err.println("veloc4j ls: " + e.getMessage());
            return 1;
        }
    }

    /**
     * The rows; a damaged MANIFEST makes its version's row "corrupt" and adds a line to
     * {@code damage} (what the reader said: "FILE is corrupt: …"), and the other versions are
     * listed as usual.
     */
    static Map<String, Map<Integer, Row>> collect(VelocConfig config, List<String> damage) throws VelocException, IOException {
        Map<String, Map<Integer, Row>> rows = new TreeMap<>();
        // one catalog queue per node (each written by its own engine): read them all
        for (Path catalogDir : catalogs(config.meta().resolve("catalog"))) {
            try (EventLog catalog = EventLog.openArchived(catalogDir)) {
                for (Event e : catalog.readAll()) {
                    apply(rows, e);
                }
            } catch (Exception | InternalError e) {
                // the catalog only adds history: the MANIFESTs below are the truth (Chronicle also
                // throws undeclared IOExceptions, and faults on a mapped file cut short)
                damage.add("catalog " + catalogDir + " is unreadable (" + e.getMessage() + "); listed from the MANIFESTs");
            }
        }
        PersistentStore store = new PersistentStore(config.persistent());
        VerifyRecords verified = new VerifyRecords(config.meta());
        for (String name : names(config.persistent())) {
            for (int v : store.committed(name)) {
                Row r = row(rows, name, v);
                r.levels.add("persistent");
                Manifest m;
                try {
                    m = Manifest.read(store.versionDir(name, v));
                } catch (LevelException e) {
                    r.state = "corrupt";
                    damage.add(e.getMessage());
                    continue;
                }
                r.state = verified.state(name, v, store.versionDir(name, v)).orElse("persisted");
                r.codecs = m.codecs();
                if (r.files == 0) {
                    r.ranks = m.ranks();
                    r.raw = m.rawBytes();
                    r.stored = m.storedBytes();
                    r.files = m.files().size();
                    r.scheme = m.scheme().label();
                }
            }
        }
        for (int node = 0; node < config.virtualNodes(); node++) {
            Path scratch = config.scratch(node);
            for (String name : names(scratch)) {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(scratch.resolve(name))) {
                    for (Path p : ds) {
                        String dir = p.getFileName().toString();
                        if (dir.matches("[0-9]{1,10}") && Long.parseLong(dir) <= Integer.MAX_VALUE) {
                            row(rows, name, Integer.parseInt(dir)).levels.add("scratch");
                        }
                    }
                }
            }
        }
        return rows;
    }

    private static void apply(Map<String, Map<Integer, Row>> rows, Event e) {
        Row r = row(rows, e.name(), e.version());
        if (e instanceof Event.Persisted p) {
            r.groups.put(p.group(), p);
            r.ranks = r.groups.values().stream().mapToInt(x -> x.members().length).sum();
            r.raw = r.groups.values().stream().mapToLong(Event.Persisted::rawBytes).sum();
            r.stored = r.groups.values().stream().mapToLong(Event.Persisted::storedBytes).sum();
            r.files = r.groups.size();
            r.scheme = p.scheme();
            if (r.state.equals("written") || r.state.equals("failed")) {
                r.state = "flushing";
            }
        } else if (e instanceof Event.Committed c) {
            r.ranks = c.ranks();
            r.raw = c.rawBytes();
            r.stored = c.storedBytes();
            r.files = c.files();
            r.scheme = c.scheme();
            r.state = "persisted";
        } else if (e instanceof Event.FlushFailed) {
            if (!r.state.equals("persisted")) {
                r.state = "failed";
            }
        } else if (e instanceof Event.Protected p) {
            r.levels.add("erasure");
            r.survives = p.parity();
        } else if (e instanceof Event.Pruned p && p.level().equals("persistent")) {
            r.state = "pruned";
        }
    }

    private static java.util.List<Path> catalogs(Path root) throws IOException {
        java.util.List<Path> out = new java.util.ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                if (Files.isRegularFile(p.resolve("metadata.cq4t"))) {
                    out.add(p);
                }
            }
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    private static Row row(Map<String, Map<Integer, Row>> rows, String name, int version) {
        return rows.computeIfAbsent(name, k -> new TreeMap<>()).computeIfAbsent(version, k -> new Row());
    }

    /** The checkpoint names under a scratch or persistent root (its sub-directories, dot-directories left out). */
    static TreeSet<String> names(Path root) throws IOException {
        TreeSet<String> out = new TreeSet<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (Files.isDirectory(p) && !n.startsWith(".")) {
                    out.add(n);
                }
            }
        }
        return out;
    }

    private static void print(Map<String, Map<Integer, Row>> rows, PrintStream out) {
        String fmt = "%-16s %8s  %-28s %6s %12s %12s %7s %6s  %-14s %-22s %-20s %s%n";
        out.printf(fmt, "NAME", "VERSION", "LEVELS", "RANKS", "RAW", "STORED", "RATIO", "FILES", "SCHEME", "CODECS", "ERASURE",
                "STATE");
        rows.forEach((name, versions) -> versions.forEach((v, r) -> {
            boolean pruned = r.state.equals("pruned") && r.levels.isEmpty();
            if (r.levels.isEmpty() && !pruned && !r.state.equals("failed")) {
                return; // gone from every level
            }
            out.printf(fmt, name, v, r.levels.isEmpty() ? "-" : String.join(",", r.levels), r.ranks == 0 ? "-" : r.ranks,
                    r.raw == 0 ? "-" : bytes(r.raw), r.stored == 0 ? "-" : bytes(r.stored),
                    r.stored == 0 ? "-" : String.format("%.2f", (double) r.raw / r.stored), r.files == 0 ? "-" : r.files,
                    r.scheme.isEmpty() ? "-" : r.scheme, r.codecs.isEmpty() ? "-" : r.codecs,
                    r.survives == 0 ? "-" : "survives " + r.survives + " per set", r.state);
        }));
    }

    private static String bytes(long n) {
        return io.veloc4j.runtime.Progress.bytes(n);
    }

    /** The rows as JSON: one object per version that is still somewhere (as the table shows). */
    private static List<Map<String, Object>> json(Map<String, Map<Integer, Row>> rows) {
        List<Map<String, Object>> out = new ArrayList<>();
        rows.forEach((name, versions) -> versions.forEach((v, r) -> {
            if (r.levels.isEmpty() && !r.state.equals("pruned") && !r.state.equals("failed")) {
                return;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("version", v);
            m.put("levels", List.copyOf(r.levels));
            m.put("ranks", r.ranks);
            m.put("rawBytes", r.raw);
            m.put("storedBytes", r.stored);
            m.put("files", r.files);
            m.put("scheme", r.scheme);
            m.put("codecs", r.codecs);
            m.put("state", r.state);
            m.put("erasureSurvives", r.survives);
            out.add(m);
        }));
        return out;
    }

    private static int levelOrder(String level) {
        return switch (level) {
            case "scratch" -> 0;
            case "erasure" -> 1;
            default -> 2;
        };
    }
}
