package io.veloc4j.flush;

import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.catalog.Event;
import io.veloc4j.levels.catalog.EventLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends the engine's records, where a failed append must not stop the engine: the journal (the
 * ranks also look at the MANIFESTs when it stays silent) and the catalog (ls also reads the
 * MANIFESTs). The failure is logged with what was lost.
 */
final class Announce {

    private static final Logger LOG = LoggerFactory.getLogger(Announce.class);

    private Announce() {
    }

    static void to(EventLog log, Event e) {
        try {
            log.append(e);
        } catch (LevelException | RuntimeException ex) {
            LOG.warn("{} {} v{} not recorded in {}: {}", e.getClass().getSimpleName(), e.name(), e.version(), log.dir(),
                    ex.getMessage());
        }
    }
}
