package io.veloc4j.runtime.cli;

import io.veloc4j.config.ConfigProblem;
import io.veloc4j.config.VelocConfig;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code config check [FILE]} (default ./veloc.cfg): one line per problem, FILE:LINE: key 'K': ...,
 * warnings marked "warning:"; then "FILE: ok" if there is no error (exit 0), else exit 2.
 */
final class ConfigCommand {

    private ConfigCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length < 1 || args.length > 2 || !args[0].equals("check")) {
            err.println("usage: veloc4j config check [FILE]   (default " + Main.DEFAULT_CONFIG + ")");
            return 2;
        }
        String file = args.length == 2 ? args[1] : Main.DEFAULT_CONFIG;
        List<ConfigProblem> problems = VelocConfig.check(Path.of(file), System.getenv());
        problems.forEach(out::println);
        if (problems.stream().allMatch(ConfigProblem::isWarning)) {
            out.println(file + ": ok");
            return 0;
        }
        return 2;
    }
}
