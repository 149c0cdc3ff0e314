package io.veloc4j.flush;

import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import io.veloc4j.comm.Comm;
import io.veloc4j.comm.CommException;
import io.veloc4j.comm.Topology;
import io.veloc4j.levels.FileIo;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.catalog.Event;
import io.veloc4j.levels.catalog.EventLog;
import io.veloc4j.levels.erasure.ErasureSet;
import io.veloc4j.levels.erasure.Placement;
import io.veloc4j.levels.erasure.RebuildReport;
import io.veloc4j.levels.persistent.AggregateAssembly;
import io.veloc4j.levels.persistent.AggregateInfo;
import io.veloc4j.levels.persistent.AggregatePart;
import io.veloc4j.levels.persistent.AggregateWriter;
import io.veloc4j.levels.persistent.Encoding;
import io.veloc4j.levels.persistent.Group;
import io.veloc4j.levels.persistent.GroupPlan;
import io.veloc4j.levels.persistent.PersistentStore;
import io.veloc4j.levels.scratch.ScratchEntry;
import io.veloc4j.levels.scratch.ScratchScan;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A node's background engine: watches the node's scratch for rank files, and for every group
 * whose ranks on this node have all written a version runs gate → encode → hand-off on a
 * Disruptor ring. Only background threads; the application never waits for it unless it asks to
 * (checkpointWait, mode = sync, back-pressure).
 *
 * <p>A group's ranks may live on several nodes. Each node encodes its own ranks' part (data-aware,
 * chunked, indexed); the group's writer node encodes its part straight into the file and appends
 * the other nodes' parts, pulled over the engines' own communicator ({@link EngineLink}), so one
 * host writes each file and the network carries compressed bytes. Writers report to the
 * committer (node 0's engine, {@link Committer}), which writes each version's MANIFEST once and
 * tells every engine; each engine then tells its ranks through its node journal, which only it
 * writes. A rank file's final rename is the record that its rank finished the version: the engine
 * finds it by listing scratch ({@link ScratchScan}), so no record can be lost.
 *
 * <p>At start it replays what earlier launches left: groups complete on the scratch of every
 * node they span, of versions newer than the newest committed one, are flushed before
 * {@link #start} returns (which versions, every engine agrees at init: {@link #replayable}).
 */
public final class FlushEngine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FlushEngine.class);
    /** How long a group may wait for a member before the engine says so. */
    private static final long PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** How often the journal drops cycle files no rank needs (it rolls every five minutes). */
    private static final long TRIM_NANOS = TimeUnit.MINUTES.toNanos(1);
    /** The node whose engine commits versions. */
    static final int COMMITTER = 0;

    /**
     * What the engine needs to know; immutable.
     *
     * @param plan           every group of a version: its ranks and its writer node
     * @param files          files a version has on persistent storage, for the commit
     * @param clusterSize    0 for groups as planned (rank order); else grouping = cluster with groups
     *                       of at most this many ranks (within this node)
     * @param partTimeoutMs  how long a writer waits for another node's part before the group fails
     */
    public record Settings(long session, Topology topology, int ranks, Path scratch, GroupPlan plan, int files,
                           Encoding encoding, int clusterSize, int parallelism, int maxVersions,
                           int persistentIntervalSeconds, boolean flushOnRestart, boolean directIo, long partTimeoutMs,
                           Erasure erasure) {

        int node() {
            return topology.node();
        }
    }

    /**
     * The erasure level (ec_interval &ge; 0); null in {@link Settings} when it is off.
     *
     * @param intervalSeconds ec_interval: 0 = every version, else at most one version per this many seconds
     * @param sets            every node's erasure set (the same on every node); empty when no placement
     *                        was possible: then this engine only serves and rebuilds what earlier launches protected
     * @param host            this node's host name, recorded in the sets' parity headers
     * @param fsync           fsync parity and rebuilt files (scratch_fsync)
     */
    public record Erasure(int intervalSeconds, int parity, List<Placement.PlacedSet> sets, String host, boolean fsync) {
        public Erasure {
            sets = List.copyOf(sets);
        }
    }

    private final Settings settings;
    private final int node;
    private final EventLog journal;
    private final EventLog catalog;
    private final PersistentStore store;
    private final Gate gate;
    private final ScratchScan scan;
    /** This node's ranks → their group, as this node sees it (only its own ranks as members). */
    private final Map<Integer, Group> localGroupOfRank = new HashMap<>();
    private final Map<Integer, Group> wholeGroups = new HashMap<>();
    private final AggregateWriter writer;
    private final ExecutorService codecPool;
    private final Disruptor<FlushSlot> disruptor;
    private final RingBuffer<FlushSlot> ring;
    private final EngineLink link;
    private final Assembler assembler;
    private final Committer committer;
    /** The erasure level on this node; null when ec_interval = -1. */
    private final Protection protection;
    /** This launch's rank files found per version, until every rank of this node has written it (watcher thread). */
    private final Map<Committer.Key, List<ScratchEntry>> towardsNode = new HashMap<>();
    /** Versions whose ec_interval answer the committer has not given yet. */
    private final Map<Committer.Key, List<ScratchEntry>> awaitingProtect = new ConcurrentHashMap<>();
    /** Parts this node encoded and spooled, waiting for their writer to pull them. */
    private final Map<Assembler.Key, Spooled> spooled = new ConcurrentHashMap<>();
    /** Parts held in memory until pulled: at most a quarter of the heap, at most 256 MiB; beyond, spooled to scratch. */
    private final Spool.Budget budget = new Spool.Budget(Math.min(256L << 20, Runtime.getRuntime().maxMemory() / 4));
    /** Jobs held for the committer's persistent_interval answer, then work for the watcher (the ring's one producer). */
    private final Map<Committer.Key, List<FlushJob>> awaitingDue = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Runnable> forWatcher = new ConcurrentLinkedQueue<>();
    /** Versions being replayed at start, completed once committed or failed. */
    private final Map<Committer.Key, CompletableFuture<Void>> replaying = new ConcurrentHashMap<>();
    private final Thread tailer;
    private final CompletableFuture<Void> replayed = new CompletableFuture<>();
    private Set<ReplayKey> agreedReplay = Set.of();
    private List<ScratchEntry> initial = List.of();
    /** Tailer thread only. */
    private long lastOverdueCheck = System.nanoTime();
    private long lastTrim = System.nanoTime();
    private volatile boolean stopping;
    /** Scans of scratch the watcher has finished. */
    private final java.util.concurrent.atomic.AtomicLong scans = new java.util.concurrent.atomic.AtomicLong();
    /** Set by a thread that needs the next pass of the watcher to list scratch (drain at close). */
    private volatile boolean scanNow;
    /** Scratch is listed at least this often, whatever the watch reports (a missed event costs this much). */
    private static final long FALLBACK_SCAN_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    /** The longest the watcher sleeps between two looks at the work left for it. */
    private static final int MAX_IDLE_WAIT_MILLIS = 20;

    private record Spooled(AggregatePart part, Spool spool) {
    }

    /** A group of a version an earlier launch left complete on some node. */
    public record ReplayKey(long session, String name, int version, int group) {
    }

    /**
     * @param engineComm the engines' own communicator (a duplicate every rank made at init)
     */
    public FlushEngine(Settings settings, EventLog journal, EventLog catalog, PersistentStore store, Comm engineComm) {
        this.settings = settings;
        this.node = settings.node();
        this.journal = journal;
        this.catalog = catalog;
        this.store = store;
        Topology topo = settings.topology();
        for (Group g : settings.plan().withMembersOn(topo, node)) {
            int[] local = Arrays.stream(g.members()).filter(r -> topo.nodeOf(r) == node).toArray();
            Group view = new Group(g.id(), g.node(), local);
            for (int r : local) {
                localGroupOfRank.put(r, view);
            }
        }
        settings.plan().groups().forEach(g -> wholeGroups.put(g.id(), g));
        this.gate = new Gate(settings.encoding().scheme(), settings.ranks(), settings.files(), settings.clusterSize(), this::whole);
        this.scan = new ScratchScan(settings.scratch());
        this.codecPool = Executors.newFixedThreadPool(settings.parallelism(), daemon("veloc4j-codec-" + node));
        this.writer = new AggregateWriter(codecPool, settings.parallelism(), settings.encoding().level(), settings.directIo());
        this.link = new EngineLink(engineComm, topo, this::onMessage, settings.partTimeoutMs());
        this.assembler = new Assembler(node, link, this::openAssembly, new Assembler.Outcome() {
            @Override
            public void written(Assembler.Key key, AggregateInfo file) {
                reportWritten(key.name(), key.version(), file);
            }

            @Override
            public void failed(Assembler.Key key, String reason) {
                LOG.warn("flush of '{}' v{} (group {}) into {} failed: {}; the scratch copies are kept", key.name(),
                        key.version(), key.group(), store.versionDir(key.name(), key.version()), reason);
                reportFailed(key.name(), key.version(), key.group(), reason, false);
            }
        }, settings.partTimeoutMs());
        FlushEngine.Erasure ec = settings.erasure();
        this.committer = node == COMMITTER ? new Committer(link, store, catalog, settings.encoding().scheme(), settings.ranks(),
                settings.files(), settings.maxVersions(), settings.persistentIntervalSeconds(),
                ec == null ? -1 : ec.intervalSeconds(), ec == null ? 0 : ec.sets().size()) : null;
        Placement.PlacedSet mine = ec == null ? null
                : ec.sets().stream().filter(x -> Arrays.stream(x.nodeIds()).anyMatch(n -> n == node)).findFirst().orElse(null);
        this.protection = ec == null ? null : new Protection(node, ec.host(), settings.session(), ec.parity(),
                settings.scratch(), link, engineComm, mine, settings.partTimeoutMs());
        // ParkingWaitStrategy: BlockingWaitStrategy busy-spins in stages waiting on an upstream stage
        // (measured: a flush 3.8 s → 0.9 s without it); SleepingWaitStrategy wakes idle stages every ms.
        this.disruptor = new Disruptor<>(FlushSlot::new, 64, daemon("veloc4j-flush-" + node), ProducerType.SINGLE,
                new ParkingWaitStrategy());
        EncodeStage[] workers = new EncodeStage[settings.parallelism()];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new EncodeStage(i, workers.length, node, writer, store, settings.encoding(), this::spoolOf, budget);
        }
        disruptor.setDefaultExceptionHandler(new StageFailure());
        disruptor.handleEventsWith(workers).then(new HandOffStage(this));
        this.ring = disruptor.start();
        this.tailer = daemon("veloc4j-gate-" + node).newThread(this::tail);
        link.start();
    }

    // ---- replay --------------------------------------------------------------------------

    /**
     * What this node could replay: groups whose ranks on this node all have a rank file of one
     * earlier launch on scratch, of versions newer than the newest committed. Called once, at
     * init, before {@link #start}; the engines' lists are then combined ({@link #agree}).
     */
    public byte[] replayable() {
        initial = scan.poll();
        Set<ReplayKey> mine = new HashSet<>();
        if (settings.flushOnRestart() && settings.persistentIntervalSeconds() >= 0) {
            Map<ReplayKey, List<ScratchEntry>> byGroup = new HashMap<>();
            for (ScratchEntry e : initial) {
                Group g = localGroupOfRank.get(e.rank());
                if (g != null && e.session() != settings.session() && e.jobSize() == settings.ranks()) {
                    byGroup.computeIfAbsent(new ReplayKey(e.session(), e.name(), e.version(), g.id()), k -> new ArrayList<>())
                            .add(e);
                }
            }
            Map<String, Integer> newest = new HashMap<>();
            for (Map.Entry<ReplayKey, List<ScratchEntry>> en : byGroup.entrySet()) {
                ReplayKey k = en.getKey();
                Group g = localGroupOfRank.get(en.getValue().get(0).rank());
                if (en.getValue().size() == g.members().length
                        && k.version() > newest.computeIfAbsent(k.name(), store::newestCommitted)) {
                    mine.add(k);
                }
            }
        }
        return encodeKeys(mine);
    }

    /**
     * Keeps the versions every node can replay: for each of the version's groups, every node with
     * ranks in it listed it (with one launch's files). {@code lists}: every rank's
     * {@link #replayable} (empty for ranks that host no engine).
     */
    public void agree(byte[][] lists) {
        Map<ReplayKey, Set<Integer>> nodesWith = new HashMap<>();
        for (int r = 0; r < lists.length; r++) {
            for (ReplayKey k : decodeKeys(lists[r])) {
                nodesWith.computeIfAbsent(k, x -> new HashSet<>()).add(settings.topology().nodeOf(r));
            }
        }
        Map<Committer.Key, Set<ReplayKey>> byVersion = new HashMap<>();
        for (ReplayKey k : nodesWith.keySet()) {
            byVersion.computeIfAbsent(new Committer.Key(k.name(), k.version()), x -> new HashSet<>()).add(k);
        }
        Set<ReplayKey> agreed = new HashSet<>();
        for (Map.Entry<Committer.Key, Set<ReplayKey>> v : byVersion.entrySet()) {
            boolean whole = settings.plan().groups().stream().allMatch(g -> v.getValue().stream().anyMatch(k ->
                    k.group() == g.id() && nodesWith.get(k).containsAll(nodesOf(g))));
            if (whole) {
                agreed.addAll(v.getValue());
            } else {
                LOG.info("node {}: {} v{}, left by an earlier launch, is not complete on the scratch of every node it spans;"
                        + " not flushed", node, v.getKey().name(), v.getKey().version());
            }
        }
        this.agreedReplay = agreed;
    }

    private Set<Integer> nodesOf(Group g) {
        Set<Integer> out = new HashSet<>();
        for (int r : g.members()) {
            out.add(settings.topology().nodeOf(r));
        }
        return out;
    }

    /**
     * Flushes what every engine agreed to replay (waiting until each such version is committed or
     * failed), then watches scratch in the background. Both on the watcher thread, the ring's one
     * producer.
     */
    public void start() {
        tailer.start();
        try {
            replayed.get(2 * settings.partTimeoutMs() + 60_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.error("node {}: replaying what earlier launches left on scratch did not finish: {}", node, e.toString());
        }
    }

    private void replay() {
        Map<ReplayKey, List<ScratchEntry>> byGroup = new TreeMap<>(Comparator.comparing(ReplayKey::name)
                .thenComparingInt(ReplayKey::version).thenComparingInt(ReplayKey::group));
        for (ScratchEntry e : initial) {
            Group g = localGroupOfRank.get(e.rank());
            if (g != null) {
                ReplayKey k = new ReplayKey(e.session(), e.name(), e.version(), g.id());
                if (agreedReplay.contains(k)) {
                    byGroup.computeIfAbsent(k, x -> new ArrayList<>()).add(e);
                }
            }
        }
        List<CompletableFuture<Void>> waits = new ArrayList<>();
        Gate replayGate = new Gate(settings.encoding().scheme(), settings.ranks(), settings.files(), settings.clusterSize(),
                this::whole);
        for (Map.Entry<ReplayKey, List<ScratchEntry>> en : byGroup.entrySet()) {
            ReplayKey k = en.getKey();
            Group g = localGroupOfRank.get(en.getValue().get(0).rank());
            List<FlushJob> jobs = List.of();
            for (ScratchEntry e : en.getValue()) {
                // flushed under this launch's session: its file names are this launch's own
                jobs = replayGate.add(e, g, settings.session(), System.nanoTime());
            }
            for (FlushJob j : jobs) {
                LOG.info("node {}: flushing {}, written to scratch by an earlier launch but never committed", node, j);
                waits.add(replaying.computeIfAbsent(new Committer.Key(j.name(), j.version()), x -> new CompletableFuture<>()));
                publish(j);
            }
        }
        CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)).whenComplete((x, e) -> replayed.complete(null));
    }

    private static byte[] encodeKeys(Set<ReplayKey> keys) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (DataOutputStream o = new DataOutputStream(b)) {
            o.writeInt(keys.size());
            for (ReplayKey k : keys) {
                o.writeLong(k.session());
                o.writeUTF(k.name());
                o.writeInt(k.version());
                o.writeInt(k.group());
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return b.toByteArray();
    }

    private static List<ReplayKey> decodeKeys(byte[] bytes) {
        List<ReplayKey> out = new ArrayList<>();
        if (bytes.length == 0) {
            return out;
        }
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
            int n = in.readInt();
            for (int i = 0; i < n && i < bytes.length; i++) {
                out.add(new ReplayKey(in.readLong(), in.readUTF(), in.readInt(), in.readInt()));
            }
        } catch (IOException e) {
            LOG.warn("a replay list from another engine is malformed ({}); ignored", e.toString());
        }
        return out;
    }

    // ---- watching scratch (the watcher thread, the ring's one producer) --------------------

    private void tail() {
        try {
            replay();
        } catch (RuntimeException | AssertionError e) {
            replayed.completeExceptionally(e);
        }
        int idle = 0;
        boolean changed = true;
        long lastScan = System.nanoTime();
        try {
            while (!stopping) {
                boolean scanned = changed || scanNow || System.nanoTime() - lastScan > FALLBACK_SCAN_NANOS;
                try {
                    if (scanned) {
                        scanNow = false;
                        lastScan = System.nanoTime();
                    }
                    idle = watchOnce(scanned) ? 0 : Math.min(idle + 1, MAX_IDLE_WAIT_MILLIS);
                    if (scanned) {
                        scans.incrementAndGet();
                    }
                } catch (RuntimeException | AssertionError e) {
                    // never let the one thread that finds rank files die: ranks would wait for it forever
                    LOG.error("node {}: the scratch watcher failed ({}); retrying", node, e.toString(), e);
                    idle = MAX_IDLE_WAIT_MILLIS;
                }
                // scratch is listed when a directory it watches changed (a rank file's rename), else
                // every FALLBACK_SCAN_NANOS; in between the thread wakes at most every 20 ms for the
                // work other threads leave it
                changed = scan.awaitChange(idle);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            scan.close();
        }
    }

    /** One pass over the work other threads left for the watcher and, if {@code scanned}, over scratch; whether there was any. */
    private boolean watchOnce(boolean scanned) {
        boolean any = false;
        for (Runnable r = forWatcher.poll(); r != null; r = forWatcher.poll()) {
            r.run();
            any = true;
        }
        List<ScratchEntry> found = scanned ? scan.poll() : List.of();
        long now = System.nanoTime();
        for (ScratchEntry e : found) {
            Group g = localGroupOfRank.get(e.rank());
            if (g != null && e.session() == settings.session()) {
                gate.add(e, g, settings.session(), now).forEach(this::release);
                if (protection != null) {
                    towardNode(e);
                }
            }
        }
        if (now - lastTrim > TRIM_NANOS) {
            lastTrim = now;
            trimJournal();
        }
        if (now - lastOverdueCheck > TimeUnit.SECONDS.toNanos(1)) {
            lastOverdueCheck = now;
            gate.reportOverdue(now, PATIENCE_NANOS, node);
            for (Gate.Abandoned a : gate.abandon(now, PATIENCE_NANOS)) {
                LOG.warn("node {}: {}", node, a.reason());
                Announce.to(journal, new Event.FlushFailed(a.key().session(), a.key().name(), a.key().version(),
                        a.key().group(), a.members(), a.reason()));
            }
            assembler.expire(now);
        }
        return any || !found.isEmpty();
    }

    /**
     * The erasure level acts on whole nodes: once every rank of this node has written a version,
     * it is protected (ec_interval 0) or the committer says whether it is due, so that every
     * member of a set protects the same versions.
     */
    private void towardNode(ScratchEntry e) {
        Committer.Key k = new Committer.Key(e.name(), e.version());
        List<ScratchEntry> seen = towardsNode.computeIfAbsent(k, x -> new ArrayList<>());
        seen.add(e);
        if (seen.size() < settings.topology().nodeSize()) {
            if (towardsNode.size() > 1024) { // versions some rank never finished: forget the oldest
                towardsNode.keySet().stream().min(Comparator.comparingInt(Committer.Key::version)).ifPresent(towardsNode::remove);
            }
            return;
        }
        towardsNode.remove(k);
        int interval = settings.erasure().intervalSeconds();
        if (interval == 0) {
            protection.nodeComplete(e.name(), e.version(), seen);
        } else {
            awaitingProtect.put(k, seen);
            try {
                link.send(COMMITTER, new EngineMessage.DueQuery(e.name(), e.version(), node, EngineMessage.ERASURE));
            } catch (CommException x) {
                awaitingProtect.remove(k);
                LOG.warn("node {}: cannot ask the committer whether {} v{} is due for erasure coding ({}); not protected",
                        node, e.name(), e.version(), x.getMessage());
            }
        }
    }

    /** Journal records of versions no rank keeps on scratch any more have been read: their cycle files go. */
    private void trimJournal() {
        Map<String, Integer> oldest = scan.oldestVersions();
        int deleted = journal.trim(e -> {
            Integer keep = oldest.get(e.name());
            return keep != null && e.version() >= keep;
        });
        if (deleted > 0) {
            LOG.debug("node {}: deleted {} journal cycle file(s) no rank needs", node, deleted);
        }
    }

    /**
     * persistent_interval: with 0 every version flushes, with -1 none; otherwise the committer
     * decides once per version, so every node flushes the same versions.
     */
    private void release(FlushJob job) {
        int interval = settings.persistentIntervalSeconds();
        if (interval == 0) {
            publish(job);
        } else if (interval < 0) {
            skip(job);
        } else {
            Committer.Key k = new Committer.Key(job.name(), job.version());
            boolean first = !awaitingDue.containsKey(k);
            awaitingDue.computeIfAbsent(k, x -> new ArrayList<>()).add(job);
            if (first) {
                try {
                    link.send(COMMITTER, new EngineMessage.DueQuery(job.name(), job.version(), node, EngineMessage.FLUSH));
                } catch (CommException e) {
                    LOG.warn("node {}: cannot ask the committer whether {} is due ({}); it stays on scratch", node, job,
                            e.getMessage());
                    awaitingDue.remove(k).forEach(this::skip);
                }
            }
        }
    }

    private void skip(FlushJob job) {
        Announce.to(journal, new Event.Skipped(job.session(), job.name(), job.version(), job.group(), job.members()));
    }

    private void publish(FlushJob job) {
        long seq = ring.next();
        try {
            ring.get(seq).reset(job, null);
        } finally {
            ring.publish(seq);
        }
    }

    /** Completes a gate group into a job: the whole group's ranks, writer and other nodes. */
    private FlushJob whole(long session, String name, int version, int group, int[] members,
                           List<AggregateWriter.Source> sources) {
        Group g = wholeGroups.get(group);
        Set<Integer> others = new java.util.TreeSet<>();
        int writerNode = node;
        int[] all = members;
        if (g != null && settings.clusterSize() == 0) {
            writerNode = g.node();
            all = g.members();
            for (int r : g.members()) {
                int n = settings.topology().nodeOf(r);
                if (n != writerNode) {
                    others.add(n);
                }
            }
            if (writerNode != node) {
                others.remove(node);
            }
        }
        int[] partNodes = writerNode == node ? others.stream().mapToInt(Integer::intValue).toArray() : new int[0];
        return new FlushJob(session, name, version, group, members, sources, settings.files(), settings.ranks(),
                settings.encoding().scheme(), all, writerNode, partNodes);
    }

    // ---- after encoding (the hand-off stage) ------------------------------------------------

    /** Where this node spools its part of a group for the writer to pull. */
    private Path spoolOf(FlushJob job) {
        return settings.scratch().resolve(".veloc4j").resolve("spool").resolve(Long.toHexString(settings.session()))
                .resolve(job.name() + "-" + job.version() + "-g" + job.group() + ".part");
    }

    /** A whole group written here (all its ranks on this node). */
    void groupWritten(FlushJob job, AggregateInfo file) {
        Announce.to(catalog, persisted(job.session(), job.name(), job.version(), file));
        reportWritten(job.name(), job.version(), file);
    }

    /** This node's ranks are encoded into the file of a group it writes: the other nodes' parts follow. */
    void ownPartIn(FlushJob job, AggregateAssembly assembly) {
        assembler.ownPartIn(new Assembler.Key(job.name(), job.version(), job.group()), job.partNodes(), assembly);
    }

    /** This node's part of a group another node writes is spooled: tell the writer. */
    void partSpooled(FlushJob job, AggregatePart part, Spool spool) {
        Assembler.Key k = new Assembler.Key(job.name(), job.version(), job.group());
        spooled.put(k, new Spooled(part, spool));
        try {
            link.send(job.writerNode(), new EngineMessage.PartReady(job.name(), job.version(), job.group(), node));
        } catch (CommException e) {
            spooled.remove(k);
            spool.release();
            LOG.warn("node {}: cannot tell node {} that its part of {} is ready: {}", node, job.writerNode(), job, e.getMessage());
        }
    }

    /** This node's share of a group failed (or the version was committed before). */
    void jobFailed(FlushJob job, String reason, boolean alreadyCommitted) {
        if (!alreadyCommitted) {
            LOG.warn("flush of '{}' v{} (group {}, ranks {}) into {} failed: {}; the scratch copies are kept and later "
                    + "checkpoints try again", job.name(), job.version(), job.group(), Arrays.toString(job.members()),
                    store.versionDir(job.name(), job.version()), reason);
        }
        if (job.writesHere(node)) {
            reportFailed(job.name(), job.version(), job.group(), reason, alreadyCommitted);
        } else {
            try {
                if (alreadyCommitted) {
                    link.send(COMMITTER, new EngineMessage.GroupFailed(job.name(), job.version(), job.group(), reason, true));
                } else {
                    link.send(job.writerNode(), new EngineMessage.PartFailed(job.name(), job.version(), job.group(), node,
                            reason));
                }
            } catch (CommException e) {
                LOG.warn("node {}: cannot report that {} failed ({}): {}", node, job, reason, e.getMessage());
            }
        }
    }

    private AggregateAssembly openAssembly(Assembler.Key key) throws LevelException {
        Group g = wholeGroups.get(key.group());
        String file = PersistentStore.fileName(settings.encoding().scheme(), key.group(), g.members()[0], settings.session());
        return writer.assemble(store.versionDir(key.name(), key.version()), file, settings.encoding(), key.group(),
                key.version(), 64L << 20);
    }

    private void reportWritten(String name, int version, AggregateInfo file) {
        try {
            link.send(COMMITTER, new EngineMessage.GroupWritten(name, version, file));
        } catch (CommException e) {
            LOG.warn("node {}: cannot report {} v{} group {} to the committer: {}", node, name, version, file.group(),
                    e.getMessage());
        }
    }

    private void reportFailed(String name, int version, int group, String reason, boolean alreadyCommitted) {
        try {
            link.send(COMMITTER, new EngineMessage.GroupFailed(name, version, group, reason, alreadyCommitted));
        } catch (CommException e) {
            LOG.warn("node {}: cannot report that {} v{} group {} failed: {}", node, name, version, group, e.getMessage());
        }
    }

    private Event.Persisted persisted(long session, String name, int version, AggregateInfo f) {
        int[] members = f.members().stream().mapToInt(io.veloc4j.levels.persistent.Member::rank).toArray();
        return new Event.Persisted(session, name, version, f.group(), members, f.file(), f.rawBytes(), f.storedBytes(),
                settings.encoding().scheme().label());
    }

    // ---- messages from the other engines (the link's receiver thread) -----------------------

    private void onMessage(EngineMessage m) {
        if (protection != null && protection.onMessage(m)) {
            return;
        }
        if (m instanceof EngineMessage.EcDone d && committer != null) {
            committer.protectedPiece(d);
        } else if (m instanceof EngineMessage.DueAnswer a && a.kind() == EngineMessage.ERASURE) {
            List<ScratchEntry> files = awaitingProtect.remove(new Committer.Key(a.name(), a.version()));
            if (files != null && a.due() && protection != null) {
                protection.nodeComplete(a.name(), a.version(), files);
            }
        } else if (m instanceof EngineMessage.PartReady p) {
            Group g = wholeGroups.get(p.group());
            if (g == null) {
                return;
            }
            int[] others = nodesOf(g).stream().filter(n -> n != node).mapToInt(Integer::intValue).sorted().toArray();
            assembler.partReady(new Assembler.Key(p.name(), p.version(), p.group()), p.node(), others,
                    nodesOf(g).contains(node));
        } else if (m instanceof EngineMessage.PartFailed p) {
            assembler.partFailed(new Assembler.Key(p.name(), p.version(), p.group()), p.node(), p.reason());
        } else if (m instanceof EngineMessage.Pull p) {
            Assembler.Key k = new Assembler.Key(p.name(), p.version(), p.group());
            Spooled s = spooled.remove(k);
            link.serve(p.node(), p.tag(), s == null ? null : s.part(), s == null ? null : s.spool(),
                    "node " + node + " has no spooled part of " + p.name() + " v" + p.version() + " group " + p.group(),
                    () -> {
                        if (s != null) {
                            s.spool().release();
                        }
                    });
        } else if (m instanceof EngineMessage.GroupWritten w && committer != null) {
            committer.written(w.name(), w.version(), w.file());
        } else if (m instanceof EngineMessage.GroupFailed f && committer != null) {
            committer.failed(f.name(), f.version(), f.group(), f.reason(), f.committed());
        } else if (m instanceof EngineMessage.DueQuery q && committer != null) {
            boolean due = committer.due(q.name(), q.version(), q.kind());
            try {
                link.send(q.node(), new EngineMessage.DueAnswer(q.name(), q.version(), due, q.kind()));
            } catch (CommException e) {
                LOG.warn("node {}: cannot answer node {}: {}", node, q.node(), e.getMessage());
            }
        } else if (m instanceof EngineMessage.DueAnswer a && a.kind() == EngineMessage.FLUSH) {
            List<FlushJob> jobs = awaitingDue.remove(new Committer.Key(a.name(), a.version()));
            if (jobs != null) {
                forWatcher.add(() -> jobs.forEach(a.due() ? this::publish : this::skip));
            }
        } else if (m instanceof EngineMessage.Committed c) {
            for (AggregateInfo f : c.files()) {
                if (f.members().stream().anyMatch(x -> settings.topology().nodeOf(x.rank()) == node)) {
                    Announce.to(journal, persisted(settings.session(), c.name(), c.version(), f));
                }
            }
            done(c.name(), c.version());
        } else if (m instanceof EngineMessage.VersionFailed f) {
            Set<Integer> seen = new HashSet<>();
            for (Group g : localGroupOfRank.values()) {
                if (seen.add(g.id())) {
                    Announce.to(journal, new Event.FlushFailed(settings.session(), f.name(), f.version(), g.id(), g.members(),
                            f.reason()));
                }
            }
            Announce.to(catalog, new Event.FlushFailed(settings.session(), f.name(), f.version(), -1, new int[0], f.reason()));
            done(f.name(), f.version());
        }
    }

    private void done(String name, int version) {
        CompletableFuture<Void> f = replaying.remove(new Committer.Key(name, version));
        if (f != null) {
            f.complete(null);
        }
    }

    /** Deletes the part spools of earlier launches under {@code scratch} (their writers are gone). */
    public static void deleteOtherSpools(Path scratch, long session) {
        Path root = scratch.resolve(".veloc4j").resolve("spool");
        String mine = Long.toHexString(session);
        try (java.nio.file.DirectoryStream<Path> ds = java.nio.file.Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                if (!p.getFileName().toString().equals(mine)) {
                    try (java.util.stream.Stream<Path> all = java.nio.file.Files.walk(p)) {
                        all.sorted(Comparator.reverseOrder()).forEach(FileIo::deleteQuietly);
                    }
                }
            }
        } catch (IOException e) {
            // no spools yet
        }
    }

    /** Bytes this engine sent to and received from the other engines (control messages and parts). */
    public long bytesSent() {
        return link.bytesSent();
    }

    public long bytesReceived() {
        return link.bytesReceived();
    }

    // ---- the erasure level, for restartTest and close ---------------------------------------

    /** Whether the erasure level is on (ec_interval &ge; 0). */
    public boolean erasure() {
        return protection != null;
    }

    /** The parity this node holds of {@code name}, encoded for the collective at restartTest ({@link #decodeHoldings}). */
    public byte[] erasureHoldings(String name) {
        return protection == null ? new byte[0] : protection.holdings(name);
    }

    /** The parity headers in another node's {@link #erasureHoldings}; {@code from} names it in warnings. */
    public static List<io.veloc4j.levels.erasure.ParityHeader> decodeHoldings(byte[] holdings, String from) {
        return Protection.decodeHoldings(holdings, from);
    }

    /**
     * Rebuilds member {@code member} of {@code set} (this node's ranks) into its scratch from the other members' symbols
     * (collective in spirit: the other engines must be up, serving).
     *
     * @param unavailable members known to have lost the version too
     */
    public RebuildReport rebuild(ErasureSet set, int member, java.util.Collection<Integer> unavailable, boolean fsync)
            throws LevelException {
        if (protection == null) {
            throw new LevelException("node " + node + ": the erasure level is off (ec_interval = -1)");
        }
        return protection.rebuild(set, member, unavailable, fsync);
    }

    /** Waits until every erasure pass this node started is done (at close, before the engines stop). */
    public void drainErasure(long timeoutMillis) {
        if (protection == null) {
            return;
        }
        long deadline = System.currentTimeMillis() + timeoutMillis;
        // the watcher finds the last rank files within a scan: wait for two, and for the committer's answers
        long seen = scans.get();
        while ((scans.get() < seen + 2 || !awaitingProtect.isEmpty()) && System.currentTimeMillis() < deadline
                && tailer.isAlive()) {
            scanNow = true;
            sleepMicros(1000);
        }
        protection.drain(Math.max(0, deadline - System.currentTimeMillis()));
        if (committer != null) {
            // the other nodes' reports are on their way (they drain too): record what they complete
            long until = Math.min(deadline, System.currentTimeMillis() + 10_000);
            for (Protection.Key k : protection.protectedHere()) {
                while (!committer.protectionSettled(k.name(), k.version()) && System.currentTimeMillis() < until) {
                    sleepMicros(1000);
                }
            }
        }
    }

    /** Stops watching, waits for the jobs already on the ring, stops talking. */
    @Override
    public void close() {
        stopping = true;
        try {
            tailer.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        disruptor.shutdown();
        codecPool.shutdown();
        assembler.close();
        if (protection != null) {
            protection.close();
        }
        link.close();
        spooled.values().forEach(s -> s.spool().release());
    }

    private static void sleepMicros(long micros) {
        try {
            TimeUnit.MICROSECONDS.sleep(micros);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.getAndIncrement());
            t.setDaemon(true);
            return t;
        };
    }
}
