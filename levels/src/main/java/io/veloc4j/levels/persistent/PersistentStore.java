package io.veloc4j.levels.persistent;

import io.veloc4j.levels.FileIo;
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
public final class PersistentStore implements ManifestSource {

    private final Path root;
    private final StorageOps ops = new StorageOps();

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
        ops.manifestStats.increment();
        return Files.isRegularFile(versionDir(name, version).resolve(Manifest.FILE));
    }

    /** What this process asked of persistent storage's metadata so far. */
    public StorageOps.Counts ops() {
        return ops.counts();
    }

    @Override
    public Manifest manifest(String name, int version) throws LevelException {
        ops.manifestReads.increment();
        return Manifest.read(versionDir(name, version));
    }

    /** A committed version's MANIFEST as bytes (to share with the other ranks). */
    public byte[] manifestBytes(String name, int version) throws LevelException {
        ops.manifestReads.increment();
        return Manifest.bytes(versionDir(name, version));
    }

    /** Writes a version's MANIFEST (never replacing one); false if the version was committed already. */
    public boolean writeManifest(Manifest m) throws LevelException {
        ops.manifestWrites.increment();
        return m.writeTo(versionDir(m.name(), m.version()));
    }

    void countAggregateOpen() {
        ops.aggregateOpens.increment();
    }

    /** Counts a listing of one of this store's directories made elsewhere (the committer's clean-up). */
    public void countListingOf(Path dir) {
        ops.listings.increment();
    }

    /**
     * The name of a group's file written by launch {@code session}: {@code group-<g>.<session>.vagg}
     * ({@code rank-<r>.<session>.vck} with scheme none). With the launch in the name, a relaunch
     * never replaces a file that a dead launch wrote, and so never one that a MANIFEST names.
     */
    public static String fileName(Scheme scheme, int group, int rank, long session) {
        String tag = Long.toHexString(session);
        return scheme == Scheme.NONE ? "rank-" + rank + "." + tag + ".vck" : "group-" + group + "." + tag + ".vagg";
    }

    /** Whether {@code file} is the name {@link #fileName} gives that group's file for some launch. */
    static boolean isFileOf(String file, Scheme scheme, int group, int rank) {
        String prefix = scheme == Scheme.NONE ? "rank-" + rank + "." : "group-" + group + ".";
        String suffix = scheme == Scheme.NONE ? ".vck" : ".vagg";
        if (!file.startsWith(prefix) || !file.endsWith(suffix) || file.length() <= prefix.length() + suffix.length()) {
            return false;
        }
        String tag = file.substring(prefix.length(), file.length() - suffix.length());
        return tag.length() <= 16 && tag.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }

    /**
     * Writes the MANIFEST once all {@code expectedFiles} group files of launch {@code session} are
     * in place. Every engine calls this after its rename, so the last of them always sees every
     * file. Files of other launches (left by a dead one) are never committed, and deleted once this
     * launch's MANIFEST is written.
     */
    public Optional<Manifest> tryCommit(String name, int version, int ranks, Scheme scheme, int expectedFiles,
                                        long session) throws LevelException {
        Path dir = versionDir(name, version);
        if (isCommitted(name, version)) {
            return Optional.empty();
        }
        String tag = "." + Long.toHexString(session) + ".";
        List<AggregateInfo> files = new ArrayList<>();
        List<Path> others = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String f = p.getFileName().toString();
                boolean aggregate = f.startsWith("group-") && f.endsWith(".vagg");
                boolean copy = f.startsWith("rank-") && f.endsWith(".vck");
                if (!aggregate && !copy) {
                    continue;
                }
                if (!f.contains(tag)) {
                    others.add(p);
                } else if (aggregate) {
                    try (AggregateFile a = AggregateFile.open(p)) {
                        long raw = a.members().stream().mapToLong(Member::rawLength).sum();
                        int group = Integer.parseInt(f.substring(6, f.indexOf('.')));
                        files.add(new AggregateInfo(group, f, raw, Files.size(p), a.indexCrc(), a.members(), a.codecs()));
                    }
                } else {
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
        if (!m.writeTo(dir)) {
            return Optional.empty(); // another engine committed first
        }
        others.forEach(FileIo::deleteQuietly);
        return Optional.of(m);
    }

    /** The newest committed version of {@code name}, or -1. */
    public int newestCommitted(String name) {
        List<Integer> c = committed(name);
        return c.isEmpty() ? -1 : c.get(0);
    }

    /** Committed versions of {@code name}, newest first: one listing, a stat per version. */
    @Override
    public List<Integer> committed(String name) {
        List<Integer> out = new ArrayList<>();
        ops.listings.increment();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root.resolve(name))) {
            for (Path p : ds) {
                Integer v = version(p.getFileName().toString());
                if (v != null && count(Files.isRegularFile(p.resolve(Manifest.FILE)))) {
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
        if (committed.size() > keep) {
            ops.listings.add(committed.size() - keep); // each pruned version's directory is listed to empty it
        }
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

    private boolean count(boolean statResult) {
        ops.manifestStats.increment();
        return statResult;
    }

    static Integer version(String s) {
        if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(Character::isDigit)) {
            return null;
        }
        long v = Long.parseLong(s);
        return v <= Integer.MAX_VALUE ? (int) v : null;
    }
}
