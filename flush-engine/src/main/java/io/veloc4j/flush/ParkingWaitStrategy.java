package io.veloc4j.flush;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.WaitStrategy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * How the engine's stages wait: blocked on a monitor until a job is published (no wake-ups while
 * the application computes and nothing is in flight), then parked with a short backoff while an
 * upstream stage works on it. Disruptor's BlockingWaitStrategy busy-spins in that second wait,
 * burning a core for the seconds an aggregate takes; SleepingWaitStrategy wakes every stage
 * every millisecond even when idle, preempting the application on a fully loaded node.
 */
final class ParkingWaitStrategy implements WaitStrategy {

    private static final long FIRST_PARK = TimeUnit.MICROSECONDS.toNanos(20);
    private static final long LONGEST_PARK = TimeUnit.MILLISECONDS.toNanos(1);

    private final Object mutex = new Object();

    @Override
    public long waitFor(long sequence, Sequence cursor, Sequence dependentSequence, SequenceBarrier barrier)
            throws AlertException, InterruptedException {
        if (cursor.get() < sequence) {
            synchronized (mutex) {
                while (cursor.get() < sequence) {
                    barrier.checkAlert();
                    mutex.wait();
                }
            }
        }
        long available;
        long park = FIRST_PARK;
        while ((available = dependentSequence.get()) < sequence) {
            barrier.checkAlert();
            LockSupport.parkNanos(park);
            park = Math.min(park * 2, LONGEST_PARK);
        }
        return available;
    }

    @Override
    public void signalAllWhenBlocking() {
        synchronized (mutex) {
            mutex.notifyAll();
        }
    }
}
