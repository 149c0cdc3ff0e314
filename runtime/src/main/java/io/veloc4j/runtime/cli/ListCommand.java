package io.veloc4j.runtime.cli;

import java.io.PrintStream;

/** {@code ls --config FILE}: the versions the catalog knows (arrives with the flush engine). */
final class ListCommand {

    private ListCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        err.println("veloc4j ls: not available yet (the catalog arrives with the flush engine)");
        return 1;
    }
}
