package io.veloc4j.runtime.cli;

import io.veloc4j.config.ConfigProblem;
import io.veloc4j.config.VelocConfig;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** {@code config check FILE}: "FILE: ok" or one line per problem, FILE:LINE: key 'K': ... (exit 2). */
final class ConfigCommand {

    private ConfigCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length != 2 || !args[0].equals("check")) {
            err.println("usage: veloc4j config check FILE");
            return 2;
        }
        String file = args[1];
        List<ConfigProblem> problems = VelocConfig.check(Path.of(file), System.getenv());
        if (problems.isEmpty()) {
            out.println(file + ": ok");
            return 0;
        }
        problems.forEach(p -> out.println(p));
        return 2;
    }
}
