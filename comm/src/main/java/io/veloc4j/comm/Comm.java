package io.veloc4j.comm;

/**
 * The communicator veloc4j needs: identity, the node topology, a few collectives on longs and
 * point-to-point exchange of double rows (what heatdis' halo exchange needs). Two
 * implementations: {@link MpiComm} over Open MPI's Java bindings, {@link LocalComm} with ranks as
 * threads of one JVM. Collectives must be called by every rank of the communicator, in the same
 * order, as in MPI.
 */
public interface Comm extends AutoCloseable {

    /** Rank of the caller, 0 ≤ rank &lt; size. */
    int rank();

    int size();

    /** Lowest rank on the caller's host (machine): ranks with the same host leader share a machine. */
    int hostLeader();

    /** Rank of the caller among the ranks of its host, 0-based in rank order. */
    int hostRank();

    int hostSize();

    void barrier() throws CommException;

    long allreduce(long value, ReduceOp op) throws CommException;

    /** Every rank's value, indexed by rank. */
    long[] allgather(long value) throws CommException;

    /**
     * Sends {@code send} to {@code dest} and receives {@code recv.length} doubles from
     * {@code source}, both with {@code tag}; {@link #NONE} for dest or source skips that half.
     */
    void sendRecv(double[] send, int dest, double[] recv, int source, int tag) throws CommException;

    /**
     * Sends the bytes of {@code data} from its position to its limit to {@code dest} with
     * {@code tag}; returns once {@code data} may be reused. Safe from any thread
     * (MPI_THREAD_MULTIPLE); waits without spinning a core.
     */
    void send(int dest, int tag, java.nio.ByteBuffer data) throws CommException;

    /** A message with {@code tag} from {@code source} ({@link #ANY}: any rank) if one has arrived, else empty. */
    java.util.Optional<Message> poll(int source, int tag) throws CommException;

    /**
     * As {@link #poll}, into {@code reuse} (from 0, its capacity) when the message fits, so a
     * receiver of many large messages allocates nothing per message: the Message's data is then
     * a view of {@code reuse}, valid until its next use. A message that does not fit gets a
     * buffer of its own.
     */
    default java.util.Optional<Message> poll(int source, int tag, java.nio.ByteBuffer reuse) throws CommException {
        return poll(source, tag);
    }

    /**
     * Waits for a message with {@code tag} from {@code source} ({@link #ANY}: any rank), polling
     * with a backoff of at most a millisecond (an MPI blocking receive would spin a core the
     * application computes on).
     *
     * @throws CommException naming the peer and tag if none arrives within {@code timeoutMillis}
     */
    default Message receive(int source, int tag, long timeoutMillis) throws CommException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        long park = 20_000;
        while (true) {
            java.util.Optional<Message> m = poll(source, tag);
            if (m.isPresent()) {
                return m.get();
            }
            if (System.nanoTime() > deadline) {
                throw new CommException("rank " + rank() + " waited " + timeoutMillis + " ms for a message (tag " + tag
                        + ") from " + (source == ANY ? "any rank" : "rank " + source) + " and none came");
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new CommException("rank " + rank() + " interrupted while waiting for a message (tag " + tag + ")");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(park);
            park = Math.min(park * 2, 1_000_000);
        }
    }

    /**
     * As {@link #receive}, into {@code into} (from its position; its position then marks the end):
     * no buffer is allocated per message. Returns the source.
     *
     * @throws CommException if none arrives in time, or the message is larger than {@code into}'s room
     */
    default int receiveInto(int source, int tag, java.nio.ByteBuffer into, long timeoutMillis) throws CommException {
        Message m = receive(source, tag, timeoutMillis);
        if (m.data().remaining() > into.remaining()) {
            throw new CommException("rank " + rank() + ": a message of " + m.data().remaining() + " bytes (tag " + tag
                    + ") from rank " + m.source() + " does not fit the " + into.remaining() + " bytes expected");
        }
        into.put(m.data());
        return m.source();
    }

    /** Every rank's bytes, indexed by rank (collective). */
    byte[][] allgatherBytes(byte[] mine) throws CommException;

    /** {@code root}'s bytes on every rank; the others' argument is ignored (collective). */
    byte[] broadcastBytes(byte[] data, int root) throws CommException;

    /** A new communicator over the same ranks whose traffic never mixes with this one's (collective). */
    Comm dup() throws CommException;

    /**
     * Ends the job abruptly, as MPI_Abort does: for a simulated or real fatal failure. Never
     * returns normally.
     */
    void abort(int exitCode);

    /** Releases a duplicated communicator; closing the world communicator is a no-op. */
    @Override
    void close() throws CommException;

    /** "No peer" for {@link #sendRecv}. */
    int NONE = -1;

    /** "Any rank" as the source of {@link #poll} and {@link #receive}. */
    int ANY = -2;

    /** A received message: who sent it, with which tag, and its bytes (position 0 to limit). */
    record Message(int source, int tag, java.nio.ByteBuffer data) {
    }

    enum ReduceOp { MIN, MAX, SUM }
}
