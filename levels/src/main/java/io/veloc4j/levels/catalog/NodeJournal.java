package io.veloc4j.levels.catalog;

import io.veloc4j.levels.FileIo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Where a node's journal lives: {@code <scratch>/.veloc4j/journal/<session>-n<node>/}, a
 * Chronicle Queue that the node's engine writes and its ranks read (Persisted, FlushFailed,
 * Skipped). One per launch: a relaunch starts a fresh one, so nothing a killed launch left in its
 * journal (a held lock, a half-written record, a damaged file) can stop the next one. Nothing is
 * lost by that: what a dead launch wrote is recovered from the rank files on scratch and the
 * MANIFESTs on persistent storage, which are the truth.
 */
public final class NodeJournal {

    private static final Logger LOG = LoggerFactory.getLogger(NodeJournal.class);

    private NodeJournal() {
    }

    public static Path root(Path scratch) {
        return scratch.resolve(".veloc4j").resolve("journal");
    }

    public static Path dir(Path scratch, long session, int node) {
        return root(scratch).resolve(Long.toHexString(session) + "-n" + node);
    }

    /** Deletes the journals of earlier launches under {@code scratch} (best effort: they are never read again). */
    public static void deleteOtherLaunches(Path scratch, long session) {
        Path root = root(scratch);
        String mine = Long.toHexString(session) + "-";
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                if (!p.getFileName().toString().startsWith(mine)) {
                    deleteTree(p);
                }
            }
        } catch (IOException e) {
            LOG.debug("cannot list {}: {}", root, e.toString());
        }
    }

    private static void deleteTree(Path p) {
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(FileIo::deleteQuietly);
        } catch (IOException e) {
            LOG.debug("cannot delete {}: {}", p, e.toString());
        }
    }
}
