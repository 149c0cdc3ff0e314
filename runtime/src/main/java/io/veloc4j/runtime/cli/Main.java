package io.veloc4j.runtime.cli;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * The {@code ./veloc4j} commands that run in Java: {@code config check}, {@code ls}, {@code verify},
 * {@code inspect}, {@code export}. Exit codes:
 * 0 ok, 1 failure, 2 bad usage or problems found.
 */
public final class Main {

    /** The config file a command uses when it is given no --config (VELOC's tools take it as an argument too). */
    static final String DEFAULT_CONFIG = "veloc.cfg";

    private static final String USAGE = """
            usage: veloc4j config check [FILE]
                   veloc4j ls [--config FILE] [--json]
                   veloc4j verify [--config FILE] [NAME [VERSION]]
                   veloc4j inspect [--config FILE] [--rank R] [--json] NAME VERSION
                   veloc4j export --hdf5 OUT.h5 [--config FILE] [--rank R] NAME VERSION
            FILE defaults to ./veloc.cfg. Exit codes: 0 ok, 1 failure (or corrupt data), 2 bad usage or config problems.""";

    private Main() {
    }

    /** Runs a command and exits with its code. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command and returns its exit code (no System.exit, so tests can call it). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.println(USAGE);
            return 2;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "config" -> ConfigCommand.run(rest, out, err);
            case "ls" -> ListCommand.run(rest, out, err);
            case "verify" -> VerifyCommand.run(rest, out, err);
            case "inspect" -> InspectCommand.run(rest, out, err);
            case "export" -> ExportCommand.run(rest, out, err);
            case "-h", "--help", "help" -> {
                out.println(USAGE);
                yield 0;
            }
            default -> {
                err.println("veloc4j: unknown command '" + args[0] + "'; commands: config check, ls, verify, inspect, export");
                yield 2;
            }
        };
    }
}
