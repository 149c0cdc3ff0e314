package io.veloc4j.comm;

import mpi.Intracomm;
import mpi.MPI;
import mpi.MPIException;

/**
 * {@link Comm} over Open MPI's Java bindings. The host (machine) of a rank comes from a
 * shared-memory split, as MPI_Comm_split_type(MPI_COMM_TYPE_SHARED) defines it.
 */
public final class MpiComm implements Comm {

    private final Intracomm comm;
    private final boolean owned;
    private final int rank;
    private final int size;
    private final int hostLeader;
    private final int hostRank;
    private final int hostSize;

    private MpiComm(Intracomm comm, boolean owned) throws CommException {
        this.comm = comm;
        this.owned = owned;
        try {
            this.rank = comm.getRank();
            this.size = comm.getSize();
            Intracomm host = comm.splitType(Intracomm.TYPE_SHARED, rank, MPI.INFO_NULL);
            try {
                this.hostRank = host.getRank();
                this.hostSize = host.getSize();
                int[] leader = {rank};
                host.allReduce(leader, 1, MPI.INT, MPI.MIN);
                this.hostLeader = leader[0];
            } finally {
                host.free();
            }
        } catch (MPIException e) {
            throw new CommException("cannot query the MPI communicator: " + e.getMessage(), e);
        }
    }

    /**
     * MPI_COMM_WORLD, initialising MPI (MPI_THREAD_MULTIPLE) when the application has not. A plain
     * {@code java} run without mpirun becomes a singleton job of size 1. MPI initialised here is
     * finalized when the JVM exits (or earlier by {@link #finish}), so a job whose main simply
     * returns ends with exit code 0; an application that initialised MPI itself finalizes it itself.
     */
    public static MpiComm world(String[] args) throws CommException {
        try {
            if (!MPI.isInitialized()) {
                MPI.InitThread(args, MPI.THREAD_MULTIPLE);
                // MPI is ours to finalize: a main that returns without finish() must still exit 0
                // under mpirun (an unfinalized rank makes mpirun report failure)
                Runtime.getRuntime().addShutdownHook(new Thread(MpiComm::finishAtExit, "veloc4j-mpi-finalize"));
            }
            return new MpiComm(MPI.COMM_WORLD, false);
        } catch (MPIException | UnsatisfiedLinkError e) {
            throw new CommException("cannot initialise MPI (" + e.getMessage()
                    + "); is Open MPI with libmpi_java installed? Run ./veloc4j setup", e);
        }
    }

    /** Wraps the application's communicator; veloc4j's own traffic goes over a {@link #dup()}. */
    public static MpiComm of(Intracomm comm) throws CommException {
        return new MpiComm(comm, false);
    }

    /** Finalizes MPI if it is initialised and not yet finalized: call once, at the end of main. */
    public static void finish() throws CommException {
        try {
            if (MPI.isInitialized() && !MPI.isFinalized()) {
                MPI.Finalize();
            }
        } catch (MPIException e) {
            throw new CommException("MPI_Finalize failed: " + e.getMessage(), e);
        }
    }

    private static void finishAtExit() {
        try {
            finish();
        } catch (CommException | RuntimeException e) {
            // the JVM is going away; nothing left to report to
        }
    }

    /** The underlying communicator, for applications that also use MPI directly. */
    public Intracomm intracomm() {
        return comm;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int hostLeader() {
        return hostLeader;
    }

    @Override
    public int hostRank() {
        return hostRank;
    }

    @Override
    public int hostSize() {
        return hostSize;
    }

    @Override
    public void barrier() throws CommException {
        try {
            await(comm.iBarrier());
        } catch (MPIException e) {
            throw fail("barrier", e);
        }
    }

    /**
     * Waits for a collective by testing it, parking in between: a blocking collective spins a
     * core for as long as the slowest rank takes, and ranks waiting at restart or close (while
     * their engines rebuild or drain) would starve the engines of the CPU they wait for.
     */
    private static void await(mpi.Request r) throws MPIException {
        long spinUntil = System.nanoTime() + 200_000;
        long park = 10_000;
        while (!r.test()) {
            if (System.nanoTime() < spinUntil) {
                Thread.onSpinWait();
            } else {
                java.util.concurrent.locks.LockSupport.parkNanos(park);
                park = Math.min(park * 2, 1_000_000);
            }
        }
    }

    /**
     * Waits for a point-to-point transfer without spinning: test, park 10 µs, doubling to at most
     * {@link #TRANSFER_PARK_MAX}. Over TCP a large message moves only while both ends call into
     * MPI, so each end tests often; but a thread that spins (as a blocking MPI_Recv or a busy
     * MPI_Test loop does) takes the CPU from the very peer it waits for once ranks outnumber
     * cores: measured on 8 ranks over 2 cores, protecting 8 × 64 MiB took 37.7 s with a 5 ms
     * spin per send and blocking receives, 13.5 s with this (same 256 KiB messages).
     */
    private void awaitTransfer(mpi.Request r, boolean sending, int peer, int tag, int n) throws MPIException, CommException {
        long park = 10_000;
        while (!r.test()) {
            if (sending && Thread.currentThread().isInterrupted()) {
                // a background sender being stopped (its peer may be gone): never call MPI after finalize.
                // A matched receive is not given up: MPI would go on writing into its buffer, and its
                // sender is already sending
                throw new CommException("rank " + rank + ": interrupted while sending " + n + " bytes to rank " + peer
                        + " (tag " + tag + ")");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(park);
            park = Math.min(park * 2, TRANSFER_PARK_MAX);
        }
        // a completed request is deallocated by MPI_Test itself: no free() here
    }

    /** The longest park between two tests of a transfer: at most 5,000 calls into MPI a second per waiting thread. */
    private static final long TRANSFER_PARK_MAX = 200_000;

    @Override
    public long allreduce(long value, ReduceOp op) throws CommException {
        java.nio.LongBuffer in = MPI.newLongBuffer(1).put(0, value);
        java.nio.LongBuffer out = MPI.newLongBuffer(1);
        try {
            await(comm.iAllReduce(in, out, 1, MPI.LONG, switch (op) {
                case MIN -> MPI.MIN;
                case MAX -> MPI.MAX;
                case SUM -> MPI.SUM;
            }));
        } catch (MPIException e) {
            throw fail("allreduce", e);
        }
        return out.get(0);
    }

    @Override
    public long[] allgather(long value) throws CommException {
        long[] all = new long[size];
        try {
            comm.allGather(new long[] {value}, 1, MPI.LONG, all, 1, MPI.LONG);
        } catch (MPIException e) {
            throw fail("allgather", e);
        }
        return all;
    }

    @Override
    public void sendRecv(double[] send, int dest, double[] recv, int source, int tag) throws CommException {
        try {
            comm.sendRecv(send, send.length, MPI.DOUBLE, dest == NONE ? MPI.PROC_NULL : dest, tag,
                    recv, recv.length, MPI.DOUBLE, source == NONE ? MPI.PROC_NULL : source, tag);
        } catch (MPIException e) {
            throw fail("sendRecv(dest " + dest + ", source " + source + ")", e);
        }
    }

    @Override
    public void send(int dest, int tag, java.nio.ByteBuffer data) throws CommException {
        int n = data.remaining();
        // the Java binding reads a direct buffer from its address, ignoring its position: a slice
        java.nio.ByteBuffer direct;
        java.nio.ByteBuffer pooled = null;
        if (data.isDirect()) {
            direct = data.slice();
        } else {
            pooled = staging(n);
            pooled.clear().put(data.duplicate()).flip();
            direct = pooled.slice();
        }
        try {
            awaitTransfer(comm.iSend(direct, n, MPI.BYTE, dest, tag), true, dest, tag, n);
        } catch (MPIException e) {
            throw fail("send of " + n + " bytes to rank " + dest + " (tag " + tag + ")", e);
        }
        // not on failure: an abandoned send may still be reading its buffer
        if (pooled != null) {
            sendBuffers.offer(pooled);
        }
    }

    /** Direct buffers for heap data on its way out: reused, since allocating one zeroes it page by page. */
    private final java.util.concurrent.ConcurrentLinkedQueue<java.nio.ByteBuffer> sendBuffers =
            new java.util.concurrent.ConcurrentLinkedQueue<>();

    private java.nio.ByteBuffer staging(int n) {
        java.nio.ByteBuffer b = sendBuffers.poll();
        return b != null && b.capacity() >= n ? b : MPI.newByteBuffer(Math.max(n, 64 << 10));
    }

    @Override
    public int receiveInto(int source, int tag, java.nio.ByteBuffer into, long timeoutMillis) throws CommException {
        if (!into.isDirect()) {
            return Comm.super.receiveInto(source, tag, into, timeoutMillis);
        }
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        long park = 20_000;
        try {
            while (true) {
                mpi.Message m = new mpi.Message();
                mpi.Status st = m.imProbe(source == ANY ? MPI.ANY_SOURCE : source, tag, comm);
                if (st != null) {
                    int n = st.getCount(MPI.BYTE);
                    if (n > into.remaining()) {
                        throw new CommException("rank " + rank + ": a message of " + n + " bytes (tag " + tag + ") from rank "
                                + st.getSource() + " does not fit the " + into.remaining() + " bytes expected");
                    }
                    // a matched receive that parks, not MPI_Mrecv (which spins until the last byte is in)
                    awaitTransfer(m.imRecv(into.slice(), n, MPI.BYTE), false, st.getSource(), tag, n);
                    into.position(into.position() + n);
                    return st.getSource();
                }
                if (System.nanoTime() > deadline) {
                    throw new CommException("rank " + rank + " waited " + timeoutMillis + " ms for a message (tag " + tag
                            + ") from " + (source == ANY ? "any rank" : "rank " + source) + " and none came");
                }
                java.util.concurrent.locks.LockSupport.parkNanos(park);
                park = Math.min(park * 2, 1_000_000);
            }
        } catch (MPIException e) {
            throw fail("receive (tag " + tag + ")", e);
        }
    }

    @Override
    public java.util.Optional<Message> poll(int source, int tag) throws CommException {
        return poll(source, tag, null);
    }

    @Override
    public java.util.Optional<Message> poll(int source, int tag, java.nio.ByteBuffer reuse) throws CommException {
        try {
            // matched probe + receive: another thread polling the same tag cannot take this message
            mpi.Message m = new mpi.Message();
            mpi.Status st = m.imProbe(source == ANY ? MPI.ANY_SOURCE : source, tag, comm);
            if (st == null) {
                return java.util.Optional.empty();
            }
            int n = st.getCount(MPI.BYTE);
            // the binding receives at a direct buffer's address, whatever its position
            java.nio.ByteBuffer b = reuse != null && reuse.isDirect() && reuse.capacity() >= n ? reuse.clear()
                    : MPI.newByteBuffer(n);
            awaitTransfer(m.imRecv(b, n, MPI.BYTE), false, st.getSource(), tag, n);
            b.limit(n).position(0);
            return java.util.Optional.of(new Message(st.getSource(), tag, b));
        } catch (MPIException e) {
            throw fail("receive (tag " + tag + ")", e);
        }
    }

    @Override
    public byte[][] allgatherBytes(byte[] mine) throws CommException {
        long[] lengths = allgather(mine.length);
        int[] counts = new int[size];
        int[] displs = new int[size];
        long total = 0;
        for (int r = 0; r < size; r++) {
            counts[r] = Math.toIntExact(lengths[r]);
            displs[r] = (int) total;
            total += lengths[r];
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new CommException("allgather of " + total + " bytes on rank " + rank + ": more than 2 GiB in one call");
        }
        java.nio.ByteBuffer send = MPI.newByteBuffer(Math.max(1, mine.length));
        send.put(mine);
        java.nio.ByteBuffer recv = MPI.newByteBuffer((int) Math.max(1, total));
        try {
            comm.allGatherv(send, mine.length, MPI.BYTE, recv, counts, displs, MPI.BYTE);
        } catch (MPIException e) {
            throw fail("allgatherv", e);
        }
        byte[][] out = new byte[size][];
        for (int r = 0; r < size; r++) {
            out[r] = new byte[counts[r]];
            recv.get(displs[r], out[r]);
        }
        return out;
    }

    @Override
    public byte[] broadcastBytes(byte[] data, int root) throws CommException {
        long n = allreduce(rank == root ? data.length : 0, ReduceOp.MAX);
        java.nio.ByteBuffer b = MPI.newByteBuffer((int) Math.max(1, n));
        if (rank == root) {
            b.put(data).clear();
        }
        try {
            comm.bcast(b, (int) n, MPI.BYTE, root);
        } catch (MPIException e) {
            throw fail("bcast", e);
        }
        byte[] out = new byte[(int) n];
        b.get(0, out);
        return out;
    }

    @Override
    public Comm dup() throws CommException {
        try {
            return new MpiComm(comm.dup(), true);
        } catch (MPIException e) {
            throw fail("dup", e);
        }
    }

    @Override
    public void abort(int exitCode) {
        try {
            comm.abort(exitCode);
        } catch (MPIException e) {
            // abort failing leaves only the hard way out
        }
        Runtime.getRuntime().halt(exitCode);
    }

    @Override
    public void close() throws CommException {
        if (owned) {
            try {
                comm.free();
            } catch (MPIException e) {
                throw fail("free", e);
            }
        }
    }

    private CommException fail(String what, MPIException e) {
        return new CommException("MPI " + what + " failed on rank " + rank + ": " + e.getMessage(), e);
    }

    @Override
    public String toString() {
        return "MpiComm[rank " + rank + " of " + size + "]";
    }
}
