package io.veloc4j.flush;

import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import io.veloc4j.levels.catalog.Event;
import io.veloc4j.levels.catalog.EventLog;
import io.veloc4j.levels.persistent.AggregateWriter;
import io.veloc4j.levels.persistent.Encoding;
import io.veloc4j.levels.persistent.Group;
import io.veloc4j.levels.persistent.GroupPlan;
import io.veloc4j.levels.persistent.PersistentStore;
import io.veloc4j.levels.scratch.ScratchEntry;
import io.veloc4j.levels.scratch.ScratchScan;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A node's background engine: watches the node's scratch for rank files, and for every group whose
 * members have all written a version runs gate → aggregate (encode + write, {@code max_parallelism}
 * workers) → commit → prune on a Disruptor ring. Only background threads; the application never
 * waits for it unless it asks to (checkpointWait, mode = sync, back-pressure).
 *
 * <p>A rank file's final rename is the record that its rank finished the version: the engine finds
 * it by listing scratch ({@link ScratchScan}), whichever process wrote it, so no record can be lost
 * or wait behind a lock. The engine is the only writer of the node's journal, where it tells the
 * ranks how their flushes ended.
 *
 * <p>At start it replays what earlier launches left: groups complete on scratch, written by one
 * launch, newer than the newest committed version and never committed are flushed before
 * {@link #start} returns.
 */
public final class FlushEngine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FlushEngine.class);
    /** How long a group may wait for a member before the engine says so. */
    private static final long PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** How often the journal drops cycle files no rank needs (it rolls every five minutes). */
    private static final long TRIM_NANOS = TimeUnit.MINUTES.toNanos(1);

    /**
     * What the engine needs to know; immutable.
     *
     * @param plan        the groups the gate waits for (this node's are the ones it flushes)
     * @param files       files a version has on persistent storage (all nodes), for the commit
     * @param clusterSize 0 for groups as planned (rank order); else grouping = cluster with groups
     *                    of at most this many ranks
     */
    public record Settings(long session, int node, int ranks, Path scratch, GroupPlan plan, int files, Encoding encoding,
                           int clusterSize, int parallelism, int maxVersions, int persistentIntervalSeconds,
                           boolean flushOnRestart, boolean directIo) {
    }

    private final Settings settings;
    private final EventLog journal;
    private final EventLog catalog;
    private final PersistentStore store;
    private final Gate gate;
    private final ScratchScan scan;
    private final Map<Integer, Group> groupOfRank = new HashMap<>();
    private final ExecutorService codecPool;
    private final Disruptor<FlushSlot> disruptor;
    private final RingBuffer<FlushSlot> ring;
    private final Map<String, Long> lastFlush = new HashMap<>();
    private final Map<String, Integer> flushedVersion = new HashMap<>();
    private final Thread tailer;
    private final CompletableFuture<Void> replayed = new CompletableFuture<>();
    /** Tailer thread only. */
    private long lastOverdueCheck = System.nanoTime();
    private long lastTrim = System.nanoTime();
    private volatile boolean stopping;

    public FlushEngine(Settings settings, EventLog journal, EventLog catalog, PersistentStore store) {
        this.settings = settings;
        this.journal = journal;
        this.catalog = catalog;
        this.store = store;
        this.gate = new Gate(settings.encoding().scheme(), settings.ranks(), settings.files(), settings.clusterSize());
        this.scan = new ScratchScan(settings.scratch());
        for (Group g : settings.plan().onNode(settings.node())) {
            for (int r : g.members()) {
                groupOfRank.put(r, g);
            }
        }
        this.codecPool = Executors.newFixedThreadPool(settings.parallelism(), daemon("veloc4j-codec-" + settings.node()));
        // ParkingWaitStrategy: BlockingWaitStrategy busy-spins in stages waiting on an upstream stage
        // (measured: a flush 3.8 s → 0.9 s without it); SleepingWaitStrategy wakes idle stages every ms.
        this.disruptor = new Disruptor<>(FlushSlot::new, 64, daemon("veloc4j-flush-" + settings.node()),
                ProducerType.SINGLE, new ParkingWaitStrategy());
        AggregateWriter writer = new AggregateWriter(codecPool, settings.parallelism(), settings.encoding().level(),
                settings.directIo());
        AggregateStage[] workers = new AggregateStage[settings.parallelism()];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new AggregateStage(i, workers.length, writer, store, settings.encoding());
        }
        disruptor.setDefaultExceptionHandler(new StageFailure());
        disruptor.handleEventsWith(workers)
                .then(new CommitStage(journal, catalog, store))
                .then(new PruneStage(store, catalog, settings.maxVersions()));
        this.ring = disruptor.start();
        this.tailer = daemon("veloc4j-gate-" + settings.node()).newThread(this::tail);
    }

    /**
     * Replays what earlier launches left on scratch (waiting until that is flushed), then watches
     * scratch in the background. Both on the watcher thread: the ring has one producer.
     */
    public void start() {
        tailer.start();
        try {
            replayed.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            LOG.error("node {}: replaying what earlier launches left on scratch failed: {}", settings.node(), e.getCause().toString());
        }
    }

    /**
     * Flushes the groups an earlier launch completed on scratch but never committed. Only versions
     * newer than the newest committed one: an older one can never be the newest restorable version,
     * and it may be one that max_versions pruned on purpose. All members must come from one launch.
     * Nothing with persistent_interval = -1 (scratch only).
     */
    private void replay(List<ScratchEntry> found) {
        Map<Gate.Key, List<ScratchEntry>> byGroup = new TreeMap<>(java.util.Comparator.comparing(Gate.Key::name)
                .thenComparingInt(Gate.Key::version).thenComparingLong(Gate.Key::session).thenComparingInt(Gate.Key::group));
        for (ScratchEntry e : found) {
            Group g = groupOfRank.get(e.rank());
            if (g != null && e.session() != settings.session() && e.jobSize() == settings.ranks()) {
                byGroup.computeIfAbsent(new Gate.Key(e.session(), e.name(), e.version(), g.id()), k -> new ArrayList<>()).add(e);
            }
        }
        if (!settings.flushOnRestart() || settings.persistentIntervalSeconds() < 0 || byGroup.isEmpty()) {
            return;
        }
        Gate replayGate = new Gate(settings.encoding().scheme(), settings.ranks(), settings.files(), settings.clusterSize());
        Map<String, Integer> newest = new HashMap<>();
        List<CompletableFuture<Void>> waits = new ArrayList<>();
        for (Map.Entry<Gate.Key, List<ScratchEntry>> en : byGroup.entrySet()) {
            Gate.Key k = en.getKey();
            int committed = newest.computeIfAbsent(k.name(), store::newestCommitted);
            if (k.version() <= committed) {
                continue;
            }
            Group g = groupOfRank.get(en.getValue().get(0).rank());
            if (en.getValue().size() < g.members().length) {
                continue; // a member's file is missing, or from another launch: that launch died mid-version
            }
            List<FlushJob> jobs = List.of();
            for (ScratchEntry e : en.getValue()) {
                // flushed under this launch's session: its file names are this launch's own
                jobs = replayGate.add(e, g, settings.session(), System.nanoTime());
            }
            for (FlushJob j : jobs) {
                LOG.info("node {}: flushing {}, written to scratch by an earlier launch but never committed", settings.node(), j);
                waits.add(publish(j));
            }
        }
        waits.forEach(CompletableFuture::join);
    }

    private void tail() {
        try {
            replay(scan.poll());
            replayed.complete(null);
        } catch (RuntimeException | AssertionError e) {
            replayed.completeExceptionally(e);
        }
        int idle = 0;
        while (!stopping) {
            try {
                idle = watchOnce() ? 0 : Math.min(idle + 1, 50);
            } catch (RuntimeException | AssertionError e) {
                // never let the one thread that finds rank files die: ranks would wait for it forever
                LOG.error("node {}: the scratch watcher failed ({}); retrying", settings.node(), e.toString(), e);
                idle = 50;
            }
            // a rank file is found within a poll; back off to at most 5 ms when idle, so the scan
            // runs 200 times a second while the application computes (a few directory reads each)
            sleepMicros(idle * 100L + 50);
        }
    }

    /** One scan of scratch: gates what it found; returns whether it found anything. */
    private boolean watchOnce() {
        List<ScratchEntry> found = scan.poll();
        long now = System.nanoTime();
        for (ScratchEntry e : found) {
            Group g = groupOfRank.get(e.rank());
            if (g != null && e.session() == settings.session()) {
                gate.add(e, g, settings.session(), now).forEach(this::release);
            }
        }
        if (now - lastTrim > TRIM_NANOS) {
            lastTrim = now;
            trimJournal();
        }
        if (now - lastOverdueCheck > TimeUnit.SECONDS.toNanos(1)) {
            lastOverdueCheck = now;
            gate.reportOverdue(now, PATIENCE_NANOS, settings.node());
            for (Gate.Abandoned a : gate.abandon(now, PATIENCE_NANOS)) {
                LOG.warn("node {}: {}", settings.node(), a.reason());
                Announce.to(journal, new Event.FlushFailed(a.key().session(), a.key().name(), a.key().version(),
                        a.key().group(), a.members(), a.reason()));
            }
        }
        return !found.isEmpty();
    }

    /** Journal records of versions no rank keeps on scratch any more have been read: their cycle files go. */
    private void trimJournal() {
        Map<String, Integer> oldest = scan.oldestVersions();
        int deleted = journal.trim(e -> {
            Integer keep = oldest.get(e.name());
            return keep != null && e.version() >= keep;
        });
        if (deleted > 0) {
            LOG.debug("node {}: deleted {} journal cycle file(s) no rank needs", settings.node(), deleted);
        }
    }

    /**
     * persistent_interval: a version flushes only if the last flushed version of that name is old
     * enough (-1: never). Decided once per version, so every group of a due version flushes.
     */
    private void release(FlushJob job) {
        long now = System.nanoTime();
        Long last = lastFlush.get(job.name());
        int interval = settings.persistentIntervalSeconds();
        boolean due = interval == 0 || (interval > 0 && (last == null || now - last >= TimeUnit.SECONDS.toNanos(interval)));
        Integer decided = flushedVersion.get(job.name());
        if (decided != null && decided == job.version()) {
            due = true;
        }
        if (!due) {
            Announce.to(journal, new Event.Skipped(job.session(), job.name(), job.version(), job.group(), job.members()));
            return;
        }
        if (decided == null || decided != job.version()) {
            lastFlush.put(job.name(), now);
            flushedVersion.put(job.name(), job.version());
        }
        publish(job);
    }

    private CompletableFuture<Void> publish(FlushJob job) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        long seq = ring.next();
        try {
            ring.get(seq).reset(job, done);
        } finally {
            ring.publish(seq);
        }
        return done;
    }

    /** Stops tailing and waits for the jobs already on the ring. */
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
    }

    private static void sleepMicros(long micros) {
        try {
            TimeUnit.MICROSECONDS.sleep(micros);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.getAndIncrement());
            t.setDaemon(true);
            return t;
        };
    }
}
