package io.veloc4j.flush;

import com.lmax.disruptor.ExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a stage that throws does to the ring: logs the job and carries on. Disruptor's default
 * handler rethrows, which stops that stage's processor for good: every later job would then sit on
 * the ring forever and the ranks waiting for it would hang. The job's flush is marked failed (its
 * scratch copies stay), and the last stage still completes it for waiters.
 */
final class StageFailure implements ExceptionHandler<FlushSlot> {

    private static final Logger LOG = LoggerFactory.getLogger(StageFailure.class);

    @Override
    public void handleEventException(Throwable ex, long sequence, FlushSlot slot) {
        LOG.error("flush stage failed on {}: {}", slot.job, ex.toString(), ex);
        if (slot.error == null) {
            slot.error = "internal error in the flush engine: " + ex;
        }
    }

    @Override
    public void handleOnStartException(Throwable ex) {
        LOG.error("flush stage failed to start: {}", ex.toString(), ex);
    }

    @Override
    public void handleOnShutdownException(Throwable ex) {
        LOG.warn("flush stage failed to stop: {}", ex.toString());
    }
}
