package io.veloc4j.levels.scratch;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Tells when a node's scratch may have changed: the directories {@link ScratchScan} lists are
 * watched (inotify on Linux) for entries created or removed, and a rank file's final rename is
 * such an entry. The engine then lists scratch when something happened instead of a few hundred
 * times a second: measured under heatdis (4 ranks on 2 cores), the idle scans took 2.5 s of CPU
 * in a 45 s run, as much as a third of the flush's own. Where nothing can be watched (no
 * WatchService, a directory that cannot be registered) every wait reports a change, and the scan
 * runs as often as it is asked.
 */
final class ScratchWatch implements AutoCloseable {

    private final WatchService service;
    private final Map<Path, WatchKey> keys = new HashMap<>();
    /** Whether some listed directory could not be registered: its changes would go unseen. */
    private boolean blind;

    private ScratchWatch(WatchService service) {
        this.service = service;
        this.blind = service == null;
    }

    static ScratchWatch open() {
        try {
            return new ScratchWatch(FileSystems.getDefault().newWatchService());
        } catch (IOException | UnsupportedOperationException e) {
            return new ScratchWatch(null);
        }
    }

    /** Watches {@code dir} from now on (once registered, again only after it was removed). */
    void watch(Path dir) {
        if (service == null) {
            return;
        }
        WatchKey k = keys.get(dir);
        if (k != null && k.isValid()) {
            return;
        }
        try {
            keys.put(dir, dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE));
        } catch (IOException | ClosedWatchServiceException | UnsupportedOperationException e) {
            // removed meanwhile (its parent's event says so), or the watch limit is reached
            keys.remove(dir);
            if (!(e instanceof java.nio.file.NoSuchFileException)) {
                blind = true;
            }
        }
    }

    /** Stops watching the directories not in {@code present} (pruned versions). */
    void retain(Set<Path> present) {
        keys.entrySet().removeIf(e -> {
            if (present.contains(e.getKey()) && e.getValue().isValid()) {
                return false;
            }
            e.getValue().cancel();
            return true;
        });
    }

    /**
     * Waits up to {@code timeoutMillis} (0: not at all) for an entry created or removed in a
     * watched directory; true if there was one, or if changes cannot all be watched.
     */
    boolean await(long timeoutMillis) throws InterruptedException {
        if (blind) {
            if (timeoutMillis > 0) {
                TimeUnit.MILLISECONDS.sleep(timeoutMillis);
            }
            return true;
        }
        try {
            WatchKey k = timeoutMillis > 0 ? service.poll(timeoutMillis, TimeUnit.MILLISECONDS) : service.poll();
            boolean any = false;
            while (k != null) {
                k.pollEvents(); // what changed does not matter: the scan finds it
                k.reset();
                any = true;
                k = service.poll();
            }
            return any;
        } catch (ClosedWatchServiceException e) {
            return true;
        }
    }

    @Override
    public void close() {
        if (service != null) {
            try {
                service.close();
            } catch (IOException ignored) {
                // nothing left to release
            }
        }
        keys.clear();
    }
}
