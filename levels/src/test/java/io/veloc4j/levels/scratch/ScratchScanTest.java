package io.veloc4j.levels.scratch;

import io.veloc4j.levels.Region;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The record that a rank finished a checkpoint is its rank file on scratch; the engine finds it
 * with a {@link ScratchScan}. Under any interleaving of writers and scans every file must be
 * found exactly once (issue #15: Chronicle journal records went missing with many concurrent
 * appenders and staggered starts).
 */
class ScratchScanTest {

    @TempDir
    Path tmp;

    private static List<RankFileWriter.Entry> state(int rank, int version) {
        return List.of(new RankFileWriter.Entry(0, "x", new long[] {4}, Region.of(new int[] {rank, version, 7, 9})));
    }

    /**
     * The watch that lets the engine's scanner sleep: quiet scratch reports no change; a new
     * checkpoint directory, a new version directory and a rank file renamed into a watched one
     * each wake it, and the following poll finds the file.
     */
    @Test
    void awaitChangeWakesOnANewVersionAndANewRankFileAndStaysQuietOtherwise() throws Exception {
        try (ScratchScan scan = new ScratchScan(tmp)) {
            assertTrue(scan.awaitChange(0), "the first call starts the watch");
            assertEquals(List.of(), scan.poll());
            assertEquals(false, scan.awaitChange(50), "nothing changed");
            RankFileInfo a = new ScratchLevel(tmp, 3, 8, true, false, 0xabcL).write("heat", 10, state(3, 10));
            assertTrue(scan.awaitChange(5_000), "a checkpoint directory appeared in the root");
            assertEquals(1, scan.poll().size(), "the rank file written with it");
            assertEquals(false, scan.awaitChange(50), "nothing changed since the poll");
            // a second rank's file in the same, now watched, version directory
            RankFileInfo b = new ScratchLevel(tmp, 4, 8, true, false, 0xabcL).write("heat", 10, state(4, 10));
            assertTrue(scan.awaitChange(5_000), "a rank file renamed into a watched version directory");
            List<ScratchEntry> found = scan.poll();
            assertEquals(1, found.size(), String.valueOf(found));
            assertEquals(b.path(), found.get(0).path());
            // a new version directory of a watched checkpoint
            new ScratchLevel(tmp, 3, 8, true, false, 0xabcL).write("heat", 20, state(3, 20));
            assertTrue(scan.awaitChange(5_000), "a version directory appeared");
            assertEquals(20, scan.poll().get(0).version());
            assertTrue(a.path().toFile().exists());
        }
    }

    @Test
    void findsNewAndReplacedFilesOnceAndSkipsTempAndForeignFiles() throws Exception {
        ScratchLevel r3 = new ScratchLevel(tmp, 3, 8, true, false, 0xabcL);
        ScratchScan scan = new ScratchScan(tmp);
        assertEquals(List.of(), scan.poll(), "empty scratch");
        RankFileInfo a = r3.write("heat", 10, state(3, 10));
        Files.writeString(tmp.resolve("heat/10/rank-4.vck.tmp"), "a rank still writing");
        Files.createDirectories(tmp.resolve(".veloc4j/journal"));
        Files.writeString(tmp.resolve("heat/10/notes.txt"), "not a rank file");
        List<ScratchEntry> first = scan.poll();
        assertEquals(List.of(new ScratchEntry("heat", 10, 3, 8, 0xabcL, a.path(), a.bytes(), a.crc())), first);
        assertEquals(List.of(), scan.poll(), "nothing new");
        // the same version written again (a new file renamed over the old one) is found again
        RankFileInfo b = new ScratchLevel(tmp, 3, 8, true, false, 0xdefL).write("heat", 10, state(3, 11));
        List<ScratchEntry> again = scan.poll();
        assertEquals(1, again.size(), String.valueOf(again));
        assertEquals(0xdefL, again.get(0).session());
        assertEquals(b.crc(), again.get(0).headerCrc());
    }

    @Test
    void aDamagedFileIsSkippedNotFatal() throws Exception {
        ScratchLevel r0 = new ScratchLevel(tmp, 0, 2, true, false, 1);
        r0.write("d", 1, state(0, 1));
        Files.createDirectories(tmp.resolve("d/1"));
        Files.write(tmp.resolve("d/1/rank-1.vck"), new byte[] {1, 2, 3});
        List<ScratchEntry> found = new ScratchScan(tmp).poll();
        assertEquals(List.of(0), found.stream().map(ScratchEntry::rank).toList());
    }

    @Test
    void oldestFirst() throws Exception {
        ScratchLevel r0 = new ScratchLevel(tmp, 0, 1, true, false, 1);
        for (int v = 1; v <= 5; v++) {
            r0.write(v % 2 == 0 ? "b" : "a", v, state(0, v));
        }
        List<Integer> versions = new ScratchScan(tmp).poll().stream().map(ScratchEntry::version).toList();
        assertEquals(List.of(1, 2, 3, 4, 5), versions);
    }

    /**
     * Many writer threads over several scratch directories, staggered starts and random gaps, with
     * scans running all the while; every (directory, rank, version) must be found exactly once.
     * Seeded and bounded: 3 rounds of 128 writers × 8 versions over 4 directories.
     */
    @Test
    void stressEveryFileFoundExactlyOnce() {
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (long seed = 1; seed <= 3; seed++) {
                stressRound(tmp.resolve("round-" + seed), seed, 128, 8, 4);
            }
        });
    }

    private static void stressRound(Path root, long seed, int writers, int versions, int dirs) throws Exception {
        Random rnd = new Random(seed);
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Map<String, Integer>> seen = new ArrayList<>();
        List<Thread> scanners = new ArrayList<>();
        for (int d = 0; d < dirs; d++) {
            Path dir = root.resolve("node-" + d);
            Map<String, Integer> counts = new ConcurrentHashMap<>();
            seen.add(counts);
            Thread t = new Thread(() -> {
                ScratchScan scan = new ScratchScan(dir);
                try {
                    boolean last = false;
                    while (!last) {
                        last = done.get(); // one more full poll after the writers are done
                        for (ScratchEntry e : scan.poll()) {
                            counts.merge(e.rank() + "/" + e.version(), 1, Integer::sum);
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "scan-" + d);
            scanners.add(t);
            t.start();
        }
        List<Thread> ranks = new ArrayList<>();
        for (int r = 0; r < writers; r++) {
            int rank = r;
            long start = rnd.nextInt(500);
            long seedOfRank = rnd.nextLong();
            Thread t = new Thread(() -> {
                try {
                    Random own = new Random(seedOfRank);
                    Thread.sleep(start);
                    ScratchLevel level = new ScratchLevel(root.resolve("node-" + rank % dirs), rank, writers, true, false, seed);
                    for (int v = 1; v <= versions; v++) {
                        level.write("s", v, state(rank, v));
                        Thread.sleep(own.nextInt(6));
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "rank-" + r);
            ranks.add(t);
            t.start();
        }
        for (Thread t : ranks) {
            t.join();
        }
        done.set(true);
        for (Thread t : scanners) {
            t.join();
        }
        assertNull(failure.get(), () -> "a thread failed: " + failure.get());
        for (int d = 0; d < dirs; d++) {
            Set<String> expected = new TreeSet<>();
            for (int r = d; r < writers; r += dirs) {
                for (int v = 1; v <= versions; v++) {
                    expected.add(r + "/" + v);
                }
            }
            Map<String, Integer> counts = new HashMap<>(seen.get(d));
            Set<String> missing = new TreeSet<>(expected);
            missing.removeAll(counts.keySet());
            Set<String> extra = new TreeSet<>(counts.keySet());
            extra.removeAll(expected);
            assertEquals(Set.of(), missing, "seed " + seed + ", directory " + d + ": rank/version files never found");
            assertEquals(Set.of(), extra, "seed " + seed + ", directory " + d + ": found but never written");
            int d0 = d;
            counts.forEach((k, n) -> assertEquals(1, n, "seed " + seed + ", directory " + d0 + ": " + k + " found " + n + " times"));
        }
        assertTrue(Files.isDirectory(root));
    }
}
