package io.veloc4j.bench;

import io.veloc4j.runtime.cli.Main;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the virtual-cluster tests share: a job's log for a failure message, {@code ls}, a directory's names. */
final class ClusterJobs {

    private ClusterJobs() {
    }

    static String show(Path log) {
        try {
            return "\n---- job log " + log + " ----\n" + Files.readString(log);
        } catch (IOException e) {
            return "\n(no log: " + e + ")";
        }
    }

    /** {@code ./veloc4j ls --config cfg}'s table (asserting it exits 0). */
    static String ls(Path cfg) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"ls", "--config", cfg.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals(0, code, out.toString(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The sorted file names in {@code dir}; none if it is not there. */
    static List<String> names(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
