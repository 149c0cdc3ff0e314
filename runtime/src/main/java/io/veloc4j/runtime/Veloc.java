package io.veloc4j.runtime;

import io.veloc4j.VelocException;
import io.veloc4j.comm.Comm;
import io.veloc4j.comm.LocalComm;
import io.veloc4j.comm.MpiComm;
import io.veloc4j.comm.Topology;
import io.veloc4j.config.Mode;
import io.veloc4j.config.VelocConfig;
import io.veloc4j.flush.FlushEngine;
import io.veloc4j.levels.catalog.EventLog;
import io.veloc4j.levels.catalog.NodeJournal;
import io.veloc4j.levels.persistent.GroupPlan;
import io.veloc4j.levels.persistent.Encoding;
import io.veloc4j.levels.codec.CodecKind;
import io.veloc4j.config.CodecChoice;
import io.veloc4j.config.Grouping;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.Locale;
import io.veloc4j.levels.persistent.PersistentLevel;
import io.veloc4j.levels.persistent.PersistentStore;
import io.veloc4j.levels.persistent.Scheme;
import io.veloc4j.levels.Level;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.RankCheckpoint;
import io.veloc4j.levels.Region;
import io.veloc4j.levels.Variable;
import io.veloc4j.levels.scratch.RankFileInfo;
import io.veloc4j.levels.scratch.RankFileWriter;
import io.veloc4j.levels.scratch.ScratchLevel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The veloc4j client, one per rank: protect memory, checkpoint it under a name and version,
 * restart from the newest version every rank can restore. In the spirit of VELOC's API:
 *
 * <pre>{@code
 * try (Veloc veloc = Veloc.init(Path.of("veloc.cfg"), comm)) {
 *     veloc.protect(0, "h", h);
 *     veloc.protect(1, "step", step);
 *     int v = veloc.restartTest("heat");
 *     if (v >= 0) veloc.restart("heat", v);
 *     for (...) { compute(); if (i % 10 == 0) veloc.checkpoint("heat", i); }
 * }
 * }</pre>
 *
 * Collective calls ({@link #init}, {@link #restartTest}) must be made by every rank. Not
 * thread-safe: one application thread per rank uses its client.
 */
public final class Veloc implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Veloc.class);

    private final VelocConfig config;
    private final Comm comm;
    /** The engines' own communicator (every rank holds a copy; only engine ranks talk on it). */
    private final Comm engineComm;
    private final Topology topology;
    private final ScratchLevel scratch;
    private final PersistentStore store;
    /** What persistent storage holds, read by rank 0 at restartTest and shared. */
    private final SharedManifests manifests;
    private final List<Level> levels;
    private final Scheme scheme;
    /** The files a version has on persistent storage, one per group. */
    private final GroupPlan files;
    /** The groups the engine waits for: the file groups, or whole nodes when grouping = cluster. */
    private final GroupPlan plan;
    private final long session;
    /** This node's journal: the engine's writer on the engine's rank, else null. */
    private final EventLog journal;
    /** This rank's reader of the node journal (opened once the engine has created it). */
    private EventLog journalReader;
    private PersistTracker tracker;
    private final EventLog catalog;
    private final FlushEngine engine;
    /** Per checkpoint name: the version the erasure level rebuilt this rank's file of (restart reports level "erasure"). */
    private final Map<String, Integer> rebuilt = new HashMap<>();
    private final Map<Integer, Protected> regions = new TreeMap<>();
    private final Map<String, Map<Path, Integer>> routedFiles = new LinkedHashMap<>();
    private RestartSession restart;
    private boolean closed;
    /** Per name, the highest version this client checkpointed or restored: versions must increase. */
    private final Map<String, Integer> newest = new HashMap<>();
    /** The checkpoint between checkpointBegin and checkpointEnd, or null. */
    private Begun begun;
    /** The checkpoint staged in memory whose scratch write is running in the background, or null. */
    private StagedWrite staged;

    /** A staged checkpoint on its way to scratch (staging_budget). */
    private record StagedWrite(String name, int version, java.util.concurrent.CompletableFuture<RankFileInfo> written) {
    }
    /** What the last recoverMem restored, until restartEnd. */
    private Restored recovered;
    /** Bytes of each version handed to the engine, for the progress of the drain at close. */
    private final Map<PersistTracker.Key, Long> announced = new HashMap<>();

    /** A checkpoint opened by checkpointBegin; {@code written} once checkpointMem wrote it. */
    private static final class Begun {
        final String name;
        final int version;
        RankFileInfo written;

        Begun(String name, int version) {
            this.name = name;
            this.version = version;
        }
    }

    private Veloc(VelocConfig config, Comm comm, Comm engineComm, Topology topology, long session,
                  FlushEngine.Erasure erasure) throws VelocException {
        this.config = config;
        this.comm = comm;
        this.engineComm = engineComm;
        this.topology = topology;
        this.session = session;
        this.scratch = new ScratchLevel(config.scratch(topology.node()), comm.rank(), comm.size(), config.chksum(),
                config.scratchFsync(), session, config.scratchRecycle());
        this.store = new PersistentStore(config.persistent());
        this.manifests = new SharedManifests(comm, store);
        this.levels = List.of(scratch, new PersistentLevel(store, manifests, scratch, comm.rank(), config.maxParallelism()));
        this.scheme = Scheme.ofLabel(config.aggregationScheme().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        boolean cluster = config.grouping() == Grouping.CLUSTER && scheme != Scheme.NONE;
        // groups span nodes, except with grouping = cluster, where a node's engine groups its own ranks by their data
        this.files = cluster ? GroupPlan.withinNodes(topology, scheme, config.groupSize())
                : GroupPlan.byRank(topology, scheme, config.groupSize());
        this.plan = cluster ? GroupPlan.byNode(topology, files) : files;
        Encoding encoding = new Encoding(scheme, config.codec() == CodecChoice.AUTO ? null
                : CodecKind.ofLabel(config.codec().name().toLowerCase(Locale.ROOT)), config.blockSize(), config.compressionLevel(),
                config.chunkRankCut());
        io.veloc4j.levels.NativeLibraries.unpackUnder(scratch.root().resolve(".veloc4j").resolve("native"));
        EventLog jour = null;
        EventLog cat = null;
        FlushEngine eng = null;
        try {
            if (topology.nodeRank() == 0) {
                // the engine is the only writer of its node's journal and of its own catalog queue
                NodeJournal.deleteOtherLaunches(scratch.root(), session);
                ScratchLevel.deleteKeptFilesOfOtherLaunches(scratch.root(), session);
                jour = EventLog.open(NodeJournal.dir(scratch.root(), session, topology.node()));
                cat = EventLog.open(catalogDir(config, topology.node(), session));
                FlushEngine.deleteOtherSpools(scratch.root(), session);
                eng = new FlushEngine(new FlushEngine.Settings(session, topology, comm.size(), scratch.root(), plan,
                        files.count(), encoding, cluster ? config.groupSize() : 0, config.maxParallelism(),
                        config.maxVersions(), config.persistentInterval(), config.flushOnRestart(),
                        config.directIo(), config.flushTimeout() * 1000L, erasure), jour, cat, store, engineComm);
            }
        } catch (VelocException | RuntimeException e) {
            if (jour != null) {
                jour.close();
            }
            if (cat != null) {
                cat.close();
            }
            throw e;
        }
        this.journal = jour;
        this.catalog = cat;
        this.engine = eng;
    }

    /**
     * A node's own catalog queue for this launch, {@code <meta>/catalog/<host>-n<node>-<session>/}:
     * files on shared storage are written by one host each (Chronicle's mapped files are not
     * coherent across NFS or Lustre clients), and a relaunch never appends to a queue a killed
     * launch may have left locked or half-written. {@code ls} merges them; the MANIFESTs are the truth.
     */
    static Path catalogDir(VelocConfig config, int node, long session) {
        return config.meta().resolve("catalog")
                .resolve(io.veloc4j.config.HostName.get() + "-n" + node + "-" + Long.toHexString(session));
    }

    /** After the engines have created their journals: this rank starts reading its node's. */
    private void attachJournal() throws VelocException {
        this.journalReader = EventLog.openReader(NodeJournal.dir(scratch.root(), session, topology.node()));
        this.tracker = new PersistTracker(journalReader, session, comm.rank());
    }

    /** Collective over {@code appComm}: veloc4j's own traffic goes over a duplicate of it. */
    public static Veloc init(VelocConfig config, Comm appComm) throws VelocException {
        JvmFlags.require();
        Comm dup = appComm.dup();
        try {
            checkAtInit(config, dup);
            Topology topology = Topology.of(dup, config.virtualNodes());
            // one id per launch, so that a relaunch never mixes its records with a dead launch's
            long mine = dup.rank() == 0 ? (System.currentTimeMillis() << 16) ^ new java.util.Random().nextInt(1 << 16) : Long.MIN_VALUE;
            long session = dup.allreduce(mine, Comm.ReduceOp.MAX);
            FlushEngine.Erasure erasure = ErasureSets.plan(config, dup, topology, session);
            Comm engines = dup.dup();
            Veloc v;
            try {
                v = new Veloc(config, dup, engines, topology, session, erasure);
            } catch (VelocException | RuntimeException e) {
                engines.close();
                throw e;
            }
            try {
                // engines agree on what a dead launch left complete on every node's scratch, and
                // flush it before anyone restarts
                byte[][] replayable = dup.allgatherBytes(v.engine != null ? v.engine.replayable() : new byte[0]);
                if (v.engine != null) {
                    v.engine.agree(replayable);
                    // before this engine writes: what a flush killed mid-write left behind on this host
                    List<Path> removed = v.store.removeDeadTemps();
                    if (!removed.isEmpty()) {
                        LOG.info("removed {} temp file(s) that writers killed mid-flush left on persistent storage: {}",
                                removed.size(), removed);
                    }
                    v.engine.start();
                }
                dup.barrier();
                v.attachJournal();
                return v;
            } catch (VelocException | RuntimeException e) {
                v.release();
                throw e;
            }
        } catch (VelocException | RuntimeException e) {
            dup.close();
            throw e;
        }
    }

    /**
     * What the config check cannot know before the job runs, checked on every rank with the same
     * outcome (collective); the config's warnings are logged once, by rank 0.
     */
    private static void checkAtInit(VelocConfig config, Comm comm) throws VelocException {
        if (comm.rank() == 0) {
            config.warnings().forEach(w -> LOG.warn("{}", w));
        }
        long fewest = comm.allreduce(comm.hostSize(), Comm.ReduceOp.MIN);
        if (config.virtualNodes() > fewest) {
            throw new io.veloc4j.config.ConfigException(List.of(config.problem("virtual_nodes", "virtual_nodes = "
                    + config.virtualNodes() + " but a host of this job runs only " + fewest + " rank(s); use at most "
                    + fewest + " (a virtual node needs a rank of its own)")));
        }
    }

    /** Loads {@code configFile} (with {@code VELOC_<KEY>} overrides) and initialises over {@code appComm} (collective). */
    public static Veloc init(Path configFile, Comm appComm) throws VelocException {
        return init(VelocConfig.load(configFile), appComm);
    }

    /** Over an MPI communicator of the application's (e.g. {@code MPI.COMM_WORLD}). */
    public static Veloc init(Path configFile, mpi.Intracomm appComm) throws VelocException {
        return init(VelocConfig.load(configFile), MpiComm.of(appComm));
    }

    /** Standalone: a job of one process, no MPI. */
    public static Veloc init(Path configFile) throws VelocException {
        return init(VelocConfig.load(configFile), LocalComm.single());
    }

    /** The configuration this client runs with. */
    public VelocConfig config() {
        return config;
    }

    /** This rank's number in the job (0-based). */
    public int rank() {
        return comm.rank();
    }

    /** Which rank lives on which (virtual) node. */
    public Topology topology() {
        return topology;
    }

    /** This rank's scratch directory (node-local). */
    public Path scratchDir() {
        return scratch.root();
    }

    // ---- protect ---------------------------------------------------------------------------

    // With a shape (extent per dimension, product = array length), aware aggregation matches the
    // variable across ranks by name, type and dimensionality and predicts along its rows; without
    // one, the variable is 1-D.

    /**
     * Protects {@code a} as variable {@code id} named {@code name}, stored as float64, as VELOC's
     * {@code VELOC_Mem_protect}: every later checkpoint copies it, every restart writes it back.
     * Protecting an id again replaces the old memory (e.g. after reallocating an array).
     *
     * @param shape optional extents whose product is {@code a.length} (rows, cols ...): aware
     *              aggregation then matches the variable across ranks and predicts along its rows
     * @throws VelocException if the id is negative, the name empty or the shape does not fit
     */
    public void protect(int id, String name, double[] a, long... shape) throws VelocException {
        put(id, name, a == null ? null : Region.of(a), shape);
    }

    /**
     * Protects {@code a} as variable {@code id} named {@code name}, stored as float32, as VELOC's
     * {@code VELOC_Mem_protect}: every later checkpoint copies it, every restart writes it back.
     * Protecting an id again replaces the old memory (e.g. after reallocating an array).
     *
     * @param shape optional extents whose product is {@code a.length} (rows, cols ...): aware
     *              aggregation then matches the variable across ranks and predicts along its rows
     * @throws VelocException if the id is negative, the name empty or the shape does not fit
     */
    public void protect(int id, String name, float[] a, long... shape) throws VelocException {
        put(id, name, a == null ? null : Region.of(a), shape);
    }

    /**
     * Protects {@code a} as variable {@code id} named {@code name}, stored as int64, as VELOC's
     * {@code VELOC_Mem_protect}: every later checkpoint copies it, every restart writes it back.
     * Protecting an id again replaces the old memory (e.g. after reallocating an array).
     *
     * @param shape optional extents whose product is {@code a.length} (rows, cols ...): aware
     *              aggregation then matches the variable across ranks and predicts along its rows
     * @throws VelocException if the id is negative, the name empty or the shape does not fit
     */
    public void protect(int id, String name, long[] a, long... shape) throws VelocException {
        put(id, name, a == null ? null : Region.of(a), shape);
    }

    /**
     * Protects {@code a} as variable {@code id} named {@code name}, stored as int32, as VELOC's
     * {@code VELOC_Mem_protect}: every later checkpoint copies it, every restart writes it back.
     * Protecting an id again replaces the old memory (e.g. after reallocating an array).
     *
     * @param shape optional extents whose product is {@code a.length} (rows, cols ...): aware
     *              aggregation then matches the variable across ranks and predicts along its rows
     * @throws VelocException if the id is negative, the name empty or the shape does not fit
     */
    public void protect(int id, String name, int[] a, long... shape) throws VelocException {
        put(id, name, a == null ? null : Region.of(a), shape);
    }

    /**
     * Protects {@code a} as variable {@code id} named {@code name}, stored as int16, as VELOC's
     * {@code VELOC_Mem_protect}: every later checkpoint copies it, every restart writes it back.
     * Protecting an id again replaces the old memory (e.g. after reallocating an array).
     *
     * @param shape optional extents whose product is {@code a.length} (rows, cols ...): aware
     *              aggregation then matches the variable across ranks and predicts along its rows
     * @throws VelocException if the id is negative, the name empty or the shape does not fit
     */
    public void protect(int id, String name, short[] a, long... shape) throws VelocException {
        put(id, name, a == null ? null : Region.of(a), shape);
    }

    /**
     * Protects {@code a} as variable {@code id} named {@code name}, stored as int8, as VELOC's
     * {@code VELOC_Mem_protect}: every later checkpoint copies it, every restart writes it back.
     * Protecting an id again replaces the old memory (e.g. after reallocating an array).
     *
     * @param shape optional extents whose product is {@code a.length} (rows, cols ...): aware
     *              aggregation then matches the variable across ranks and predicts along its rows
     * @throws VelocException if the id is negative, the name empty or the shape does not fit
     */
    public void protect(int id, String name, byte[] a, long... shape) throws VelocException {
        put(id, name, a == null ? null : Region.of(a), shape);
    }

    /**
     * Protects {@code a} as variable {@code id} named {@code name}, stored as char16 (UTF-16 units), as VELOC's
     * {@code VELOC_Mem_protect}: every later checkpoint copies it, every restart writes it back.
     * Protecting an id again replaces the old memory (e.g. after reallocating an array).
     *
     * @param shape optional extents whose product is {@code a.length} (rows, cols ...): aware
     *              aggregation then matches the variable across ranks and predicts along its rows
     * @throws VelocException if the id is negative, the name empty or the shape does not fit
     */
    public void protect(int id, String name, char[] a, long... shape) throws VelocException {
        put(id, name, a == null ? null : Region.of(a), shape);
    }

    /**
     * Protects the buffer's bytes from 0 to its limit as variable {@code id} (int8), as
     * {@link #protect(int, String, byte[], long...)}; the buffer's position is ignored.
     *
     * @throws VelocException if the id is negative or the name empty
     */
    public void protect(int id, String name, ByteBuffer b) throws VelocException {
        put(id, name, b == null ? null : Region.of(b), new long[0]);
    }

    /** Protecting an id again replaces the old memory (e.g. after reallocating an array). */
    private void put(int id, String name, Region region, long[] shape) throws VelocException {
        ensureOpen();
        if (id < 0) {
            throw new VelocException("protect: id " + id + " for '" + name + "' is negative; ids are ≥ 0");
        }
        if (name == null || name.isEmpty() || name.length() > 1024) {
            throw new VelocException("protect: id " + id + " needs a name of 1 to 1024 characters");
        }
        if (region == null) {
            throw new VelocException("protect: id " + id + " ('" + name + "'): the array is null; protect allocated memory"
                    + " (restartBegin and recoverSize tell how large to allocate it)");
        }
        if (shape == null) {
            throw new VelocException("protect: id " + id + " ('" + name + "'): the shape is null; give its extents, or none");
        }
        long n = shape.length > 127 ? -1 : 1;
        for (int d = 0; d < shape.length && n >= 0; d++) {
            // exact: a product that overflows could wrap around to the array's length
            n = shape[d] < 0 ? -1 : multiplyOrMinusOne(n, shape[d]);
        }
        if (shape.length > 0 && n != region.elements()) {
            throw new VelocException("protect: id " + id + " ('" + name + "'): shape " + java.util.Arrays.toString(shape)
                    + " does not describe its " + region.elements() + " elements; give at most 127 extents, none negative,"
                    + " whose product is the length");
        }
        regions.put(id, new Protected(id, name, shape.length == 0 ? new long[] {region.elements()} : shape.clone(), region));
    }

    private static long multiplyOrMinusOne(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    /** Stops protecting variable {@code id} (VELOC's {@code VELOC_Mem_unprotect}); unknown ids are ignored. */
    public void unprotect(int id) {
        regions.remove(id);
    }

    /**
     * Makes a file the application writes itself part of checkpoint {@code name}: its bytes are
     * captured at every {@link #checkpoint} of that name and written back, atomically, by
     * {@link #restart}. Returns the path to write to.
     */
    public Path routeFile(String name, Path file) throws VelocException {
        ensureOpen();
        CheckpointName.check(name);
        Path abs = file.toAbsolutePath().normalize();
        Map<Path, Integer> files = routedFiles.computeIfAbsent(name, k -> new LinkedHashMap<>());
        files.putIfAbsent(abs, -1 - files.size());
        return abs;
    }

    // ---- checkpoint ------------------------------------------------------------------------

    /**
     * Writes the protected memory as version {@code version} of checkpoint {@code name} to
     * node-local scratch (one copy) and returns. With in-memory staging ({@code staging_budget})
     * and a checkpoint that fits, it returns once the memory is copied into the staging buffer;
     * the scratch write follows in the background, and the version exists (for restart, for the
     * engine) only once it is done. A staged copy dies with the process.
     */
    public void checkpoint(String name, int version) throws VelocException {
        ensureOpen();
        CheckpointName.check(name);
        CheckpointName.checkVersion(name, version);
        checkVersionOrder(name, version);
        finishStaged();
        awaitPending(config.maxPending() - 1);
        if (config.stagingBudget() > 0) {
            RankFileWriter.Image image = stageScratch(name, version);
            if (image != null) {
                staged = new StagedWrite(name, version, scratch.writeInBackground(image));
                manifests.forget();
                announce(name, version, image.length());
                return;
            }
        }
        RankFileInfo info = writeScratch(name, version);
        manifests.forget(); // what restartTest shared of persistent storage is out of date from here
        announce(name, version, info.bytes());
    }

    /** The protected memory (and routed files) laid out in the staging buffer; null if it does not fit the budget. */
    private RankFileWriter.Image stageScratch(String name, int version) throws VelocException {
        List<FileChannel> open = new ArrayList<>();
        try {
            return scratch.stage(name, version, entries(name, regions.values(), true, open), config.stagingBudget());
        } catch (LevelException e) {
            throw new VelocException("checkpoint '" + name + "' v" + version + " on rank " + rank() + ": " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw new VelocException("checkpoint '" + name + "' v" + version + " on rank " + rank()
                    + ": cannot read a routed file: " + e, e);
        } finally {
            closeAll(open);
        }
    }

    /**
     * Waits for the staged checkpoint's background write, if one is running: a staged copy must
     * be on scratch before the next is staged (one buffer) and before anything reads scratch. A
     * write that failed counts as a checkpoint that could not be persisted: checkpointWait and
     * close report it (the earlier versions on scratch are untouched).
     */
    private void finishStaged() {
        StagedWrite w = staged;
        if (w == null) {
            return;
        }
        boolean interrupted = false;
        while (true) {
            try {
                w.written().get();
                break;
            } catch (java.util.concurrent.ExecutionException e) {
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        pollStaged();
    }

    /** Takes note of a staged write that has finished (without waiting for one that has not). */
    private void pollStaged() {
        StagedWrite w = staged;
        if (w == null || !w.written().isDone()) {
            return;
        }
        staged = null;
        try {
            w.written().join();
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            String reason = "staged in memory but not written to scratch: " + cause.getMessage();
            LOG.warn("rank {}: checkpoint '{}' v{} was {}", rank(), w.name(), w.version(), reason);
            tracker.failed(w.name(), w.version(), reason);
        }
    }

    /**
     * After a rank file reached scratch: its final rename is the record the node's engine finds
     * there; this rank starts waiting for the engine's answer (and waits, in mode = sync). The
     * answer is read only later, in a poll, so it cannot be missed here.
     */
    private void announce(String name, int version, long bytes) throws VelocException {
        newest.merge(name, version, Math::max);
        announced.keySet().removeIf(k -> tracker.state(k.name(), k.version()).orElse(null) != PersistTracker.State.PENDING);
        announced.put(new PersistTracker.Key(name, version), bytes);
        tracker.written(name, version);
        if (config.mode() == Mode.SYNC) {
            awaitPending(0);
            if (tracker.state(name, version).orElse(null) == PersistTracker.State.FAILED) {
                tracker.takeFailures();
                throw new VelocException("checkpoint '" + name + "' v" + version + " of rank " + rank()
                        + " reached scratch but not persistent storage: " + tracker.reason(name, version));
            }
        }
        pruneScratch(name);
    }

    private RankFileInfo writeScratch(String name, int version) throws VelocException {
        return writeScratch(name, version, regions.values(), true, false);
    }

    /** @param staged under a name the engine ignores until {@link ScratchLevel#publish} (a checkpoint phase) */
    private RankFileInfo writeScratch(String name, int version, Collection<Protected> selected, boolean withFiles,
                                      boolean staged) throws VelocException {
        List<FileChannel> open = new ArrayList<>();
        try {
            List<RankFileWriter.Entry> entries = entries(name, selected, withFiles, open);
            RankFileInfo info = staged ? scratch.writeStaged(name, version, entries) : scratch.write(name, version, entries);
            LOG.debug("rank {}: {} v{} → {}", rank(), name, version, info.path());
            return info;
        } catch (UncheckedIOException e) {
            throw new VelocException("checkpoint '" + name + "' v" + version + " on rank " + rank()
                    + ": cannot read a routed file: " + e, e);
        } finally {
            closeAll(open);
        }
    }

    /** What a checkpoint of {@code selected} (and, with {@code withFiles}, the routed files) writes; opens the routed files into {@code open}. */
    private List<RankFileWriter.Entry> entries(String name, Collection<Protected> selected, boolean withFiles,
                                               List<FileChannel> open) throws VelocException {
        List<RankFileWriter.Entry> entries = new ArrayList<>();
        for (Protected p : selected) {
            entries.add(new RankFileWriter.Entry(p.id(), p.name(), p.shape(), p.region()));
        }
        for (Map.Entry<Path, Integer> f : withFiles ? routedFiles.getOrDefault(name, Map.of()).entrySet()
                : Map.<Path, Integer>of().entrySet()) {
            FileChannel ch = openRouted(name, f.getKey());
            open.add(ch);
            long size;
            try {
                size = ch.size();
            } catch (IOException e) {
                throw new VelocException("checkpoint '" + name + "' on rank " + rank() + ": cannot read routed file "
                        + f.getKey() + ": " + e, e);
            }
            entries.add(new RankFileWriter.Entry(f.getValue(), routedName(f.getKey()), new long[] {size},
                    new FileRegion(ch, size)));
        }
        return entries;
    }

    private static void closeAll(List<FileChannel> open) {
        for (FileChannel ch : open) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // read-only channel
            }
        }
    }

    // ---- VELOC's checkpoint phases -----------------------------------------------------------

    /**
     * Opens the checkpoint phase of version {@code version} of {@code name} (VELOC's
     * {@code VELOC_Checkpoint_begin}); then {@link #checkpointMem} writes, {@link #checkpointEnd}
     * hands the copy on. {@code checkpoint(name, v)} is the three in one.
     *
     * @throws VelocException if a phase is already open, or the version is not above the newest
     *                        this job checkpointed or restored (see {@link #checkpoint})
     */
    public void checkpointBegin(String name, int version) throws VelocException {
        ensureOpen();
        finishStaged();
        if (begun != null) {
            throw new VelocException("checkpointBegin('" + name + "', " + version + ") on rank " + rank() + ": checkpoint '"
                    + begun.name + "' v" + begun.version + " is still open; call checkpointEnd first");
        }
        CheckpointName.check(name);
        CheckpointName.checkVersion(name, version);
        checkVersionOrder(name, version);
        awaitPending(config.maxPending() - 1);
        begun = new Begun(name, version);
    }

    /** Writes every protected variable (and routed file) into the open checkpoint (VELOC's {@code VELOC_Checkpoint_mem}). */
    public void checkpointMem() throws VelocException {
        checkpointMem(Selection.ALL);
    }

    /**
     * Writes some of the protected variables into the open checkpoint (VELOC's
     * {@code VELOC_Checkpoint_selective}); routed files go with {@link Selection#ALL} only. Once per phase.
     *
     * @throws VelocException if no phase is open, the selection is empty or names an unprotected id
     */
    public void checkpointMem(Selection mode, int... ids) throws VelocException {
        ensureOpen();
        if (begun == null) {
            throw new VelocException("checkpointMem on rank " + rank() + " needs checkpointBegin(name, version) first");
        }
        if (begun.written != null) {
            throw new VelocException("checkpointMem on rank " + rank() + ": checkpoint '" + begun.name + "' v" + begun.version
                    + " is already written; call checkpointEnd");
        }
        begun.written = writeScratch(begun.name, begun.version, select(mode, ids, "checkpointMem"), mode == Selection.ALL,
                true);
    }

    /**
     * Closes the checkpoint phase (VELOC's {@code VELOC_Checkpoint_end}). With {@code success} the
     * copy goes on to persistent storage as with {@link #checkpoint}; without it, the copy written
     * in this phase is deleted and the version never existed.
     */
    public void checkpointEnd(boolean success) throws VelocException {
        ensureOpen();
        if (begun == null) {
            throw new VelocException("checkpointEnd on rank " + rank() + " needs checkpointBegin(name, version) first");
        }
        Begun b = begun;
        begun = null;
        if (b.written == null) {
            if (success) {
                throw new VelocException("checkpointEnd(true) on rank " + rank() + ": nothing was written for '" + b.name
                        + "' v" + b.version + "; call checkpointMem between checkpointBegin and checkpointEnd");
            }
            return;
        }
        if (!success) {
            scratch.discardStaged(b.name, b.version);
            LOG.info("rank {}: checkpoint '{}' v{} ended as failed by the application; its scratch copy is deleted",
                    rank(), b.name, b.version);
            return;
        }
        // only now does the copy get its rank file name, the record the node's engine acts on
        manifests.forget();
        announce(b.name, b.version, scratch.publish(b.name, b.version, b.written).bytes());
    }

    /** Unprotects every variable (VELOC's {@code VELOC_Mem_clear}). */
    public void memClear() {
        regions.clear();
    }

    /**
     * Deletes this rank's scratch copies of every version of {@code name} (VELOC's
     * {@code VELOC_Cleanup}), once this rank's checkpoints in flight are persisted: a copy the
     * engine still reads is never pulled from under it. Persistent storage is not touched.
     */
    public void cleanup(String name) throws VelocException {
        ensureOpen();
        CheckpointName.check(name);
        finishStaged();
        awaitPending(0);
        for (int v : scratch.versions(name)) {
            scratch.delete(name, v);
        }
    }

    private List<Protected> select(Selection mode, int[] ids, String call) throws VelocException {
        java.util.Set<Integer> given = new java.util.TreeSet<>();
        for (int id : ids) {
            if (mode != Selection.ALL && !regions.containsKey(id)) {
                throw new VelocException(call + "(" + mode + ", ...) on rank " + rank() + ": id " + id
                        + " is not protected; protect it first, or leave it out");
            }
            given.add(id);
        }
        List<Protected> out = new ArrayList<>();
        for (Protected p : regions.values()) {
            boolean in = given.contains(p.id());
            if (mode == Selection.ALL || (mode == Selection.SOME) == in) {
                out.add(p);
            }
        }
        if (out.isEmpty() && (mode != Selection.ALL || routedFiles.isEmpty())) {
            throw new VelocException(call + "(" + mode + ", " + java.util.Arrays.toString(ids) + ") on rank " + rank()
                    + " selects no protected variable; check the ids and what is protected");
        }
        return out;
    }

    /**
     * Versions increase, as VELOC requires: within a job, a version at or below the newest this
     * client checkpointed or restored is an error, and so is one that an earlier launch committed
     * to persistent storage. A scratch copy left by an earlier launch (which this job restarted
     * below) is replaced, and a warning says so.
     */
    private void checkVersionOrder(String name, int version) throws VelocException {
        Integer last = newest.get(name);
        if (last != null && version <= last) {
            throw new VelocException("checkpoint '" + name + "' v" + version + " on rank " + rank() + ": this job already "
                    + "checkpointed or restored v" + last + "; versions must increase (as in VELOC): use a version above " + last);
        }
        if (version <= manifests.newestBefore(name) && store.isCommitted(name, version)) {
            throw new VelocException("checkpoint '" + name + "' v" + version + " on rank " + rank() + ": that version is "
                    + "already committed on persistent storage (" + store.versionDir(name, version) + "), by an earlier launch;"
                    + " use a higher version, or delete that directory to write it again");
        }
        if (scratch.versions(name).contains(version)) {
            LOG.warn("rank {}: checkpoint '{}' v{} replaces the scratch copy an earlier launch left in {}", rank(), name,
                    version, scratch.versionDir(name, version));
        }
    }

    /** Whether this rank's copy of v was written by a job of this job's size; records the size if not. */
    private boolean sameRanks(String name, int version, Map<Integer, Integer> otherRanks) {
        int ranks = -1;
        try (io.veloc4j.levels.scratch.RankFile f = io.veloc4j.levels.scratch.RankFile.open(scratch.rankFile(name, version))) {
            ranks = f.jobSize();
        } catch (LevelException e) {
            try {
                ranks = manifests.manifest(name, version).ranks();
            } catch (LevelException notThere) {
                return true; // nothing to compare: the levels' own checks decide
            }
        }
        if (ranks != comm.size()) {
            otherRanks.put(version, ranks);
            return false;
        }
        return true;
    }

    /** Says why restartTest passed over versions that exist: they belong to a job of another size. */
    private void reportOtherRanks(String name, int found, Map<Integer, Integer> otherRanks) throws VelocException {
        long mismatches = comm.allreduce(otherRanks.size(), Comm.ReduceOp.SUM);
        if (mismatches == 0) {
            return;
        }
        long newestOther = comm.allreduce(otherRanks.isEmpty() ? -1 : otherRanks.keySet().iterator().next(),
                Comm.ReduceOp.MAX);
        long theirRanks = comm.allreduce(otherRanks.getOrDefault((int) newestOther, -1), Comm.ReduceOp.MAX);
        if (rank() == 0 && newestOther > found) {
            LOG.warn("restartTest('{}'): version {} was written by a job of {} ranks, this job has {}: not restorable{}; "
                    + "restart with {} ranks to use it", name, newestOther, theirRanks, comm.size(),
                    found < 0 ? " (no version is)" : ", restarting from v" + found, theirRanks);
        }
    }

    /** True when every earlier checkpoint of this rank has reached every level it is bound for. */
    public boolean checkpointFinished() {
        pollStaged();
        tracker.poll();
        return staged == null && tracker.pending() == 0;
    }

    /**
     * Blocks until this rank's earlier checkpoints are persisted (or kept on scratch only by
     * persistent_interval); throws if any of them could not be persisted since the last call,
     * with the reason. Their scratch copies are kept, and later checkpoints try again.
     */
    public void checkpointWait() throws VelocException {
        ensureOpen();
        finishStaged();
        awaitPending(0);
        List<String> failures = tracker.takeFailures();
        if (!failures.isEmpty()) {
            throw new VelocException("rank " + rank() + ": " + failures.size() + " checkpoint(s) not persisted: "
                    + String.join("; ", failures) + "; the scratch copies are kept and later checkpoints try again");
        }
    }

    /** The newest version of {@code name} this rank knows to be persisted (in this launch), or -1. */
    public int lastPersisted(String name) {
        tracker.poll();
        return tracker.lastPersisted(name);
    }

    /**
     * Waits until at most {@code max} of this rank's versions are in flight. The engine's journal
     * says when a version is done; if it has said nothing for 10 s, the MANIFESTs on persistent
     * storage are asked too (one stat per pending version, once a second), so a record the engine
     * could not write never leaves a rank waiting forever.
     */
    private void awaitPending(int max) {
        pollStaged(); // a failed staged write is never persisted: it must not be waited for
        tracker.poll();
        long start = System.nanoTime();
        long lastCheck = start;
        for (int idle = 0; tracker.pending() > max; idle = Math.min(idle + 1, 50)) {
            java.util.concurrent.locks.LockSupport.parkNanos(20_000L * (idle + 1)); // ≤ 1 ms between polls
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
            pollStaged();
            tracker.poll();
            long now = System.nanoTime();
            if (now - start > 10_000_000_000L && now - lastCheck > 1_000_000_000L) {
                lastCheck = now;
                for (PersistTracker.Key k : tracker.pendingVersions()) {
                    if (store.isCommitted(k.name(), k.version())) {
                        tracker.committed(k.name(), k.version());
                    }
                }
            }
        }
    }

    /**
     * Keeps scratch_versions versions on scratch. An older one goes only once it is persisted (or
     * was never bound for persistent storage): never one in flight or whose flush failed.
     */
    private void pruneScratch(String name) throws VelocException {
        if (config.scratchVersions() == 0) {
            return; // VELOC's 0: keep every version
        }
        tracker.poll();
        List<Integer> versions = scratch.versions(name);
        for (int i = config.scratchVersions(); i < versions.size(); i++) {
            int v = versions.get(i);
            PersistTracker.State st = tracker.state(name, v).orElse(null);
            boolean done = st == PersistTracker.State.PERSISTED || st == PersistTracker.State.SKIPPED
                    || (st == null && store.isCommitted(name, v));
            if (done) {
                scratch.delete(name, v);
            }
        }
    }

    // ---- restart ---------------------------------------------------------------------------

    /** The newest version of {@code name} every rank can restore, or -1 (collective). */
    public int restartTest(String name) throws VelocException {
        return restartTest(name, Integer.MAX_VALUE);
    }

    /**
     * The newest version ≤ {@code maxVersion} of {@code name} every rank can restore, or -1
     * (collective). As in VELOC, {@code maxVersion = 0} means any version. A version written by a
     * job with another number of ranks is not restorable; when that is why a version is passed
     * over, rank 0 logs a warning saying so.
     */
    public int restartTest(String name, int maxVersion) throws VelocException {
        ensureOpen();
        CheckpointName.check(name);
        finishStaged();
        long t0 = System.nanoTime();
        manifests.share(name); // rank 0 lists and reads, every rank learns
        TreeSet<Integer> all = new TreeSet<>(java.util.Comparator.reverseOrder());
        for (Level l : levels) {
            all.addAll(l.versions(name));
        }
        long t1 = System.nanoTime();
        ErasureRecovery ec = config.ecInterval() >= 0 ? ErasureRecovery.gather(comm, topology, engine, scratch, name) : null;
        if (ec != null) {
            all.addAll(ec.versions());
        }
        long t2 = System.nanoTime();
        Map<Integer, Integer> otherRanks = new TreeMap<>(java.util.Comparator.reverseOrder());
        int bound = maxVersion == 0 ? Integer.MAX_VALUE : maxVersion;
        int found = VersionAgreement.newestCommon(comm, List.copyOf(all), bound,
                v -> sameRanks(name, v, otherRanks) && (levels.stream().anyMatch(l -> l.canRestore(name, v))
                        || ec != null && ec.restorable(v)));
        long t3 = System.nanoTime();
        if (found >= 0 && ec != null && !ec.rebuilds(found).isEmpty()) {
            found = rebuild(name, found, ec, all, bound, otherRanks);
        }
        long t4 = System.nanoTime();
        if (rank() == 0) {
            // where a restart's time goes, before a byte of state is read back
            LOG.info("restartTest('{}'): v{} in {} ms (versions listed {} ms, erasure sets gathered {} ms, agreed {} ms{})",
                    name, found, (t4 - t0) / 1_000_000, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000,
                    t4 > t3 + 1_000_000 ? ", rebuilt and checked " + (t4 - t3) / 1_000_000 + " ms" : "");
        }
        reportOtherRanks(name, found, otherRanks);
        List<Integer> candidates = all.stream().filter(v -> maxVersion == 0 || v <= maxVersion).toList();
        if (found < 0 && otherRanks.isEmpty() && !candidates.isEmpty()) {
            LOG.warn("rank {}: no version of '{}' can be restored by every rank, so the job starts from the beginning;"
                    + " this rank holds damaged or incomplete copies: {}", rank(), name,
                    DamageReport.of(levels, name, candidates));
        }
        return found;
    }

    /**
     * The erasure level's part of restartTest (collective): the engines of nodes that lost
     * {@code version} rebuild their ranks' files into scratch from their sets' survivors, then
     * every rank checks it can restore the version. If a rebuild failed, the agreement runs again
     * without the erasure level (persistent storage, or an older version).
     */
    private int rebuild(String name, int version, ErasureRecovery ec, TreeSet<Integer> all, int bound,
                        Map<Integer, Integer> otherRanks) throws VelocException {
        boolean ok = true;
        for (ErasureRecovery.Rebuild r : ec.rebuilds(version)) {
            if (engine == null || r.node() != topology.node()) {
                continue;
            }
            long start = System.nanoTime();
            LOG.info("node {}: rebuilding '{}' v{} of ranks {} from the {} other node(s) of erasure set {}", topology.node(),
                    name, version, r.set().member(r.member()).ranks().stream().map(e -> e.rank()).toList(),
                    r.set().size() - 1 - r.unavailable().size(), r.set().setId());
            try {
                io.veloc4j.levels.erasure.RebuildReport rep = engine.rebuild(r.set(), r.member(), r.unavailable(),
                        config.scratchFsync());
                long bytes = rep.files().stream().mapToLong(RankFileInfo::bytes).sum();
                LOG.info("node {}: rebuilt '{}' v{}: {} rank file(s), {} in {} ms{}", topology.node(), name, version,
                        rep.files().size(), Progress.bytes(bytes), (System.nanoTime() - start) / 1_000_000,
                        rep.bypassed().isEmpty() ? "" : " (passed over: " + rep.bypassed() + ")");
            } catch (LevelException | RuntimeException e) {
                LOG.warn("node {}: rebuilding '{}' v{} from its erasure set failed: {}", topology.node(), name, version,
                        e.getMessage());
                ok = false;
            }
        }
        // every rank's files are on scratch now, or some rebuild failed
        boolean mine = ok && (levels.stream().anyMatch(l -> l.canRestore(name, version)));
        if (comm.allreduce(mine ? 1 : 0, Comm.ReduceOp.MIN) == 1) {
            for (ErasureRecovery.Rebuild r : ec.rebuilds(version)) {
                if (r.set().member(r.member()).ranks().stream().anyMatch(e -> e.rank() == rank())) {
                    rebuilt.put(name, version);
                }
            }
            return version;
        }
        if (rank() == 0) {
            LOG.warn("'{}' v{} could not be rebuilt from its erasure sets on every node; looking for another copy", name,
                    version);
        }
        all.removeIf(v -> !levels.stream().anyMatch(l -> l.versions(name).contains(v)));
        return VersionAgreement.newestCommon(comm, List.copyOf(all), bound,
                v -> sameRanks(name, v, otherRanks) && levels.stream().anyMatch(l -> l.canRestore(name, v)));
    }

    /** Bytes the engine this rank hosts sent to other nodes' engines so far (0 if it hosts none). */
    public long engineBytesSent() {
        return engine == null ? 0 : engine.bytesSent();
    }

    /**
     * What this rank asked of persistent storage's metadata so far (listings, MANIFEST lookups,
     * reads and writes, opens of aggregates), its node's engine included if it hosts it.
     */
    public io.veloc4j.levels.persistent.StorageOps.Counts storageOps() {
        return store.ops();
    }

    /**
     * Restores every protected variable (and routed file) from version {@code version} of
     * {@code name}, from the nearest level holding an intact copy for this rank.
     */
    public Restored restart(String name, int version) throws VelocException {
        restartBegin(name, version);
        try {
            return recoverMem();
        } finally {
            restartEnd();
        }
    }

    /**
     * Opens version {@code version} for restart so that {@link #recoverSize} can tell how large to
     * allocate before {@link #protect} and {@link #recoverMem}.
     */
    public void restartBegin(String name, int version) throws VelocException {
        ensureOpen();
        CheckpointName.check(name);
        finishStaged();
        CheckpointName.checkVersion(name, version);
        closeRestart();
        restart = new RestartSession(name, version, rank(), levels);
        restart.openNext();
        if (restart.current() instanceof io.veloc4j.levels.scratch.RankFile f && f.jobSize() != comm.size()) {
            String where = f.path().toString();
            closeRestart();
            throw new VelocException("checkpoint '" + name + "' v" + version + " was written by a job of " + f.jobSize()
                    + " ranks, this one has " + comm.size() + " (" + where + "): restoring it would lose or invent part of"
                    + " the state; restart with " + f.jobSize() + " ranks, or start from scratch");
        }
    }

    /**
     * Bytes of variable {@code id} in the version opened by {@link #restartBegin}, as VELOC's
     * {@code VELOC_Recover_size} (divide by the element size for an array length).
     */
    public long recoverSize(int id) throws VelocException {
        if (restart == null) {
            throw new VelocException("recoverSize(" + id + ") needs restartBegin(name, version) first");
        }
        if (restart.current() == null) {
            throw new VelocException(restart.describe() + ": no level is left to restore from; call restartBegin again");
        }
        // a copy without the id (its variables changed) falls through to the next level, like a damaged one
        try {
            for (Optional<Variable> v = restart.current().variable(id); ; v = restart.current().variable(id)) {
                if (v.isPresent()) {
                    return v.get().length(); // bytes, as VELOC's VELOC_Recover_size
                }
                restart.failed(new LevelException(restart.describe() + " has no variable with id " + id));
                restart.openNext();
            }
        } catch (VelocException e) {
            restartBegin(restart.name(), restart.version()); // no level has it: the session starts over, still usable
            throw e;
        }
    }

    /** Restores the protected memory (and routed files) from the version opened by {@link #restartBegin}. */
    public Restored recoverMem() throws VelocException {
        return recoverMem(Selection.ALL);
    }

    /**
     * Restores some of the protected variables from the version opened by {@link #restartBegin}
     * (VELOC's {@code VELOC_Recover_selective}); routed files come back with {@link Selection#ALL} only.
     */
    public Restored recoverMem(Selection mode, int... ids) throws VelocException {
        if (restart == null) {
            throw new VelocException("recoverMem() needs restartBegin(name, version) first");
        }
        if (restart.current() == null) {
            throw new VelocException(restart.describe() + ": no level is left to restore from; call restartBegin again");
        }
        List<Protected> selected = select(mode, ids, "recoverMem");
        for (Protected p : selected) {
            if (!p.region().writable()) {
                throw new VelocException("restart of " + restart.describe() + ": variable " + p.id() + " ('" + p.name()
                        + "') is a read-only buffer; protect a writable one to restore into");
            }
        }
        List<Path> files = mode == Selection.ALL ? List.copyOf(routedFiles.getOrDefault(restart.name(), Map.of()).keySet())
                : List.of();
        List<String> routed = files.stream().map(Veloc::routedName).toList();
        long start = System.nanoTime();
        java.util.concurrent.atomic.AtomicLong restored = new java.util.concurrent.atomic.AtomicLong();
        long total = selected.stream().mapToLong(p -> p.region().bytes()).sum();
        while (true) {
            // a copy is verified whole before its first byte reaches memory: a damaged one falls
            // through to the next level and leaves the memory untouched
            List<Variable> vars;
            try {
                vars = restart.verifiedFor(selected, routed);
            } catch (LevelException e) {
                restart.failed(e);
                restart.openNext();
                continue;
            }
            restored.set(0);
            try (Progress progress = Progress.start("rank " + rank() + ": restoring '" + restart.name() + "' v"
                    + restart.version() + " from " + restart.levelName(), total, restored::get, LOG::info)) {
                RankCheckpoint ck = restart.current();
                int i = 0;
                for (Protected p : selected) {
                    ck.readInto(vars.get(i++), new CountingRegion(p.region(), restored));
                }
                for (Path f : files) {
                    restoreFile(ck, f, vars.get(i++));
                }
                String level = restart.levelName();
                if (level.equals(scratch.name()) && Integer.valueOf(restart.version()).equals(rebuilt.get(restart.name()))) {
                    level = "erasure"; // on scratch because its erasure set rebuilt it
                }
                recovered = new Restored(restart.name(), restart.version(), level);
                LOG.info("rank {}: restored '{}' v{} from {}: {} in {} ms", rank(), recovered.name(), recovered.version(),
                        recovered.level(), Progress.bytes(restored.get()), (System.nanoTime() - start) / 1_000_000);
                return recovered;
            } catch (io.veloc4j.levels.CorruptCheckpointException e) {
                // changed on disk since it was verified: the next copy restores every variable again
                restart.failed(e);
                restart.openNext();
            }
        }
    }

    /** Ends the restart phase as {@code restartEnd(true)}. */
    public void restartEnd() throws VelocException {
        restartEnd(true);
    }

    /**
     * Ends the restart phase (VELOC's {@code VELOC_Restart_end(success)}). With success, the
     * restored version counts as this job's newest: checkpoints must then use higher versions.
     */
    public void restartEnd(boolean success) throws VelocException {
        if (success && recovered != null) {
            newest.merge(recovered.name(), recovered.version(), Math::max);
        } else if (!success && recovered != null) {
            LOG.info("rank {}: restart of '{}' v{} ended as failed by the application", rank(), recovered.name(),
                    recovered.version());
        }
        recovered = null;
        closeRestart();
    }

    private void closeRestart() throws VelocException {
        if (restart != null) {
            RestartSession r = restart;
            restart = null;
            r.close();
        }
    }

    private void restoreFile(RankCheckpoint ck, Path file, Variable v) throws VelocException {
        Path tmp = file.resolveSibling(file.getFileName() + ".veloc4j-restore");
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ck.readInto(v, new FileRegion(ch, v.length()));
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | UncheckedIOException e) {
            throw new VelocException("cannot restore routed file " + file + " on rank " + rank() + ": " + e, e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    private static String routedName(Path file) {
        return "file:" + file;
    }

    private FileChannel openRouted(String name, Path file) throws VelocException {
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new VelocException("checkpoint '" + name + "' on rank " + rank() + ": routed file " + file
                    + " cannot be read (" + e + "); write it before checkpoint()", e);
        }
    }

    /** Stops the engine and closes the logs; no collectives. */
    private void release() {
        if (engine != null) {
            engine.close();
        }
        scratch.close(); // waits for a staged write; deletes the files kept for recycling
        if (tracker != null) {
            tracker.close();
        }
        if (journalReader != null) {
            journalReader.close();
        }
        if (journal != null) {
            journal.close();
        }
        if (catalog != null) {
            catalog.close();
        }
    }

    /** Waits for this rank's checkpoints in flight, with a progress line when that takes a while. */
    private void drainWithProgress() {
        tracker.poll();
        long total = pendingBytes();
        if (total == 0) {
            return;
        }
        long start = System.nanoTime();
        java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();
        try (Progress p = Progress.start("rank " + rank() + ": waiting for checkpoints to reach persistent storage", total,
                done::get, LOG::info)) {
            for (int left = tracker.pending(); left > 0 && !Thread.currentThread().isInterrupted(); left = tracker.pending()) {
                awaitPending(left - 1);
                done.set(total - pendingBytes());
            }
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        if (ms >= 2000) {
            LOG.info("rank {}: {} reached persistent storage in {} ms", rank(), Progress.bytes(total), ms);
        }
    }

    private long pendingBytes() {
        long n = 0;
        for (Map.Entry<PersistTracker.Key, Long> e : announced.entrySet()) {
            if (tracker.state(e.getKey().name(), e.getKey().version()).orElse(null) == PersistTracker.State.PENDING) {
                n += e.getValue();
            }
        }
        return n;
    }

    private void ensureOpen() throws VelocException {
        if (closed) {
            throw new VelocException("this Veloc client (rank " + comm.rank() + ") is closed");
        }
    }

    /**
     * Collective: waits until this rank's checkpoints are persisted (draining the engine), then
     * stops the node's engine and releases the client. Throws, after releasing everything, if a
     * checkpoint could not be persisted.
     */
    @Override
    public void close() throws VelocException {
        if (closed) {
            return;
        }
        VelocException failure = null;
        finishStaged();
        drainWithProgress();
        try {
            checkpointWait();
        } catch (VelocException e) {
            failure = e;
        }
        if (engine != null) {
            // its set's other engines may still stream to it or wait for its acknowledgements
            engine.drainErasure(config.flushTimeout() * 1000L);
        }
        try {
            closeRestart();
            comm.barrier(); // every rank of the node has drained before its engine stops
        } finally {
            closed = true;
            release();
            comm.close();
        }
        if (failure != null) {
            throw failure;
        }
    }
}
