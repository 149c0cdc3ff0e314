package io.veloc4j.runtime;

import io.veloc4j.VelocException;
import io.veloc4j.config.VelocConfig;
import io.veloc4j.levels.FileIo;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.catalog.Event;
import io.veloc4j.levels.catalog.EventLog;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static io.veloc4j.runtime.VelocTest.bits;
import static io.veloc4j.runtime.VelocTest.single;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Disk full, for real, on a small tmpfs (root only; skipped with the reason elsewhere): a full
 * scratch fails checkpoint() clearly and keeps earlier versions; a full persistent storage fails
 * the flush visibly and keeps the scratch copies; the next checkpoint after space returns works.
 * And what a full file system does to Chronicle's memory-mapped queues, with the guard the
 * journal can call before it maps or appends.
 */
class DiskFullTest {

    @TempDir
    Path tmp;

    private static double[] field(int n, int version) {
        double[] a = new double[n];
        Arrays.setAll(a, k -> version + k * 0.25);
        return a;
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aFullScratchFailsCheckpointClearlyAndKeepsEarlierVersions() throws Exception {
        try (SmallFileSystem fs = SmallFileSystem.mount(tmp.resolve("scratch"), "4m")) {
            VelocConfig cfg = VelocConfig.of(Map.of("scratch", fs.dir().toString(), "persistent", tmp + "/p"));
            single(cfg, (v, c) -> {
                v.protect(0, "h", field(1000, 1));
                v.checkpoint("full", 1);
                v.checkpointWait();
                v.protect(1, "big", new double[1 << 20]); // 8 MiB: more than the file system holds
                VelocException e = assertThrows(VelocException.class, () -> v.checkpoint("full", 2));
                assertTrue(e.getMessage().contains(fs.dir().resolve("full/2").toString()), e.getMessage());
                assertTrue(e.getMessage().contains("is full"), e.getMessage());
                assertEquals(List.of(), names(fs.dir().resolve("full/2")), "no rank file, no temp file of v2");
                v.unprotect(1);
                v.protect(0, "h", field(1000, 3));
                v.checkpoint("full", 3); // the space is back: this one works
                v.checkpointWait();
                return null;
            });
            single(cfg, (v, c) -> {
                double[] h = new double[1000];
                v.protect(0, "h", h);
                assertEquals(3, v.restartTest("full"));
                assertEquals(new Restored("full", 1, "scratch"), v.restart("full", 1), "the version before is intact");
                assertArrayEquals(bits(field(1000, 1)), bits(h));
                v.restart("full", 3);
                assertArrayEquals(bits(field(1000, 3)), bits(h));
                return null;
            });
        }
    }

    @Test
    void aFullPersistentStorageFailsTheFlushVisiblyAndKeepsTheScratchCopies() throws Exception {
        try (SmallFileSystem fs = SmallFileSystem.mount(tmp.resolve("persistent"), "1m")) {
            // the catalog elsewhere: this test is about the files veloc4j writes itself
            VelocConfig cfg = VelocConfig.of(Map.of("scratch", tmp + "/s", "persistent", fs.dir().toString(),
                    "meta", tmp + "/meta"));
            byte[] noise = new byte[4 << 20]; // incompressible: 4 MiB stay 4 MiB
            new Random(1).nextBytes(noise);
            VelocException[] failed = new VelocException[1];
            String log = SilenceTest.stderrOf(() -> failed[0] = single(cfg, (v, c) -> {
                v.protect(0, "noise", noise);
                v.checkpoint("pfull", 1);
                VelocException e = assertThrows(VelocException.class, v::checkpointWait);
                v.unprotect(0);
                v.protect(0, "h", field(1000, 2));
                v.checkpoint("pfull", 2); // the failed write's temp file is gone: room again
                v.checkpointWait();
                return e;
            }));
            String reason = failed[0].getMessage();
            assertTrue(reason.contains("pfull v1") && reason.contains("is full"), reason);
            assertTrue(reason.contains(fs.dir().resolve("pfull/1").toString()), reason);
            assertTrue(log.lines().anyMatch(l -> (l.contains("WARN") || l.contains("ERROR")) && l.contains("flush of") && l.contains("is full")),
                    "logged when it happened:\n" + log);
            assertTrue(Files.isRegularFile(tmp.resolve("s/pfull/1/rank-0.vck")), "the scratch copy of v1 is kept");
            assertEquals(List.of(), names(fs.dir().resolve("pfull/1")), "no aggregate, no temp file, no MANIFEST of v1");
            assertTrue(Files.isRegularFile(fs.dir().resolve("pfull/2/MANIFEST")), "v2 reached persistent storage");
            single(cfg, (v, c) -> {
                byte[] back = new byte[noise.length];
                v.protect(0, "noise", back);
                v.restart("pfull", 1);
                assertArrayEquals(noise, back, "v1 restores from its scratch copy");
                return null;
            });
        }
    }

    /**
     * Chronicle maps its queue files and extends them into the mapping: on a full file system an
     * append does not fail with an IOException but faults later, as an InternalError. The journal
     * must check first: {@link FileIo#requireSpace} fails on the same file system with a
     * LevelException that names the directory.
     */
    @Test
    void aChronicleQueueOnAFullFileSystemFaultsUnlessRequireSpaceStopsItFirst() throws Exception {
        try (SmallFileSystem fs = SmallFileSystem.mount(tmp.resolve("meta"), "2m")) {
            Path queueDir = fs.dir().resolve("catalog");
            FileIo.requireSpace(queueDir, 64 << 10); // empty: room
            ChronicleQueue queue = SingleChronicleQueueBuilder.single(queueDir.toString()).build();
            try {
                ExcerptAppender appender = queue.createAppender();
                append(appender);
                fs.fill();
                LevelException e = assertThrows(LevelException.class, () -> FileIo.requireSpace(queueDir, 64 << 10));
                assertTrue(e.getMessage().contains(queueDir.toString()) && e.getMessage().contains("is full"), e.getMessage());
                InternalError fault = assertThrows(InternalError.class, () -> {
                    for (int i = 0; i < 100_000; i++) { // a few pages at most: each append takes 1 KiB
                        append(appender);
                    }
                });
                assertTrue(fault.getMessage().contains("unsafe memory access"), fault.getMessage());
            } finally {
                fs.free();
                queue.close();
            }
            FileIo.requireSpace(queueDir, 64 << 10); // the space is back
        }
    }

    /** The engine's journal and catalog on a full file system: a LevelException naming the directory, never a fault. */
    @Test
    void anEventLogOnAFullFileSystemFailsCleanlyAndWorksAgainAfter() throws Exception {
        try (SmallFileSystem fs = SmallFileSystem.mount(tmp.resolve("meta"), "2m")) {
            Path dir = fs.dir().resolve("catalog");
            try (EventLog log = EventLog.open(dir)) {
                Event.Pruned e = new Event.Pruned("heat", 1, "persistent", -1);
                log.append(e);
                fs.fill();
                for (int i = 0; i < 1000; i++) { // would fault within a few pages without the guard
                    LevelException full = assertThrows(LevelException.class, () -> log.append(e));
                    assertTrue(full.getMessage().contains(dir.toString()) && full.getMessage().contains("full"),
                            full.getMessage());
                }
                fs.free();
                log.append(new Event.Pruned("heat", 2, "persistent", -1));
                assertEquals(List.of(1, 2), log.readAll().stream().map(Event::version).toList(), "nothing torn");
            }
        }
    }

    private static void append(ExcerptAppender appender) {
        try (DocumentContext dc = appender.writingDocument()) {
            dc.wire().bytes().write(new byte[1024]);
        }
    }
}
