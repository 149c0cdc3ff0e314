package io.veloc4j.runtime;

import io.veloc4j.comm.LocalComm;
import io.veloc4j.config.VelocConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A failed asynchronous flush says so at once (a WARN line), not only at checkpointWait or close. */
class FlushFailureWarningTest {

    @TempDir
    Path tmp;

    @Test
    void aFailedFlushLogsAWarningNamingVersionDirectoryAndCause() throws Exception {
        Files.createDirectories(tmp.resolve("p"));
        Path blocker = tmp.resolve("p/warn");
        Files.writeString(blocker, "a file where the checkpoint's directory must go");
        VelocConfig cfg = VelocConfig.of(Map.of("scratch", tmp + "/s", "persistent", tmp + "/p"));
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.err;
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> LocalComm.run(1, c -> {
                try (Veloc v = Veloc.init(cfg, c)) {
                    // slf4j-simple writes to System.err; set after init, which starts Chronicle (it sets its own)
                    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
                    v.protect(0, "x", new int[] {1});
                    v.checkpoint("warn", 7);
                    // no checkpointWait: the line must come from the engine by itself
                    while (!captured.toString(StandardCharsets.UTF_8).contains("flush of 'warn' v7")) {
                        Thread.sleep(10);
                    }
                    assertThrows(io.veloc4j.VelocException.class, v::checkpointWait);
                }
                return null;
            }));
        } finally {
            System.setErr(original);
        }
        String line = captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("flush of 'warn' v7"))
                .findFirst().orElseThrow();
        assertTrue(line.contains("WARN"), line);
        assertTrue(line.contains(blocker.toString()), "names the directory: " + line);
        assertTrue(line.contains("failed: "), line);
    }
}
