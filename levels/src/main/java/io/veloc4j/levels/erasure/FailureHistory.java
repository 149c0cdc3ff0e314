package io.veloc4j.levels.erasure;

import io.veloc4j.levels.CorruptCheckpointException;
import io.veloc4j.levels.FileIo;
import io.veloc4j.levels.LevelException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * How often each host disappeared between launches: the placement's memory of unreliable hosts,
 * kept on persistent storage and updated at each relaunch from the hosts of the last launch that
 * are not in this one. A small text file (people may read it), the last line a CRC32C of the
 * others:
 *
 * <pre>
 * veloc4j-failures 1
 * session 6d2f…            the launch that wrote it (hex)
 * hosts 3
 * host node017 failures 2 present 1
 * host node018 failures 0 present 1
 * host node019 failures 1 present 0
 * crc 1a2b3c4d
 * </pre>
 *
 * {@code present} says whether the host ran the last launch. Written to a temp name, fsynced and
 * renamed; read with its size bounded first and every line checked. A damaged file is a
 * {@link CorruptCheckpointException}: the engine should log it and start from {@link #empty()},
 * never stop a relaunch for it.
 *
 * @param session  the launch that recorded it (0 for none)
 * @param failures per host: times it disappeared
 * @param present  the hosts of that launch
 */
public record FailureHistory(long session, Map<String, Integer> failures, Set<String> present) {

    /** Suggested file name, e.g. under {@code <meta>/erasure/}. */
    public static final String FILE = "failure-history";
    private static final String MAGIC = "veloc4j-failures 1";
    /** Room for a million hosts at ~40 bytes a line. */
    static final int MAX_BYTES = 64 << 20;
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._-]{1,255}");

    public FailureHistory {
        failures = Collections.unmodifiableMap(new TreeMap<>(failures));
        present = Collections.unmodifiableSet(new TreeSet<>(present));
        for (Map.Entry<String, Integer> e : failures.entrySet()) {
            if (!HOST.matcher(e.getKey()).matches() || e.getValue() < 0) {
                throw new IllegalArgumentException("host '" + e.getKey() + "' with " + e.getValue() + " failures");
            }
        }
        if (!failures.keySet().containsAll(present)) {
            throw new IllegalArgumentException("present hosts " + present + " are not all recorded");
        }
    }

    public static FailureHistory empty() {
        return new FailureHistory(0, Map.of(), Set.of());
    }

    /** Times {@code host} disappeared (0 for a host never seen). */
    public int failures(String host) {
        return failures.getOrDefault(host, 0);
    }

    /** The hosts of the last launch that are not among {@code hosts}. */
    public Set<String> disappeared(Collection<String> hosts) {
        Set<String> gone = new TreeSet<>(present);
        gone.removeAll(hosts);
        return gone;
    }

    /**
     * The history after launch {@code session} started on {@code hosts}: each host of the last
     * launch that is missing now counts one more failure; {@code hosts} are the present ones.
     */
    public FailureHistory relaunch(long session, Collection<String> hosts) {
        Map<String, Integer> f = new TreeMap<>(failures);
        for (String gone : disappeared(hosts)) {
            f.merge(gone, 1, (a, b) -> a == Integer.MAX_VALUE ? a : a + b);
        }
        for (String h : hosts) {
            f.putIfAbsent(h, 0);
        }
        return new FailureHistory(session, f, new TreeSet<>(hosts));
    }

    String format() {
        StringBuilder s = new StringBuilder(MAGIC).append('\n');
        s.append("session ").append(Long.toHexString(session)).append('\n');
        s.append("hosts ").append(failures.size()).append('\n');
        failures.forEach((h, n) -> s.append("host ").append(h).append(" failures ").append(n).append(" present ")
                .append(present.contains(h) ? 1 : 0).append('\n'));
        CRC32C crc = new CRC32C();
        crc.update(s.toString().getBytes(StandardCharsets.UTF_8));
        return s.append("crc ").append(Long.toHexString(crc.getValue())).append('\n').toString();
    }

    /** Replaces {@code file} atomically (temp, fsync, rename), rw-------; its directory is created if missing. */
    public void write(Path file) throws LevelException {
        Path tmp = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            FileIo.createPrivateDirectories(file.toAbsolutePath().getParent());
            try (FileChannel ch = FileIo.createPrivate(tmp)) {
                FileIo.writeFully(ch, ByteBuffer.wrap(format().getBytes(StandardCharsets.UTF_8)), 0);
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            FileIo.syncDir(file.toAbsolutePath().getParent());
        } catch (AtomicMoveNotSupportedException e) {
            throw new LevelException("cannot write " + file + ": its file system cannot rename atomically", e);
        } catch (IOException e) {
            throw new LevelException("cannot write " + file + ": " + e
                    + (FileIo.isOutOfSpace(e) ? "; the file system is full" : ""), e);
        } finally {
            FileIo.deleteQuietly(tmp);
        }
    }

    /**
     * Reads {@code file}; {@link #empty()} if it does not exist.
     *
     * @throws CorruptCheckpointException naming the file and what is wrong with it
     */
    public static FailureHistory read(Path file) throws LevelException {
        String text;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > MAX_BYTES) {
                throw corrupt(file, "it is " + size + " bytes, more than a failure history can be (" + MAX_BYTES + ")");
            }
            text = StandardCharsets.UTF_8.newDecoder().decode(FileIo.readExactly(ch, 0, (int) size)).toString();
        } catch (NoSuchFileException e) {
            return empty();
        } catch (CharacterCodingException e) {
            throw corrupt(file, "it is not UTF-8 text");
        } catch (IOException e) {
            throw new LevelException("cannot read " + file + ": " + e, e);
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

    private static FailureHistory parse(String body) {
        if (!body.endsWith("\n")) {
            throw new IllegalArgumentException("its last line is not terminated");
        }
        List<String> lines = List.of(body.substring(0, body.length() - 1).split("\n", -1));
        if (lines.size() < 3 || !lines.get(0).equals(MAGIC)) {
            throw new IllegalArgumentException("it is not a veloc4j failure history");
        }
        long session = Long.parseUnsignedLong(field(lines.get(1), "session"), 16);
        int hosts = Integer.parseInt(field(lines.get(2), "hosts"));
        if (hosts != lines.size() - 3) {
            throw new IllegalArgumentException("it says " + hosts + " hosts but lists " + (lines.size() - 3));
        }
        Map<String, Integer> failures = new TreeMap<>();
        Set<String> present = new TreeSet<>();
        for (String line : lines.subList(3, lines.size())) {
            String[] w = line.split(" ", -1);
            if (w.length != 6 || !w[0].equals("host") || !w[2].equals("failures") || !w[4].equals("present")
                    || !HOST.matcher(w[1]).matches() || !(w[5].equals("0") || w[5].equals("1"))) {
                throw new IllegalArgumentException("malformed line '" + clip(line) + "'");
            }
            int n = Integer.parseInt(w[3]);
            if (n < 0 || failures.put(w[1], n) != null) {
                throw new IllegalArgumentException("host " + w[1] + " is listed twice or has " + n + " failures");
            }
            if (w[5].equals("1")) {
                present.add(w[1]);
            }
        }
        return new FailureHistory(session, failures, present);
    }

    private static String field(String line, String key) {
        if (!line.startsWith(key + " ")) {
            throw new IllegalArgumentException("expected '" + key + " …', found '" + clip(line) + "'");
        }
        return line.substring(key.length() + 1);
    }

    private static String clip(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "…";
    }

    private static CorruptCheckpointException corrupt(Path file, String what) {
        return new CorruptCheckpointException("failure history " + file + " is corrupt: " + what
                + "; delete it to start a new history");
    }
}
