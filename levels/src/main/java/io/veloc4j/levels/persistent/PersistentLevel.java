package io.veloc4j.levels.persistent;

import io.veloc4j.levels.CorruptCheckpointException;
import io.veloc4j.levels.FileIo;
import io.veloc4j.levels.Level;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.RankCheckpoint;
import io.veloc4j.levels.scratch.RankFile;
import io.veloc4j.levels.scratch.ScratchLevel;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;

/**
 * External storage as one rank's restart sees it. Only committed versions (with a MANIFEST)
 * exist; the MANIFEST alone is enough, no catalog or scratch needed. An aggregated rank's slice is
 * decoded back into its rank file on scratch (so the next restart finds it there) and read from
 * there.
 */
public final class PersistentLevel implements Level {

    public static final String NAME = "persistent";

    private final PersistentStore store;
    private final ManifestSource manifests;
    private final ScratchLevel staging;
    private final int rank;
    private final int parallelism;

    /** @param parallelism threads that decode one rank's chunks at restart */
    public PersistentLevel(Path root, ScratchLevel staging, int rank, int parallelism) {
        this(new PersistentStore(root), null, staging, rank, parallelism);
    }

    /**
     * @param manifests where committed versions and MANIFESTs come from (null: {@code store}
     *                  itself, which reads the files each time)
     */
    public PersistentLevel(PersistentStore store, ManifestSource manifests, ScratchLevel staging, int rank, int parallelism) {
        this.store = store;
        this.manifests = manifests == null ? store : manifests;
        this.staging = staging;
        this.rank = rank;
        this.parallelism = Math.max(1, parallelism);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** A version's files must say they are that version: a directory copied whole or a MANIFEST edited is damage. */
    private static boolean sameVersion(Manifest m, String name, int version) {
        return m.name().equals(name) && m.version() == version;
    }

    private boolean isOurs(RankFile r, String name, int version) {
        return r.name().equals(name) && r.version() == version && r.rank() == rank;
    }

    @Override
    public List<Integer> versions(String name) {
        return manifests.committed(name);
    }

    @Override
    public boolean canRestore(String name, int version) {
        try {
            Manifest m = manifests.manifest(name, version);
            AggregateInfo f = m.fileOf(rank).orElse(null);
            if (f == null || !sameVersion(m, name, version)) {
                return false;
            }
            Path p = store.versionDir(name, version).resolve(f.file());
            if (m.scheme() == Scheme.NONE) {
                try (RankFile r = RankFile.open(p)) {
                    r.verify();
                    return r.headerCrc() == f.crc() && isOurs(r, name, version);
                }
            }
            store.countAggregateOpen();
            try (AggregateFile a = AggregateFile.open(p)) {
                a.verify(rank);
                return a.indexCrc() == f.crc();
            }
        } catch (LevelException e) {
            return false;
        }
    }

    @Override
    public RankCheckpoint open(String name, int version) throws LevelException {
        Path dir = store.versionDir(name, version);
        Manifest m = manifests.manifest(name, version);
        if (!sameVersion(m, name, version)) {
            throw new CorruptCheckpointException(dir.resolve(Manifest.FILE) + " is corrupt: it commits " + m.name() + " v"
                    + m.version() + ", not " + name + " v" + version + " (a directory copied or a MANIFEST edited)");
        }
        AggregateInfo f = m.fileOf(rank).orElseThrow(() ->
                new LevelException(dir.resolve(Manifest.FILE) + " lists no file holding rank " + rank));
        Path p = dir.resolve(f.file());
        if (m.scheme() == Scheme.NONE) {
            RankFile r = RankFile.open(p);
            if (r.headerCrc() != f.crc()) {
                r.close();
                throw new LevelException(p + " is not the file the manifest committed (header CRC differs)");
            }
            if (!isOurs(r, name, version)) {
                r.close();
                throw new CorruptCheckpointException(p + " is corrupt: it holds " + r.name() + " v" + r.version() + " of rank "
                        + r.rank() + ", not " + name + " v" + version + " of rank " + rank);
            }
            return r;
        }
        Path target = staging.rankFile(name, version);
        Path tmp = target.resolveSibling(target.getFileName() + ".restore");
        store.countAggregateOpen();
        try (AggregateFile a = AggregateFile.open(p)) {
            if (a.indexCrc() != f.crc()) {
                throw new LevelException(p + " is not the file the manifest committed (index CRC differs)");
            }
            FileIo.createPrivateDirectories(tmp.getParent());
            ExecutorService pool = parallelism > 1 ? Executors.newFixedThreadPool(parallelism, daemon()) : null;
            try (FileChannel out = FileIo.createPrivate(tmp)) {
                a.extract(rank, out, pool, parallelism);
            } finally {
                if (pool != null) {
                    pool.shutdownNow();
                }
            }
            // the decoded file must be the one the index recorded (its header CRC covers every
            // variable's CRC): a damaged index cannot pass another rank's or a patched file as ours
            int expected = a.member(rank).orElseThrow().rankFileCrc();
            try (RankFile staged = RankFile.open(tmp)) {
                if (staged.headerCrc() != expected || staged.rank() != rank || !staged.name().equals(name)
                        || staged.version() != version) {
                    throw new CorruptCheckpointException("aggregate " + p + " is corrupt: rank " + rank
                            + " decodes to a rank file other than the one it recorded (" + staged + ")");
                }
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new LevelException("cannot stage rank " + rank + " of " + name + " v" + version + " at " + target + ": " + e, e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort
            }
        }
        return RankFile.open(target);
    }

    private ThreadFactory daemon() {
        return r -> {
            Thread t = new Thread(r, "veloc4j-decode-" + rank);
            t.setDaemon(true);
            return t;
        };
    }
}
