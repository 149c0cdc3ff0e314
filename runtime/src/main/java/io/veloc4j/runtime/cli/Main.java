package io.veloc4j.runtime.cli;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * The {@code ./veloc4j} commands that run in Java: {@code config check}, {@code ls}. Exit codes:
 * 0 ok, 1 failure, 2 bad usage or problems found.
 */
public final class Main {

    /** The config file a command uses when it is given no --config (VELOC's tools take it as an argument too). */
    static final String DEFAULT_CONFIG = "veloc.cfg";

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command and returns its exit code (no System.exit, so tests can call it). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.println("usage: veloc4j config check FILE | veloc4j ls --config FILE");
            return 2;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "config" -> ConfigCommand.run(rest, out, err);
            case "ls" -> ListCommand.run(rest, out, err);
            default -> {
                err.println("veloc4j: unknown command '" + args[0] + "'; commands: config check, ls");
                yield 2;
            }
        };
    }
}
