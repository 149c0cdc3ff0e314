package io.veloc4j.levels.persistent;

import io.veloc4j.levels.CorruptCheckpointException;
import io.veloc4j.levels.Failpoint;
import io.veloc4j.levels.FileIo;
import io.veloc4j.levels.LevelException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
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
        Path tmp = dir.resolve(TempName.of(FILE));
        try {
            if (Files.exists(target)) {
                return false;
            }
            try (FileChannel ch = FileIo.createPrivate(tmp)) {
                FileIo.writeFully(ch, ByteBuffer.wrap(format().getBytes(StandardCharsets.UTF_8)), 0);
                ch.force(true);
            }
            Failpoint.hit(Failpoint.MANIFEST_BEFORE_COMMIT, version);
            boolean written = publish(tmp, target);
            FileIo.syncDir(dir);
            Failpoint.hit(Failpoint.MANIFEST_AFTER_COMMIT, version);
            return written;
        } catch (IOException e) {
            throw new LevelException("cannot write " + target + ": " + e
                    + (FileIo.isOutOfSpace(e) ? "; persistent storage is full: free space there" : ""), e);
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

    /**
     * Reads and checks {@code <dir>/MANIFEST}. Nothing in it is trusted: its size is bounded
     * before it is read, it must be UTF-8 with a matching CRC, and every line and number must be
     * what {@link #format} writes; any failure is a {@link CorruptCheckpointException} naming the
     * file and what is wrong.
     */
    public static Manifest read(Path dir) throws LevelException {
        return fromBytes(bytes(dir), dir.resolve(FILE));
    }

    /** The MANIFEST's bytes, bounded before they are read (to parse with {@link #fromBytes}, here or on another rank). */
    public static byte[] bytes(Path dir) throws LevelException {
        Path file = dir.resolve(FILE);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > MAX_BYTES) {
                throw corrupt(file, "it is " + size + " bytes, more than a manifest can be (" + MAX_BYTES + ")");
            }
            ByteBuffer bytes = FileIo.readExactly(ch, 0, (int) size);
            byte[] out = new byte[bytes.remaining()];
            bytes.get(out);
            return out;
        } catch (NoSuchFileException e) {
            throw new LevelException(file + " does not exist: the version is not committed");
        } catch (IOException e) {
            throw new LevelException("cannot read " + file + ": " + e, e);
        }
    }

    /** Checks and parses a MANIFEST's bytes; {@code file} names it in errors. */
    public static Manifest fromBytes(byte[] raw, Path file) throws LevelException {
        if (raw.length > MAX_BYTES) {
            throw corrupt(file, "it is " + raw.length + " bytes, more than a manifest can be (" + MAX_BYTES + ")");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            throw corrupt(file, "it is not UTF-8 text");
        }
        int cut = text.lastIndexOf("crc ");
        if (cut < 0) {
            throw corrupt(file, "it has no checksum line");
        }
        CRC32C crc = new CRC32C();
        crc.update(text.substring(0, cut).getBytes(StandardCharsets.UTF_8));
        if (!text.substring(cut).equals("crc " + Long.toHexString(crc.getValue()) + "\n")) {
            throw corrupt(file, "checksum mismatch");
        }
        try {
            return parse(text.substring(0, cut));
        } catch (IllegalArgumentException e) {
            throw corrupt(file, e.getMessage());
        }
    }

    /** The lines before the CRC line; every malformation is an IllegalArgumentException saying which. */
    private static Manifest parse(String body) {
        if (!body.endsWith("\n")) {
            throw new IllegalArgumentException("its last line is not terminated");
        }
        String[] lines = body.substring(0, body.length() - 1).split("\n", -1);
        if (lines.length < 6 || !lines[0].equals(MAGIC)) {
            throw new IllegalArgumentException("it is not a veloc4j manifest");
        }
        String name = value(lines[1], "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name + "' is not a checkpoint name");
        }
        int version = number(value(lines[2], "version"), "version");
        int ranks = number(value(lines[3], "ranks"), "ranks");
        if (ranks < 1) {
            throw new IllegalArgumentException("a job of " + ranks + " ranks");
        }
        Scheme scheme = Scheme.ofLabel(value(lines[4], "scheme"));
        int n = number(value(lines[5], "files"), "files");
        if (n != lines.length - 6) {
            throw new IllegalArgumentException("it says " + n + " files but lists " + (lines.length - 6));
        }
        List<AggregateInfo> files = new ArrayList<>(n);
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int i = 0; i < n; i++) {
            files.add(fileLine(lines[6 + i], scheme, ranks, seen));
        }
        return new Manifest(name, version, ranks, scheme, files);
    }

    /**
     * {@code file F group G raw R stored S crc C members M [codecs X]} (manifests before codecs
     * were recorded end after the members). The file name must be the one the scheme gives the
     * group, so a manifest never leads a reader outside its version directory.
     */
    private static AggregateInfo fileLine(String line, Scheme scheme, int ranks, java.util.Set<Integer> seen) {
        String[] w = line.split(" ", -1);
        if ((w.length != 12 && w.length != 14) || !w[0].equals("file") || !w[2].equals("group") || !w[4].equals("raw")
                || !w[6].equals("stored") || !w[8].equals("crc") || !w[10].equals("members")
                || (w.length == 14 && !w[12].equals("codecs"))) {
            throw new IllegalArgumentException("malformed file line '" + clip(line) + "'");
        }
        int group = number(w[3], "group");
        long raw = longNumber(w[5], "raw");
        long stored = longNumber(w[7], "stored");
        int crc = hex(w[9], "crc");
        List<Member> members = new ArrayList<>();
        for (String m : w[11].split(",", -1)) {
            String[] p = m.split(":", -1);
            if (p.length != 4) {
                throw new IllegalArgumentException("malformed member '" + clip(m) + "'");
            }
            int rank = number(p[0], "rank");
            if (rank >= ranks || !seen.add(rank)) {
                throw new IllegalArgumentException("rank " + rank + " is outside the job or listed twice");
            }
            members.add(new Member(rank, longNumber(p[1], "member offset"), longNumber(p[2], "member length"),
                    hex(p[3], "member crc")));
        }
        String expected = AggregateWriter.fileName(scheme, group, members.get(0).rank());
        if (!w[1].equals(expected) && !PersistentStore.isFileOf(w[1], scheme, group, members.get(0).rank())) {
            throw new IllegalArgumentException("file '" + clip(w[1]) + "' is not the " + scheme.label() + " file of group "
                    + group + " (" + expected + ")");
        }
        String codecs = w.length == 14 ? w[13] : "unknown";
        if (!CODECS.matcher(codecs).matches()) {
            throw new IllegalArgumentException("malformed codecs '" + clip(codecs) + "'");
        }
        return new AggregateInfo(group, w[1], raw, stored, crc, members, codecs);
    }

    /** A manifest lists each rank once, about 40 bytes each: this is room for millions of ranks. */
    static final int MAX_BYTES = 128 << 20;
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_.-]{1,128}");
    private static final java.util.regex.Pattern CODECS =
            java.util.regex.Pattern.compile("[a-z0-9~-]+(:[0-9]{1,9})?(,[a-z0-9~-]+(:[0-9]{1,9})?)*");

    private static int number(String s, String what) {
        long v = longNumber(s, what);
        if (v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " " + s + " is out of range");
        }
        return (int) v;
    }

    private static long longNumber(String s, String what) {
        if (s.isEmpty() || s.length() > 18 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException(what + " '" + clip(s) + "' is not a number");
        }
        return Long.parseLong(s);
    }

    private static int hex(String s, String what) {
        if (s.isEmpty() || s.length() > 8 || !s.chars().allMatch(c -> Character.digit(c, 16) >= 0 && c < 128)) {
            throw new IllegalArgumentException(what + " '" + clip(s) + "' is not a hex number");
        }
        return Integer.parseUnsignedInt(s, 16);
    }

    /** A damaged line may be megabytes long: messages quote its start. */
    private static String clip(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "…";
    }

    private static CorruptCheckpointException corrupt(Path file, String what) {
        return new CorruptCheckpointException(file + " is corrupt: " + what);
    }

    private static String value(String line, String key) {
        if (!line.startsWith(key + " ")) {
            throw new IllegalArgumentException("expected '" + key + "' in line '" + clip(line) + "'");
        }
        return line.substring(key.length() + 1);
    }
}
