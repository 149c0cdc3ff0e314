package io.veloc4j.runtime;

import io.veloc4j.VelocException;
import io.veloc4j.config.VelocConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.veloc4j.runtime.VelocTest.single;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A wrong protect() is a VelocException at that call, saying what is wrong; never an unchecked exception later. */
class ProtectMisuseTest {

    @TempDir
    Path tmp;

    private static void refused(Executable call, String... words) {
        VelocException e = assertThrows(VelocException.class, call);
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), e.getMessage());
        }
    }

    @Test
    void nullMemoryOfEveryTypeIsRefused() throws Exception {
        VelocConfig cfg = VelocConfig.of(Map.of("scratch", tmp + "/s", "persistent", tmp + "/p"));
        single(cfg, (v, c) -> {
            List<Executable> calls = List.of(
                    () -> v.protect(0, "d", (double[]) null), () -> v.protect(0, "f", (float[]) null),
                    () -> v.protect(0, "l", (long[]) null), () -> v.protect(0, "i", (int[]) null),
                    () -> v.protect(0, "s", (short[]) null), () -> v.protect(0, "b", (byte[]) null),
                    () -> v.protect(0, "c", (char[]) null), () -> v.protect(0, "bb", (ByteBuffer) null));
            for (Executable call : calls) {
                refused(call, "null", "id 0");
            }
            refused(() -> v.protect(1, "shape", new int[3], (long[]) null), "shape is null");
            v.checkpoint("nothing", 1); // nothing half-protected is left behind
            return null;
        });
    }

    @Test
    void shapesThatOverflowOrAreNegativeAreRefusedAtProtect() throws Exception {
        VelocConfig cfg = VelocConfig.of(Map.of("scratch", tmp + "/s", "persistent", tmp + "/p"));
        single(cfg, (v, c) -> {
            // 2^32 × 2^32 wraps to 0 elements: accepted before, then ArithmeticException at checkpoint
            refused(() -> v.protect(0, "wrap", new double[0], 1L << 32, 1L << 32), "shape", "'wrap'");
            refused(() -> v.protect(0, "huge", new double[0], Long.MAX_VALUE, 2, 0), "shape", "'huge'");
            // -1 × 0 was 0 elements: accepted before, then IllegalArgumentException at checkpoint
            refused(() -> v.protect(1, "neg", new int[0], -1, 0), "shape", "negative");
            refused(() -> v.protect(2, "neg2", new int[6], -2, -3), "shape");
            v.protect(3, "ok", new int[0], 0, Long.MAX_VALUE); // an empty array of any shape is fine
            v.checkpoint("shapes", 1);
            return null;
        });
    }
}
