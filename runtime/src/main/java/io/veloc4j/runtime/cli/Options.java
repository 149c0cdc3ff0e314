package io.veloc4j.runtime.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The options the checkpoint commands share: {@code --config FILE} (default ./veloc.cfg),
 * {@code --json}, {@code --rank R}, {@code --hdf5 FILE}; the rest are positional.
 */
record Options(Path config, boolean json, Integer rank, Path hdf5, List<String> positional) {

    /** @throws IllegalArgumentException with a usage hint for an unknown or incomplete option */
    static Options parse(String command, String[] args, Set<String> allowed) {
        Path config = Path.of(Main.DEFAULT_CONFIG);
        boolean json = false;
        Integer rank = null;
        Path hdf5 = null;
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("--") && !allowed.contains(a)) {
                throw new IllegalArgumentException(command + ": unknown option '" + a + "'");
            }
            switch (a) {
                case "--json" -> json = true;
                case "--config", "--rank", "--hdf5" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(command + ": " + a + " needs a value");
                    }
                    String v = args[++i];
                    if (a.equals("--config")) {
                        config = Path.of(v);
                    } else if (a.equals("--hdf5")) {
                        hdf5 = Path.of(v);
                    } else {
                        rank = nonNegative(command, a, v);
                    }
                }
                default -> positional.add(a);
            }
        }
        return new Options(config, json, rank, hdf5, List.copyOf(positional));
    }

    static int nonNegative(String command, String what, String v) {
        try {
            int n = Integer.parseInt(v);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(command + ": " + what + " takes a number >= 0, not '" + v + "'");
    }
}
