package io.veloc4j.runtime.cli;

import io.veloc4j.config.VelocConfig;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.persistent.AggregateFile;
import io.veloc4j.levels.persistent.AggregateInfo;
import io.veloc4j.levels.persistent.Manifest;
import io.veloc4j.levels.persistent.PersistentStore;
import io.veloc4j.levels.persistent.Scheme;
import io.veloc4j.levels.scratch.RankFile;
import io.veloc4j.levels.scratch.ScratchLevel;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Where a version's rank copies are, for the read-only commands: a scratch rank file on this
 * machine whose checksums hold, else this rank's slice of its persistent aggregate, decoded into
 * a private temporary file that {@link Copy#close} removes. Never writes into the checkpoint's
 * own directories.
 */
final class Copies {

    private final VelocConfig config;
    private final PersistentStore store;

    Copies(VelocConfig config) {
        this.config = config;
        this.store = new PersistentStore(config.persistent());
    }

    /** One rank's copy, open; the codec of each variable where the aggregate says so. */
    static final class Copy implements AutoCloseable {
        final RankFile file;
        final String level;
        final Map<String, String> codecs;
        final String fileCodec;
        private final Path temp;

        Copy(RankFile file, String level, Map<String, String> codecs, String fileCodec, Path temp) {
            this.file = file;
            this.level = level;
            this.codecs = codecs;
            this.fileCodec = fileCodec;
            this.temp = temp;
        }

        /** The codec that stored a variable: its own segment's (aware schemes), else the file's. */
        String codecOf(io.veloc4j.levels.Variable v, int nth) {
            String key = v.name() + "|" + v.type().label() + "|" + v.shape().length + (nth == 1 ? "" : "#" + nth);
            return codecs.getOrDefault(key, fileCodec);
        }

        @Override
        public void close() throws IOException, LevelException {
            try {
                file.close();
            } finally {
                if (temp != null) {
                    Files.deleteIfExists(temp);
                    Files.deleteIfExists(temp.getParent());
                }
            }
        }
    }

    /** The ranks of a version: from its MANIFEST, else from the rank files on this machine's scratch. */
    List<Integer> ranks(String name, int version) {
        try {
            Manifest m = Manifest.read(store.versionDir(name, version));
            List<Integer> out = new ArrayList<>();
            for (int r = 0; r < m.ranks(); r++) {
                out.add(r);
            }
            return out;
        } catch (LevelException e) {
            TreeSet<Integer> found = new TreeSet<>();
            for (Path dir : scratchVersionDirs(name, version)) {
                try (var s = Files.list(dir)) {
                    s.map(p -> p.getFileName().toString()).filter(f -> f.matches("rank-[0-9]{1,9}\\.vck"))
                            .forEach(f -> found.add(Integer.parseInt(f.substring(5, f.length() - 4))));
                } catch (IOException ignored) {
                    // an unreadable scratch holds nothing to inspect
                }
            }
            return List.copyOf(found);
        }
    }

    /** Rank {@code rank}'s copy of the version, nearest intact level first. */
    Copy open(String name, int version, int rank) throws LevelException, IOException {
        for (Path dir : scratchVersionDirs(name, version)) {
            Path p = dir.resolve(ScratchLevel.fileName(rank));
            if (Files.isRegularFile(p)) {
                RankFile f = RankFile.open(p);
                try {
                    f.verify();
                    return new Copy(f, ScratchLevel.NAME, Map.of(), "-", null);
                } catch (LevelException corrupt) {
                    f.close(); // fall through to persistent storage, as a restart would
                }
            }
        }
        Path dir = store.versionDir(name, version);
        Manifest m = Manifest.read(dir);
        Optional<AggregateInfo> info = m.fileOf(rank);
        if (info.isEmpty()) {
            throw new LevelException(dir.resolve(Manifest.FILE) + " lists no file holding rank " + rank
                    + " (the version has ranks 0 to " + (m.ranks() - 1) + ")");
        }
        Path file = dir.resolve(info.get().file());
        if (m.scheme() == Scheme.NONE) {
            return new Copy(RankFile.open(file), "persistent", Map.of(), "copy", null);
        }
        Path tempDir = Files.createTempDirectory("veloc4j-inspect-");
        Path temp = tempDir.resolve(ScratchLevel.fileName(rank));
        try (AggregateFile a = AggregateFile.open(file);
             FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            a.extract(rank, out);
            Map<String, String> codecs = a.codecsBySegment();
            String fileCodec = String.join(",", new TreeSet<>(codecs.values()));
            return new Copy(RankFile.open(temp), "persistent", codecs, fileCodec, temp);
        } catch (LevelException | IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            Files.deleteIfExists(tempDir);
            throw e;
        }
    }

    /** Every virtual node's scratch directory of this version on this machine. */
    List<Path> scratchVersionDirs(String name, int version) {
        List<Path> out = new ArrayList<>();
        for (int node = 0; node < config.virtualNodes(); node++) {
            Path d = config.scratch(node).resolve(name).resolve(Integer.toString(version));
            if (Files.isDirectory(d) && !out.contains(d)) {
                out.add(d);
            }
        }
        return out;
    }
}
