package io.veloc4j.levels.persistent;

import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.scratch.RankFile;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * External storage as the engines see it: {@code <root>/<name>/<version>/} holding group files
 * and, once every group has arrived, the MANIFEST. Engines of different nodes share it; each
 * operation is idempotent so that two engines racing to commit or prune do no harm.
 */
public final class PersistentStore {

    private final Path root;

    public PersistentStore(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    public Path versionDir(String name, int version) {
        return root.resolve(name).resolve(Integer.toString(version));
    }

    public boolean isCommitted(String name, int version) {
        return Files.isRegularFile(versionDir(name, version).resolve(Manifest.FILE));
    }

    /**
     * Writes the MANIFEST once all {@code expectedFiles} group files are in place. Every engine
     * calls this after its rename, so the last of them always sees every file.
     */
    public Optional<Manifest> tryCommit(String name, int version, int ranks, Scheme scheme, int expectedFiles)
            throws LevelException {
        Path dir = versionDir(name, version);
        if (isCommitted(name, version)) {
            return Optional.empty();
        }
        List<AggregateInfo> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String f = p.getFileName().toString();
                if (f.startsWith("group-") && f.endsWith(".vagg")) {
                    try (AggregateFile a = AggregateFile.open(p)) {
                        long raw = a.members().stream().mapToLong(Member::rawLength).sum();
                        int group = Integer.parseInt(f.substring(6, f.length() - 5));
                        files.add(new AggregateInfo(group, f, raw, Files.size(p), a.indexCrc(), a.members(), a.codecs()));
                    }
                } else if (f.startsWith("rank-") && f.endsWith(".vck")) {
                    try (RankFile r = RankFile.open(p)) {
                        files.add(new AggregateInfo(r.rank(), f, r.length(), r.length(), r.headerCrc(),
                                List.of(new Member(r.rank(), 0, r.length(), r.headerCrc())), "copy"));
                    }
                }
            }
        } catch (IOException e) {
            throw new LevelException("cannot list " + dir + ": " + e, e);
        }
        if (files.size() < expectedFiles) {
            return Optional.empty();
        }
        files.sort(Comparator.comparingInt(AggregateInfo::group));
        Manifest m = new Manifest(name, version, ranks, scheme, files);
        m.writeTo(dir);
        return Optional.of(m);
    }

    /** Committed versions of {@code name}, newest first. */
    public List<Integer> committed(String name) {
        List<Integer> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root.resolve(name))) {
            for (Path p : ds) {
                Integer v = version(p.getFileName().toString());
                if (v != null && Files.isRegularFile(p.resolve(Manifest.FILE))) {
                    out.add(v);
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            return List.of();
        }
        out.sort(Comparator.reverseOrder());
        return out;
    }

    /**
     * Keeps the newest {@code keep} committed versions and deletes older committed ones (MANIFEST
     * first, so a version disappears atomically). Uncommitted (in flight) versions are not touched.
     */
    public List<Integer> prune(String name, int keep) throws LevelException {
        List<Integer> committed = committed(name);
        List<Integer> pruned = new ArrayList<>();
        for (int i = keep; i < committed.size(); i++) {
            int v = committed.get(i);
            Path dir = versionDir(name, v);
            try {
                Files.deleteIfExists(dir.resolve(Manifest.FILE));
                try (Stream<Path> s = Files.list(dir)) {
                    for (Path p : s.toList()) {
                        Files.deleteIfExists(p);
                    }
                }
                Files.deleteIfExists(dir);
                pruned.add(v);
            } catch (NoSuchFileException e) {
                pruned.add(v); // another engine pruned it first
            } catch (IOException e) {
                throw new LevelException("cannot prune " + dir + ": " + e, e);
            }
        }
        return pruned;
    }

    /**
     * Removes the temp files that writers of this host left behind when they died mid-write (a
     * killed flush leaves a 0-byte or partial {@code group-<g>.vagg.….tmp}, {@code MANIFEST.….tmp}).
     * Only files whose writer, named in the file name ({@link TempName}), is a process of this
     * host that has ended: a live writer's temp files and other hosts' are left alone. Run by
     * each node's engine host at init, before its engine writes anything. Returns what it removed.
     */
    public List<Path> removeDeadTemps() {
        List<Path> removed = new ArrayList<>();
        try (DirectoryStream<Path> names = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path name : names) {
                try (DirectoryStream<Path> versions = Files.newDirectoryStream(name, Files::isDirectory)) {
                    for (Path dir : versions) {
                        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir,
                                p -> TempName.ofDeadWriter(p.getFileName().toString()))) {
                            for (Path p : files) {
                                if (Files.deleteIfExists(p)) {
                                    removed.add(p);
                                }
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            // best effort: a temp file is never read, it only takes room (no root yet: nothing to do)
        }
        return removed;
    }

    static Integer version(String s) {
        if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(Character::isDigit)) {
            return null;
        }
        long v = Long.parseLong(s);
        return v <= Integer.MAX_VALUE ? (int) v : null;
    }
}
