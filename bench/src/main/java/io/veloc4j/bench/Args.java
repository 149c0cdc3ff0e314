package io.veloc4j.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A minimal `--key value` / `--flag` parser for the bench and demo programs; unknown options are errors. */
final class Args {

    private final String program;
    private final List<String> rest;

    Args(String program, String[] args) {
        this.program = program;
        this.rest = new ArrayList<>(Arrays.asList(args));
    }

    boolean flag(String name) {
        return rest.remove(name);
    }

    /** The value of the last occurrence of {@code name} (a later option overrides an earlier one). */
    String opt(String name, String dflt) {
        String v = dflt;
        for (int i = rest.indexOf(name); i >= 0; i = rest.indexOf(name)) {
            if (i + 1 >= rest.size()) {
                throw new IllegalArgumentException(program + ": " + name + " needs a value");
            }
            v = rest.remove(i + 1);
            rest.remove(i);
        }
        return v;
    }

    int intOpt(String name, int dflt) {
        String v = opt(name, null);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(program + ": " + name + " '" + v + "' is not an integer");
        }
    }

    /** A comma-separated list of integers, e.g. {@code --group-sizes 4,8}. */
    List<Integer> intsOpt(String name, String dflt) {
        List<Integer> out = new ArrayList<>();
        for (String v : opt(name, dflt).split(",")) {
            try {
                out.add(Integer.parseInt(v.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(program + ": " + name + " '" + v + "' is not an integer");
            }
        }
        return out;
    }

    Path pathOpt(String name, Path dflt) {
        String v = opt(name, null);
        return v == null ? dflt : Path.of(v).toAbsolutePath();
    }

    /** Remaining words that are not options, in order. */
    List<String> positional() {
        List<String> p = rest.stream().filter(s -> !s.startsWith("--")).toList();
        rest.removeAll(p);
        return p;
    }

    void done() {
        if (!rest.isEmpty()) {
            throw new IllegalArgumentException(program + ": unknown argument(s) " + rest);
        }
    }
}
