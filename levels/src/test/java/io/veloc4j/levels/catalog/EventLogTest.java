package io.veloc4j.levels.catalog;

import io.veloc4j.levels.LevelException;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The event log: one writer, readers in other instances, trimming by what is still needed. */
class EventLogTest {

    @TempDir
    Path tmp;

    private static Event persisted(int version) {
        return new Event.Persisted(7, "heat", version, 0, new int[] {0, 1}, "group-0.7.vagg", 100, 50, "agnostic");
    }

    private static long cycleFiles(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".cq4")).count();
        }
    }

    @Test
    void readersSeeEveryRecordOnceAndCannotAppend() throws Exception {
        Path dir = tmp.resolve("j");
        assertThrows(LevelException.class, () -> EventLog.openReader(dir), "no writer yet");
        try (EventLog w = EventLog.open(dir); EventLog r = EventLog.openReader(dir); EventLog.Reader tail = r.reader()) {
            assertEquals(Optional.empty(), tail.next());
            List<Thread> threads = new ArrayList<>();
            List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            for (int t = 0; t < 8; t++) {
                int base = t * 100;
                Thread th = new Thread(() -> {
                    for (int i = 0; i < 100; i++) {
                        try {
                            w.append(persisted(base + i));
                        } catch (LevelException | RuntimeException e) {
                            failures.add(e);
                        }
                    }
                });
                threads.add(th);
                th.start();
            }
            for (Thread th : threads) {
                th.join();
            }
            assertEquals(List.of(), failures);
            List<Integer> seen = new ArrayList<>();
            for (Optional<Event> e = tail.next(); e.isPresent(); e = tail.next()) {
                seen.add(e.get().version());
            }
            seen.sort(null);
            List<Integer> all = new ArrayList<>();
            for (int i = 0; i < 800; i++) {
                all.add(i);
            }
            assertEquals(all, seen, "every append read back exactly once");
            assertThrows(IllegalStateException.class, () -> r.append(persisted(1)));
        }
    }

    @Test
    void trimDeletesOnlyCyclesWhoseRecordsNoReaderNeeds() throws Exception {
        Path dir = tmp.resolve("j");
        try (EventLog w = EventLog.open(dir, TestRollCycles.TEST_SECONDLY)) {
            for (int v = 1; v <= 3; v++) {
                w.append(persisted(v));
                w.append(persisted(v));
                Thread.sleep(1100); // the next version lands in a new cycle file
            }
            w.append(persisted(4));
            assertTrue(cycleFiles(dir) >= 4, "one cycle file per second of appends");
            assertEquals(0, w.trim(e -> true), "everything still needed");
            // a pair of appends may straddle a second: count what is left, not what went
            assertTrue(w.trim(e -> e.version() >= 3) >= 2, "the cycles of v1 and v2");
            assertEquals(List.of(3, 3, 4), w.readAll().stream().map(Event::version).toList());
            w.append(persisted(5));
            w.trim(e -> false);
            List<Integer> left = w.readAll().stream().map(Event::version).toList();
            assertEquals(1, cycleFiles(dir), "all but the cycle being written are gone: " + left);
            assertEquals(5, left.get(left.size() - 1), "the cycle being written is never deleted");
            assertTrue(left.stream().allMatch(v -> v >= 4), left.toString());
        }
    }
}
