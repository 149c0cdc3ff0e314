package io.veloc4j.flush;

import io.veloc4j.comm.Comm;
import io.veloc4j.comm.CommException;
import io.veloc4j.comm.Topology;
import io.veloc4j.levels.CorruptCheckpointException;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.persistent.AggregateAssembly;
import io.veloc4j.levels.persistent.AggregatePart;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * How a node's engine talks to the other nodes' engines: over a communicator of its own
 * (duplicated at init, so nothing mixes with the application's traffic or veloc4j's collectives),
 * from background threads while the application computes (MPI_THREAD_MULTIPLE). One thread
 * receives control messages and hands them to the engine; a part of a group travels as a
 * transfer: the writer asks for it ({@link #pull}) and the holder streams its spool on a tag of
 * the transfer's own ({@link #serve}), the first message the part's index, then its chunk bytes in
 * pieces of at most {@link #PIECE}. Waits never spin a core.
 */
final class EngineLink implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EngineLink.class);
    static final int CONTROL = 7001;
    private static final int TRANSFER_BASE = 100_000;
    /** Bytes per message of a transfer: large enough to stream, small enough to bound memory. */
    static final int PIECE = 4 << 20;

    private final Comm comm;
    private final Topology topology;
    private final int node;
    private final Consumer<EngineMessage> handler;
    private final long timeoutMillis;
    private final ExecutorService servers;
    private final Thread receiver;
    private final AtomicInteger transfers = new AtomicInteger();
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong bytesReceived = new AtomicLong();
    private volatile boolean stopping;

    /**
     * @param comm          the engines' own communicator (every rank of the job is in it; only each
     *                      node's engine rank sends or receives)
     * @param timeoutMillis how long a transfer may stall before it fails, naming the node
     */
    EngineLink(Comm comm, Topology topology, Consumer<EngineMessage> handler, long timeoutMillis) {
        this.comm = comm;
        this.topology = topology;
        this.node = topology.node();
        this.handler = handler;
        this.timeoutMillis = timeoutMillis;
        this.servers = Executors.newFixedThreadPool(2, FlushEngine.daemon("veloc4j-serve-" + node));
        this.receiver = FlushEngine.daemon("veloc4j-link-" + node).newThread(this::receive);
    }

    void start() {
        receiver.start();
    }

    /** The rank whose JVM hosts node {@code n}'s engine (its lowest rank). */
    int engineRank(int n) {
        return topology.members(n)[0];
    }

    int nodeOfRank(int rank) {
        return topology.nodeOf(rank);
    }

    /** Bytes this engine sent to other nodes' engines: control messages and parts. */
    long bytesSent() {
        return bytesSent.get();
    }

    long bytesReceived() {
        return bytesReceived.get();
    }

    /** Sends a control message to node {@code to}'s engine (this node's own included). */
    void send(int to, EngineMessage m) throws CommException {
        sendEncoded(to, EngineMessage.encode(m));
    }

    /** Sends an already encoded message (a stripe, see {@link EngineMessage#encodeStripe}) to node {@code to}'s engine. */
    void sendEncoded(int to, ByteBuffer encoded) throws CommException {
        if (to != node) {
            bytesSent.addAndGet(encoded.remaining()); // what crosses between nodes
        }
        comm.send(engineRank(to), CONTROL, encoded);
    }

    /** Sends to every node's engine. */
    void broadcast(EngineMessage m) {
        for (int n = 0; n < topology.nodes(); n++) {
            try {
                send(n, m);
            } catch (CommException e) {
                LOG.warn("node {}: cannot tell node {} that {} v{} is {}: {}", node, n, m.name(), m.version(),
                        m.getClass().getSimpleName(), e.getMessage());
            }
        }
    }

    private void receive() {
        long park = 20_000;
        // every control message lands here, stripes of the erasure level included: a handler
        // keeps nothing of it past its return (EcStripe.copy)
        ByteBuffer reuse = ByteBuffer.allocateDirect(EngineMessage.stripeCapacity(Protection.STRIPE));
        while (!stopping) {
            try {
                Optional<Comm.Message> m = comm.poll(Comm.ANY, CONTROL, reuse);
                if (m.isEmpty()) {
                    java.util.concurrent.locks.LockSupport.parkNanos(park);
                    // idle: at most 100 probes a second (500 took 0.75 s of CPU in a 45 s heatdis run on
                    // busy cores); a message after a pause waits at most 10 ms, one in a stream 20 µs
                    park = Math.min(park * 2, 10_000_000);
                    continue;
                }
                park = 20_000;
                if (topology.nodeOf(m.get().source()) != node) {
                    bytesReceived.addAndGet(m.get().data().remaining());
                }
                EngineMessage msg;
                try {
                    msg = EngineMessage.decode(m.get().data());
                } catch (IOException e) {
                    LOG.warn("node {}: a message from rank {} is not an engine message ({}); ignored", node,
                            m.get().source(), e.getMessage());
                    continue;
                }
                handler.accept(msg);
            } catch (CommException e) {
                if (!stopping) {
                    LOG.warn("node {}: the engines' communicator failed ({}); this engine hears nothing more", node,
                            e.getMessage());
                }
                return;
            } catch (RuntimeException | AssertionError e) {
                LOG.error("node {}: handling an engine message failed: {}", node, e.toString(), e);
            }
        }
    }

    /**
     * Asks node {@code from} for its part of a group and appends it to {@code assembly} as it
     * arrives (the writer's side of a transfer). Throws, naming the node, if it does not come.
     */
    void pull(int from, String name, int version, int group, AggregateAssembly assembly) throws LevelException {
        // unique among this node's transfers in flight: the data is matched by (source, tag) here
        int tag = TRANSFER_BASE + (transfers.getAndIncrement() & 0xFFFFF);
        int source = engineRank(from);
        String who = "node " + from + " (rank " + source + ")";
        try {
            send(from, new EngineMessage.Pull(name, version, group, node, tag));
            Comm.Message head = comm.receive(source, tag, timeoutMillis);
            bytesReceived.addAndGet(head.data().remaining());
            AggregatePart part;
            try {
                part = EngineMessage.decodePartHeader(head.data(), AggregatePart.MAX_INDEX_BYTES);
            } catch (IOException e) {
                throw new LevelException(who + " cannot send its part of " + name + " v" + version + " group " + group
                        + ": " + e.getMessage());
            }
            long[] left = {part.chunkBytes()};
            // one buffer for every piece: each is written out before the next arrives
            ByteBuffer piece = ByteBuffer.allocateDirect((int) Math.min(PIECE, Math.max(1, part.chunkBytes())));
            assembly.addPart(part, who, () -> {
                if (left[0] == 0) {
                    return null;
                }
                try {
                    piece.clear();
                    comm.receiveInto(source, tag, piece, timeoutMillis);
                    piece.flip();
                    left[0] -= piece.remaining();
                    bytesReceived.addAndGet(piece.remaining());
                    if (left[0] < 0) {
                        throw new CorruptCheckpointException(who + " sent more bytes of its part than announced");
                    }
                    return piece;
                } catch (CommException e) {
                    throw new LevelException("the part of " + name + " v" + version + " group " + group + " from " + who
                            + " stopped: " + e.getMessage(), e);
                }
            });
        } catch (CommException e) {
            throw new LevelException("the writer of " + name + " v" + version + " group " + group + " waited for " + who
                    + "'s part: " + e.getMessage(), e);
        }
    }

    /**
     * Streams a spooled part (its index and chunk bytes) to the engine that asked for it, on the
     * transfer's tag; {@code part} null sends {@code error} instead. In the background.
     */
    void serve(int toNode, int tag, AggregatePart part, Spool spool, String error, Runnable done) {
        servers.execute(() -> {
            int dest = engineRank(toNode);
            try {
                ByteBuffer head = EngineMessage.encodePartHeader(part, error);
                bytesSent.addAndGet(head.remaining());
                comm.send(dest, tag, head);
                if (part != null) {
                    spool.pieces(piece -> {
                        bytesSent.addAndGet(piece.remaining());
                        comm.send(dest, tag, piece);
                    });
                }
            } catch (Exception e) {
                LOG.warn("node {}: sending its part to node {} failed: {}", node, toNode, e.toString());
            } finally {
                done.run();
            }
        });
    }

    @Override
    public void close() {
        stopping = true;
        try {
            receiver.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        servers.shutdown();
        try {
            servers.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // the communicator is the client's: every rank frees its copy
    }
}
