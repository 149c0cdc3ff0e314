package io.veloc4j.runtime.cli;

import io.veloc4j.VelocException;
import io.veloc4j.config.VelocConfig;
import io.veloc4j.levels.Variable;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code inspect [--config FILE] [--rank R] [--json] NAME VERSION}: a version's variables per rank
 * (id, name, type, shape, bytes, min/max/mean/NaN count, the codec that stored it) from the
 * nearest intact copy, read-only.
 */
final class InspectCommand {

    private InspectCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Options o;
        try {
            o = Options.parse("inspect", args, Set.of("--config", "--rank", "--json"));
            if (o.positional().size() != 2) {
                throw new IllegalArgumentException("inspect: give NAME and VERSION");
            }
            Options.nonNegative("inspect", "VERSION", o.positional().get(1));
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.println("usage: veloc4j inspect [--config FILE] [--rank R] [--json] NAME VERSION");
            return 2;
        }
        String name = o.positional().get(0);
        int version = Integer.parseInt(o.positional().get(1));
        try {
            VelocConfig config = VelocConfig.load(o.config());
            Copies copies = new Copies(config);
            List<Integer> ranks = o.rank() != null ? List.of(o.rank()) : copies.ranks(name, version);
            if (ranks.isEmpty()) {
                err.println("veloc4j inspect: no copy of '" + name + "' v" + version + " on persistent storage ("
                        + config.persistent() + ") or this machine's scratch; see veloc4j ls");
                return 1;
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int r : ranks) {
                rows.add(inspect(copies, name, version, r));
            }
            if (o.json()) {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("name", name);
                doc.put("version", version);
                doc.put("ranks", rows);
                out.println(JsonOut.write(doc));
            } else {
                print(name, version, rows, out);
            }
            return 0;
        } catch (VelocException | IOException e) {
            err.println("veloc4j inspect: " + e.getMessage());
            return 1;
        }
    }

    private static Map<String, Object> inspect(Copies copies, String name, int version, int rank)
            throws VelocException, IOException {
        try (Copies.Copy copy = copies.open(name, version, rank)) {
            List<Map<String, Object>> vars = new ArrayList<>();
            Map<String, Integer> seen = new HashMap<>();
            for (Variable v : copy.file.variables()) {
                VariableStats stats = new VariableStats(v.type(), v.elements());
                copy.file.readInto(v, stats);
                int nth = seen.merge(v.name() + "|" + v.type().label() + "|" + v.shape().length, 1, Integer::sum);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", v.id());
                m.put("name", v.name());
                m.put("type", v.type().label());
                m.put("shape", v.shape());
                m.put("bytes", v.length());
                m.put("min", stats.min());
                m.put("max", stats.max());
                m.put("mean", stats.mean());
                m.put("nans", stats.nans());
                m.put("codec", copy.codecOf(v, nth));
                vars.add(m);
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("rank", rank);
            row.put("level", copy.level);
            row.put("bytes", copy.file.length());
            row.put("variables", vars);
            return row;
        }
    }

    @SuppressWarnings("unchecked")
    private static void print(String name, int version, List<Map<String, Object>> rows, PrintStream out) {
        String fmt = "%5s %5s %-20s %-8s %-16s %12s %14s %14s %14s %6s  %s%n";
        out.printf("%s v%d%n", name, version);
        out.printf(fmt, "RANK", "ID", "NAME", "TYPE", "SHAPE", "BYTES", "MIN", "MAX", "MEAN", "NANS", "CODEC (LEVEL)");
        for (Map<String, Object> row : rows) {
            for (Map<String, Object> v : (List<Map<String, Object>>) row.get("variables")) {
                out.printf(fmt, row.get("rank"), v.get("id"), v.get("name"), v.get("type"),
                        Arrays.toString((long[]) v.get("shape")).replace(" ", ""), v.get("bytes"), num(v.get("min")),
                        num(v.get("max")), num(v.get("mean")), v.get("nans"), v.get("codec") + " (" + row.get("level") + ")");
            }
        }
    }

    private static String num(Object d) {
        double x = (Double) d;
        return Double.isNaN(x) ? "-" : String.format(Locale.ROOT, "%.6g", x);
    }
}
