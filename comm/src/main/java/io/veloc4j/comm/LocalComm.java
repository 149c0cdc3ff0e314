package io.veloc4j.comm;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Ranks as threads of one JVM, all on one host: for tests, for embedded use without MPI, and for
 * simulating many (virtual) nodes on one machine. When one rank fails, the others' pending
 * collectives and receives fail instead of hanging.
 */
public final class LocalComm implements Comm {

    /** What each rank thread runs. */
    @FunctionalInterface
    public interface RankTask<T> {
        T run(LocalComm comm) throws Exception;
    }

    private final Group group;
    private final int rank;

    private LocalComm(Group group, int rank) {
        this.group = group;
        this.rank = rank;
    }

    /** A job of one rank, for standalone (non-MPI) use. */
    public static LocalComm single() {
        return new LocalComm(new Group(1), 0);
    }

    /**
     * Runs {@code task} on {@code size} rank threads and returns their results by rank. If any rank
     * throws, the others are released from their blocking calls and the first failure is rethrown,
     * naming its rank.
     */
    public static <T> List<T> run(int size, RankTask<T> task) throws CommException {
        if (size < 1) {
            throw new CommException("a LocalComm job needs at least one rank, got " + size);
        }
        Group group = new Group(size);
        List<T> results = new ArrayList<>(java.util.Collections.nCopies(size, null));
        Throwable[] failures = new Throwable[size];
        List<Thread> threads = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            int rank = r;
            Thread t = new Thread(() -> {
                try {
                    results.set(rank, task.run(new LocalComm(group, rank)));
                } catch (Throwable e) {
                    failures[rank] = e;
                    group.breakAll(rank, e);
                }
            }, "rank-" + r);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CommException("interrupted while waiting for rank threads", e);
            }
        }
        // The root cause is the failure that broke the group, not the ranks it released.
        int first = group.job.brokenBy;
        if (first >= 0) {
            Throwable e = failures[first];
            throw new CommException("rank " + first + " failed: " + e, e);
        }
        return results;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return group.size;
    }

    @Override
    public int hostLeader() {
        return 0;
    }

    @Override
    public int hostRank() {
        return rank;
    }

    @Override
    public int hostSize() {
        return group.size;
    }

    @Override
    public void barrier() throws CommException {
        group.exchange(rank, null);
    }

    @Override
    public long allreduce(long value, ReduceOp op) throws CommException {
        long acc = switch (op) {
            case MIN -> Long.MAX_VALUE;
            case MAX -> Long.MIN_VALUE;
            case SUM -> 0;
        };
        for (long v : allgather(value)) {
            acc = switch (op) {
                case MIN -> Math.min(acc, v);
                case MAX -> Math.max(acc, v);
                case SUM -> acc + v;
            };
        }
        return acc;
    }

    @Override
    public long[] allgather(long value) throws CommException {
        Object[] all = group.exchange(rank, value);
        long[] out = new long[all.length];
        for (int i = 0; i < all.length; i++) {
            out[i] = (Long) all[i];
        }
        return out;
    }

    @Override
    public void sendRecv(double[] send, int dest, double[] recv, int source, int tag) throws CommException {
        if (dest != NONE) {
            group.mailbox(dest, rank, tag).add(send.clone());
        }
        if (source != NONE) {
            double[] got = group.take(group.mailbox(rank, source, tag), rank, source);
            if (got.length != recv.length) {
                throw new CommException("rank " + rank + " expected " + recv.length + " doubles from rank "
                        + source + " (tag " + tag + ") but got " + got.length);
            }
            System.arraycopy(got, 0, recv, 0, got.length);
        }
    }

    @Override
    public void send(int dest, int tag, java.nio.ByteBuffer data) throws CommException {
        if (dest < 0 || dest >= group.size) {
            throw new CommException("rank " + rank + ": send to rank " + dest + " of a job of " + group.size);
        }
        java.nio.ByteBuffer copy = java.nio.ByteBuffer.allocate(data.remaining());
        copy.put(data.duplicate()).flip();
        group.inbox(dest, tag).add(new Message(rank, tag, copy));
    }

    @Override
    public java.util.Optional<Message> poll(int source, int tag) throws CommException {
        if (group.job.brokenBy >= 0) {
            throw group.released(rank);
        }
        java.util.concurrent.LinkedBlockingDeque<Message> box = group.inbox(rank, tag);
        if (source == ANY) {
            return java.util.Optional.ofNullable(box.poll());
        }
        for (Message m : box) {
            if (m.source() == source && box.remove(m)) {
                return java.util.Optional.of(m);
            }
        }
        return java.util.Optional.empty();
    }

    @Override
    public byte[][] allgatherBytes(byte[] mine) throws CommException {
        Object[] all = group.exchange(rank, mine.clone());
        byte[][] out = new byte[all.length][];
        for (int i = 0; i < all.length; i++) {
            out[i] = ((byte[]) all[i]).clone();
        }
        return out;
    }

    @Override
    public byte[] broadcastBytes(byte[] data, int root) throws CommException {
        Object[] all = group.exchange(rank, rank == root ? data.clone() : null);
        return ((byte[]) all[root]).clone();
    }

    @Override
    public Comm dup() throws CommException {
        Object[] all = group.exchange(rank, rank == 0 ? new Group(group.size, group.job) : null);
        return new LocalComm((Group) all[0], rank);
    }

    @Override
    public void abort(int exitCode) {
        // Ranks share the JVM, so a job abort is the JVM's end, as mpirun's would be.
        Runtime.getRuntime().halt(exitCode);
    }

    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "LocalComm[rank " + rank + " of " + group.size + "]";
    }

    /** Whether a rank of the job has failed, and which. */
    private static final class JobState {
        volatile int brokenBy = -1;
    }

    /** State shared by the ranks of one communicator. */
    private static final class Group {
        final int size;
        final Object lock = new Object();
        int arrived;
        long generation;
        final Object[] slots;
        final ConcurrentHashMap<List<Integer>, BlockingQueue<double[]>> mailboxes = new ConcurrentHashMap<>();
        /** Byte messages by (destination, tag), oldest first. */
        final ConcurrentHashMap<List<Integer>, java.util.concurrent.LinkedBlockingDeque<Message>> inboxes =
                new ConcurrentHashMap<>();
        /** Failure state shared by the job's world group and every group dup'd from it. */
        final JobState job;

        Group(int size) {
            this(size, new JobState());
        }

        Group(int size, JobState job) {
            this.size = size;
            this.slots = new Object[size];
            this.job = job;
        }

        /** Every rank deposits a value and gets all of them, indexed by rank. */
        Object[] exchange(int rank, Object value) throws CommException {
            slots[rank] = value;
            await(rank);
            Object[] copy = slots.clone();
            await(rank); // nobody overwrites a slot before everyone has read it
            return copy;
        }

        /** A barrier that a failed rank can break for good (a CyclicBarrier would rearm on reset). */
        private void await(int rank) throws CommException {
            synchronized (lock) {
                if (job.brokenBy >= 0) {
                    throw released(rank);
                }
                long gen = generation;
                if (++arrived == size) {
                    arrived = 0;
                    generation++;
                    lock.notifyAll();
                    return;
                }
                while (gen == generation) {
                    if (job.brokenBy >= 0) {
                        throw released(rank);
                    }
                    try {
                        lock.wait(100);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new CommException("rank " + rank + " interrupted in a collective", e);
                    }
                }
            }
        }

        java.util.concurrent.LinkedBlockingDeque<Message> inbox(int dest, int tag) {
            return inboxes.computeIfAbsent(List.of(dest, tag), k -> new java.util.concurrent.LinkedBlockingDeque<>());
        }

        BlockingQueue<double[]> mailbox(int dest, int source, int tag) {
            return mailboxes.computeIfAbsent(List.of(dest, source, tag), k -> new LinkedBlockingQueue<>());
        }

        double[] take(BlockingQueue<double[]> box, int rank, int source) throws CommException {
            try {
                while (true) {
                    double[] got = box.poll(100, TimeUnit.MILLISECONDS);
                    if (got != null) {
                        return got;
                    }
                    if (job.brokenBy >= 0) {
                        throw released(rank);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CommException("rank " + rank + " interrupted receiving from rank " + source, e);
            }
        }

        void breakAll(int rank, Throwable cause) {
            synchronized (lock) {
                if (job.brokenBy < 0) {
                    job.brokenBy = rank;
                }
                lock.notifyAll();
            }
        }

        CommException released(int rank) {
            return new CommException("rank " + rank + " released: rank " + job.brokenBy + " of the local job failed");
        }
    }
}
