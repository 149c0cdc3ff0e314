package io.veloc4j.bench;

import io.veloc4j.levels.ElementType;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.Region;
import io.veloc4j.levels.scratch.RankFileInfo;
import io.veloc4j.levels.scratch.RankFileWriter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Rank files for the compression and clustering benches, written the way every rank writes its
 * scratch copy ({@link RankFileWriter}, with per-variable CRCs, no fsync); and the scratch space
 * they go to.
 */
final class RankFiles {

    /** A typed region over little-endian bytes (Region.of(ByteBuffer) is always int8). */
    record BytesRegion(ElementType type, ByteBuffer data) implements Region {
        @Override
        public long elements() {
            return data.limit() / type.width();
        }

        @Override
        public void read(long from, ByteBuffer dst) {
            int f = Math.toIntExact(from);
            dst.put(data.duplicate().clear().position(f).limit(f + dst.remaining()));
        }

        @Override
        public void write(long to, ByteBuffer src) {
            data.duplicate().clear().position(Math.toIntExact(to)).put(src);
        }
    }

    private RankFiles() {
    }

    /** Writes rank r's slabs as {@code dir/rank-r.vck} (variables named and shaped as the slabs); returns what was written, by rank. */
    static List<RankFileInfo> write(Path dir, String name, List<List<RealData.Slab>> perRank) throws LevelException, IOException {
        Files.createDirectories(dir);
        RankFileWriter writer = new RankFileWriter(4 << 20);
        List<RankFileInfo> out = new ArrayList<>();
        int size = perRank.size();
        for (int r = 0; r < size; r++) {
            List<RankFileWriter.Entry> entries = new ArrayList<>();
            List<RealData.Slab> slabs = perRank.get(r);
            for (int i = 0; i < slabs.size(); i++) {
                RealData.Slab s = slabs.get(i);
                entries.add(new RankFileWriter.Entry(i, s.name(), s.shape(), new BytesRegion(s.type(), s.data())));
            }
            out.add(writer.write(dir.resolve("rank-" + r + ".vck"), name, 1, r, size, entries, true, false));
        }
        return out;
    }

    /** A fresh working directory under /dev/shm if it exists (memory: the benches time codecs, not disks), else java.io.tmpdir. */
    static Path scratch(Path base, String prefix) throws IOException {
        Path parent = base != null ? base : Files.isDirectory(Path.of("/dev/shm")) && Files.isWritable(Path.of("/dev/shm"))
                ? Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));
        Files.createDirectories(parent);
        return Files.createTempDirectory(parent, prefix);
    }
}
