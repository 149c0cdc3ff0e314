package io.veloc4j.levels.persistent;

import io.veloc4j.levels.CorruptCheckpointException;
import io.veloc4j.levels.Failpoint;
import io.veloc4j.levels.FileIo;
import io.veloc4j.levels.LevelException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The commit record of a version on persistent storage: which files it has, which ranks each
 * holds, sizes and checksums. Written last and atomically; a version without one does not exist.
 * Plain text so that people can read it; the last line is a CRC32C of the others.
 */
public record Manifest(String name, int version, int ranks, Scheme scheme, List<AggregateInfo> files) {

    public static final String FILE = "MANIFEST";
    private static final String MAGIC = "veloc4j-manifest 1";

    public Manifest {
        files = List.copyOf(files);
    }

    public long rawBytes() {
        return files.stream().mapToLong(AggregateInfo::rawBytes).sum();
    }

    public long storedBytes() {
        return files.stream().mapToLong(AggregateInfo::storedBytes).sum();
    }

    /** Codecs over all files, "codec:segments,…" (e.g. "lorenzo:24,zstd:3"), "copy" for scheme none. */
    public String codecs() {
        java.util.Map<String, Integer> n = new java.util.TreeMap<>();
        for (AggregateInfo f : files) {
            for (String part : f.codecs().split(",")) {
                String[] kv = part.split(":");
                n.merge(kv[0], kv.length > 1 ? Integer.parseInt(kv[1]) : 1, Integer::sum);
            }
        }
        StringBuilder b = new StringBuilder();
        n.forEach((k, v) -> b.append(b.length() == 0 ? "" : ",").append(k).append(k.equals("copy") ? "" : ":" + v));
        return b.toString();
    }

    /** The file holding {@code rank}'s data, with its slice. */
    public Optional<AggregateInfo> fileOf(int rank) {
        return files.stream().filter(f -> f.members().stream().anyMatch(m -> m.rank() == rank)).findFirst();
    }

    String format() {
        StringBuilder s = new StringBuilder(MAGIC).append('\n');
        s.append("name ").append(name).append('\n');
        s.append("version ").append(version).append('\n');
        s.append("ranks ").append(ranks).append('\n');
        s.append("scheme ").append(scheme.label()).append('\n');
        s.append("files ").append(files.size()).append('\n');
        for (AggregateInfo f : files) {
            s.append("file ").append(f.file()).append(" group ").append(f.group()).append(" raw ").append(f.rawBytes())
                    .append(" stored ").append(f.storedBytes()).append(" crc ").append(Integer.toHexString(f.crc()))
                    .append(" members ");
            for (int i = 0; i < f.members().size(); i++) {
                Member m = f.members().get(i);
                s.append(i == 0 ? "" : ",").append(m.rank()).append(':').append(m.rawOffset()).append(':')
                        .append(m.rawLength()).append(':').append(Integer.toHexString(m.rankFileCrc()));
            }
            s.append(" codecs ").append(f.codecs()).append('\n');
        }
        CRC32C crc = new CRC32C();
        crc.update(s.toString().getBytes(StandardCharsets.UTF_8));
        return s.append("crc ").append(Long.toHexString(crc.getValue())).append('\n').toString();
    }

    /**
     * Writes {@code <dir>/MANIFEST} atomically (temp, fsync, then link or rename, directory sync),
     * never replacing one that exists: a committed version is immutable, and when two writers race
     * (a dead launch's engine and its relaunch) exactly one MANIFEST wins.
     *
     * @return false if the version was already committed (this MANIFEST was not written)
     */
    public boolean writeTo(Path dir) throws LevelException {
        Path target = dir.resolve(FILE);
        Path tmp = dir.resolve(FILE + ".tmp-" + ProcessHandle.current().pid() + "-" + Thread.currentThread().getId());
        try {
            if (Files.exists(target)) {
                return false;
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                FileIo.writeFully(ch, java.nio.ByteBuffer.wrap(format().getBytes(StandardCharsets.UTF_8)), 0);
                ch.force(true);
            }
            Failpoint.hit(Failpoint.MANIFEST_BEFORE_COMMIT, version);
            boolean written = publish(tmp, target);
            FileIo.syncDir(dir);
            Failpoint.hit(Failpoint.MANIFEST_AFTER_COMMIT, version);
            return written;
        } catch (IOException e) {
            throw new LevelException("cannot write " + target + ": " + e, e);
        } finally {
            FileIo.deleteQuietly(tmp);
        }
    }

    /** link() fails if the target exists, where rename() would replace it. */
    private static boolean publish(Path tmp, Path target) throws IOException {
        try {
            Files.createLink(target, tmp);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (UnsupportedOperationException | FileSystemException e) {
            // a file system without hard links: the exists() check above leaves a narrow race
            if (Files.exists(target)) {
                return false;
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return true;
        }
    }

    public static Manifest read(Path dir) throws LevelException {
        Path file = dir.resolve(FILE);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new LevelException(file + " does not exist: the version is not committed");
        } catch (IOException e) {
            throw new LevelException("cannot read " + file + ": " + e, e);
        }
        try {
            int cut = text.lastIndexOf("crc ");
            CRC32C crc = new CRC32C();
            crc.update(text.substring(0, cut).getBytes(StandardCharsets.UTF_8));
            if (cut < 0 || !text.substring(cut + 4).trim().equals(Long.toHexString(crc.getValue()))) {
                throw new CorruptCheckpointException(file + " is corrupt: checksum mismatch");
            }
            String[] lines = text.substring(0, cut).split("\n");
            if (!lines[0].equals(MAGIC)) {
                throw new CorruptCheckpointException(file + " is not a veloc4j manifest");
            }
            String name = value(lines[1], "name");
            int version = Integer.parseInt(value(lines[2], "version"));
            int ranks = Integer.parseInt(value(lines[3], "ranks"));
            Scheme scheme = Scheme.ofLabel(value(lines[4], "scheme"));
            int n = Integer.parseInt(value(lines[5], "files"));
            List<AggregateInfo> files = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String[] w = lines[6 + i].split(" ");
                List<Member> members = new ArrayList<>();
                for (String m : w[11].split(",")) {
                    String[] p = m.split(":");
                    members.add(new Member(Integer.parseInt(p[0]), Long.parseLong(p[1]), Long.parseLong(p[2]),
                            Integer.parseUnsignedInt(p[3], 16)));
                }
                files.add(new AggregateInfo(Integer.parseInt(w[3]), w[1], Long.parseLong(w[5]), Long.parseLong(w[7]),
                        Integer.parseUnsignedInt(w[9], 16), members, w.length > 13 ? w[13] : "unknown"));
            }
            return new Manifest(name, version, ranks, scheme, files);
        } catch (RuntimeException e) {
            throw new CorruptCheckpointException(file + " is malformed: " + e);
        }
    }

    private static String value(String line, String key) {
        if (!line.startsWith(key + " ")) {
            throw new IllegalArgumentException("expected '" + key + "' in line '" + line + "'");
        }
        return line.substring(key.length() + 1);
    }
}
