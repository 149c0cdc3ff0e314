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

    enum ReduceOp { MIN, MAX, SUM }
}
