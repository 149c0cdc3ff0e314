package io.veloc4j.flush;

import io.veloc4j.levels.FileIo;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.catalog.Event;
import io.veloc4j.levels.catalog.EventLog;
import io.veloc4j.levels.persistent.AggregateInfo;
import io.veloc4j.levels.persistent.Manifest;
import io.veloc4j.levels.persistent.PersistentLevel;
import io.veloc4j.levels.persistent.PersistentStore;
import io.veloc4j.levels.persistent.Scheme;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The one engine (node 0's) that commits versions: the group writers report their files here,
 * and once all {@code files} groups of a version are in, it writes the version's MANIFEST, once,
 * from the reports (no directory listing, no opening of anyone's aggregate), tells every engine
 * and prunes to {@code max_versions}. Per version on persistent storage that is: each writer a
 * temp file, an fsync and a rename; here a MANIFEST temp file, a link, an unlink, a directory
 * fsync and one listing (to delete files a dead launch left in the version). It also decides,
 * once per version, whether a version is due under {@code persistent_interval}, so every node
 * flushes the same versions.
 */
final class Committer {

    private static final Logger LOG = LoggerFactory.getLogger(Committer.class);

    record Key(String name, int version) {
    }

    private final EngineLink link;
    private final PersistentStore store;
    private final EventLog catalog;
    private final Scheme scheme;
    private final int ranks;
    private final int files;
    private final int maxVersions;
    private final int intervalSeconds;
    private final int ecIntervalSeconds;
    private final int erasureSets;
    /** Parity pieces written per version and set, until every set of the version is complete. */
    private final Map<Key, Map<Integer, int[]>> protectedPieces = new LinkedHashMap<>();
    private final Set<Key> protectionFailed = new HashSet<>();
    private final Set<Key> protectionDone = new java.util.LinkedHashSet<>();
    private final Map<Key, TreeMap<Integer, AggregateInfo>> reports = new HashMap<>();
    private final Set<Key> failed = new HashSet<>();
    /** persistent_interval decisions, oldest first (bounded). */
    private final Map<Key, Boolean> due = new LinkedHashMap<>();
    private final Map<String, Long> lastFlush = new HashMap<>();

    Committer(EngineLink link, PersistentStore store, EventLog catalog, Scheme scheme, int ranks, int files, int maxVersions,
              int intervalSeconds, int ecIntervalSeconds, int erasureSets) {
        this.ecIntervalSeconds = ecIntervalSeconds;
        this.erasureSets = erasureSets;
        this.link = link;
        this.store = store;
        this.catalog = catalog;
        this.scheme = scheme;
        this.ranks = ranks;
        this.files = files;
        this.maxVersions = maxVersions;
        this.intervalSeconds = intervalSeconds;
    }

    synchronized void written(String name, int version, AggregateInfo file) {
        Key k = new Key(name, version);
        if (failed.contains(k)) {
            return; // another group failed: the version will not be committed
        }
        TreeMap<Integer, AggregateInfo> got = reports.computeIfAbsent(k, x -> new TreeMap<>());
        got.put(file.group(), file);
        if (got.size() < files) {
            return;
        }
        reports.remove(k);
        commit(k, List.copyOf(got.values()));
    }

    /**
     * A parity holder finished (or failed) a piece: once every piece of every set of the version
     * is written, the catalog records it protected (what {@code ls} shows as "survives m").
     */
    synchronized void protectedPiece(EngineMessage.EcDone d) {
        Key k = new Key(d.name(), d.version());
        if (d.error() != null) {
            if (protectionFailed.add(k)) {
                protectedPieces.remove(k);
                LOG.warn("{} v{} is not erasure-protected: set {}: {}", d.name(), d.version(), d.setId(), d.error());
            }
            return;
        }
        if (protectionFailed.contains(k)) {
            return;
        }
        Map<Integer, int[]> bySet = protectedPieces.computeIfAbsent(k, x -> new HashMap<>());
        bySet.computeIfAbsent(d.setId(), x -> new int[] {0, d.pieces()})[0]++; // {written, of}
        if (bySet.size() == erasureSets && bySet.values().stream().allMatch(n -> n[0] >= n[1])) {
            protectedPieces.remove(k);
            Announce.to(catalog, new Event.Protected(d.name(), d.version(), erasureSets, d.parity()));
            protectionDone.add(k);
            if (protectionDone.size() > 4096) {
                protectionDone.remove(protectionDone.iterator().next());
            }
            LOG.info("{} v{} is erasure-protected: {} set(s), each survives the loss of {} node(s)", d.name(), d.version(),
                    erasureSets, d.parity());
        }
        if (protectedPieces.size() > 4096) {
            protectedPieces.remove(protectedPieces.keySet().iterator().next());
        }
        if (protectionFailed.size() > 4096) {
            protectionFailed.clear();
        }
    }

    /** Whether the version is recorded protected, or its protection failed. */
    synchronized boolean protectionSettled(String name, int version) {
        Key k = new Key(name, version);
        return protectionDone.contains(k) || protectionFailed.contains(k);
    }

    synchronized void failed(String name, int version, int group, String reason, boolean alreadyCommitted) {
        Key k = new Key(name, version);
        if (alreadyCommitted && store.isCommitted(name, version)) {
            reports.remove(k);
            try {
                Manifest m = store.manifest(name, version);
                LOG.warn("{} v{} was committed by an earlier launch; its copy on persistent storage stays as it is", name, version);
                link.broadcast(new EngineMessage.Committed(name, version, m.scheme().label(), m.files()));
                return;
            } catch (LevelException e) {
                reason = reason + "; and the committed MANIFEST cannot be read: " + e.getMessage();
            }
        }
        reports.remove(k);
        if (failed.add(k)) {
            LOG.warn("{} v{} will not be committed: group {}: {}", name, version, group, reason);
            link.broadcast(new EngineMessage.VersionFailed(name, version, "group " + group + ": " + reason));
        }
        if (failed.size() > 10_000) {
            failed.clear(); // a bound; a straggler report of an old version then just sits in reports
        }
    }

    private void commit(Key k, List<AggregateInfo> groupFiles) {
        Manifest m = new Manifest(k.name(), k.version(), ranks, scheme, groupFiles);
        Path dir = store.versionDir(k.name(), k.version());
        try {
            if (!store.writeManifest(m)) {
                m = store.manifest(k.name(), k.version()); // committed meanwhile (a dead launch's engine): that one stands
                LOG.warn("{} v{} was already committed; the MANIFEST there stays as it is", k.name(), k.version());
            } else {
                removeOthers(dir, m);
            }
        } catch (LevelException e) {
            failed(k.name(), k.version(), -1, "its MANIFEST could not be written: " + e.getMessage(), false);
            return;
        }
        Announce.to(catalog, new Event.Committed(m.name(), m.version(), m.ranks(), m.files().size(), m.rawBytes(),
                m.storedBytes(), m.scheme().label()));
        link.broadcast(new EngineMessage.Committed(k.name(), k.version(), m.scheme().label(), m.files()));
        prune(k.name());
    }

    /** Files a dead launch left in a version it never committed: nothing names them now. */
    private void removeOthers(Path dir, Manifest m) {
        Set<String> named = new HashSet<>();
        m.files().forEach(f -> named.add(f.file()));
        named.add(Manifest.FILE);
        store.countListingOf(dir);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String f = p.getFileName().toString();
                if (!named.contains(f) && !f.endsWith(".tmp")) {
                    FileIo.deleteQuietly(p);
                }
            }
        } catch (IOException e) {
            LOG.debug("cannot list {}: {}", dir, e.toString());
        }
    }

    private void prune(String name) {
        if (maxVersions <= 0) {
            return;
        }
        try {
            for (int v : store.prune(name, maxVersions)) {
                Announce.to(catalog, new Event.Pruned(name, v, PersistentLevel.NAME, -1));
            }
        } catch (LevelException e) {
            LOG.warn("pruning {} on persistent storage failed: {}", name, e.getMessage());
        }
    }

    /**
     * persistent_interval (kind FLUSH) or ec_interval (kind ERASURE): a version is due if the last
     * due version of its name is old enough; decided once, so every node does the same.
     */
    synchronized boolean due(String name, int version, int kind) {
        Key k = new Key(kind + ":" + name, version);
        Boolean d = due.get(k);
        if (d == null) {
            int interval = kind == EngineMessage.ERASURE ? ecIntervalSeconds : intervalSeconds;
            long now = System.nanoTime();
            Long last = lastFlush.get(k.name());
            d = interval == 0 || (interval > 0 && (last == null || now - last >= TimeUnit.SECONDS.toNanos(interval)));
            if (d) {
                lastFlush.put(k.name(), now);
            }
            due.put(k, d);
            if (due.size() > 4096) {
                due.remove(due.keySet().iterator().next());
            }
        }
        return d;
    }

    /** Versions reported but not complete yet (for diagnostics). */
    synchronized List<Key> open() {
        return new ArrayList<>(reports.keySet());
    }
}
