package io.veloc4j.flush;

import io.veloc4j.levels.FileIo;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.persistent.AggregateAssembly;
import io.veloc4j.levels.persistent.AggregateInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The writer's side of groups that span nodes: for each such group this node writes, the file
 * under assembly waits for this node's own part (encoded into it on the ring) and for each other
 * node's "part ready"; ready parts are pulled one at a time and appended, on threads of their own,
 * never on the ring (a ring worker waiting for another node while that node waits for this one's
 * part would deadlock). When every part is in, the file is finished and reported to the
 * committer. A part that does not come within the timeout fails the group, naming the node.
 */
final class Assembler implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Assembler.class);

    record Key(String name, int version, int group) {
    }

    /** How a group's file is opened when its first part arrives before this node's own. */
    interface Opener {
        AggregateAssembly open(Key key) throws LevelException;
    }

    /** What becomes of a group's file. */
    interface Outcome {
        void written(Key key, AggregateInfo file);

        void failed(Key key, String reason);
    }

    private final class Pending {
        final Key key;
        final TreeSet<Integer> awaited;
        final Deque<Integer> ready = new ArrayDeque<>();
        final long since = System.nanoTime();
        AggregateAssembly assembly;
        boolean ownPartIn;
        boolean running;

        Pending(Key key, int[] partNodes, boolean ownPart) {
            this.key = key;
            this.awaited = new TreeSet<>(Arrays.stream(partNodes).boxed().toList());
            this.ownPartIn = !ownPart;
        }
    }

    private final int node;
    private final EngineLink link;
    private final Opener opener;
    private final Outcome outcome;
    private final long timeoutNanos;
    private final ExecutorService pullers;
    private final Map<Key, Pending> pending = new HashMap<>();

    Assembler(int node, EngineLink link, Opener opener, Outcome outcome, long timeoutMillis) {
        this.node = node;
        this.link = link;
        this.opener = opener;
        this.outcome = outcome;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        this.pullers = Executors.newFixedThreadPool(2, FlushEngine.daemon("veloc4j-assemble-" + node));
    }

    /** This node's ranks of the group are encoded into {@code assembly}: the other nodes' parts follow. */
    synchronized void ownPartIn(Key key, int[] partNodes, AggregateAssembly assembly) {
        Pending p = pending.computeIfAbsent(key, k -> new Pending(k, partNodes, true));
        p.assembly = assembly;
        p.ownPartIn = true;
        run(p);
    }

    /**
     * {@code from}'s part of a group this node writes is ready. {@code partNodes} and
     * {@code ownPart}: the group's other nodes, and whether this node has ranks in it.
     */
    synchronized void partReady(Key key, int from, int[] partNodes, boolean ownPart) {
        Pending p = pending.computeIfAbsent(key, k -> new Pending(k, partNodes, ownPart));
        if (!p.awaited.contains(from)) {
            LOG.warn("node {}: node {} offered a part of {} v{} group {} it has no ranks in, or twice; ignored", node, from,
                    key.name(), key.version(), key.group());
            return;
        }
        p.ready.add(from);
        run(p);
    }

    synchronized void partFailed(Key key, int from, String reason) {
        Pending p = pending.remove(key);
        String why = "node " + from + " could not encode its part: " + reason;
        if (p != null) {
            abandon(p);
        }
        outcome.failed(key, why);
    }

    /** Groups that waited longer than the timeout for a node fail, naming it. */
    synchronized void expire(long now) {
        for (Iterator<Pending> it = pending.values().iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (!p.running && now - p.since > timeoutNanos) {
                it.remove();
                abandon(p);
                String missing = p.ownPartIn ? "node(s) " + p.awaited + " (their ranks' files are not all on their scratch, "
                        + "or the node is gone)" : "this node's own part";
                outcome.failed(p.key, "the writer (node " + node + ") waited " + TimeUnit.NANOSECONDS.toSeconds(timeoutNanos)
                        + " s for the part of " + missing);
            }
        }
    }

    private void run(Pending p) {
        if (p.running || !p.ownPartIn || p.ready.isEmpty()) {
            return;
        }
        if (p.assembly == null) {
            try {
                p.assembly = opener.open(p.key); // this node has no ranks in the group
            } catch (LevelException e) {
                pending.remove(p.key);
                outcome.failed(p.key, e.getMessage());
                return;
            }
        }
        p.running = true;
        pullers.execute(() -> drain(p));
    }

    /** Pulls the ready parts one after another into the file; finishes it when the last is in. */
    private void drain(Pending p) {
        while (true) {
            int from;
            synchronized (this) {
                Integer next = p.ready.poll();
                if (next == null) {
                    p.running = false;
                    if (p.awaited.isEmpty()) {
                        pending.remove(p.key);
                        break;
                    }
                    return;
                }
                from = next;
            }
            try {
                link.pull(from, p.key.name(), p.key.version(), p.key.group(), p.assembly);
            } catch (LevelException | RuntimeException e) {
                synchronized (this) {
                    pending.remove(p.key);
                }
                abandon(p);
                outcome.failed(p.key, e.getMessage());
                return;
            }
            synchronized (this) {
                p.awaited.remove(from);
            }
        }
        try {
            AggregateInfo info = p.assembly.finish();
            p.assembly.close();
            outcome.written(p.key, info);
        } catch (LevelException | RuntimeException e) {
            abandon(p);
            outcome.failed(p.key, e.getMessage());
        }
    }

    private static void abandon(Pending p) {
        if (p.assembly != null) {
            FileIo.closeQuietly(p.assembly);
        }
    }

    @Override
    public void close() {
        pullers.shutdownNow();
        synchronized (this) {
            pending.values().forEach(Assembler::abandon);
            pending.clear();
        }
    }
}
