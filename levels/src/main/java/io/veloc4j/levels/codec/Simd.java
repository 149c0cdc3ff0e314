package io.veloc4j.levels.codec;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteOrder;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether the codecs' hot loops run on the Vector API ({@link VectorKernels}) or as scalar Java
 * ({@link Kernels}); both produce the same bits, the formats do not depend on it.
 *
 * <p>The Vector API is used when the JVM was started with {@code --add-modules=jdk.incubator.vector}
 * (every JVM veloc4j's launcher, tests and jobs start has it: the parent pom's
 * {@code veloc4j.jvmFlags}), the platform's preferred vectors are at least 256 bits wide
 * (narrower ones run slower than scalar code) and the byte order is little-endian;
 * {@code -Dveloc4j.simd=false} forces the scalar loops (for measurements).
 *
 * <p>Until the JIT has compiled them, vector kernels run far slower than scalar ones (each vector
 * operation allocates), and compiling them costs about a second of CPU. So a JVM starts with the
 * scalar kernels; once its codecs have transformed {@value #WARM_UP_AFTER_BYTES} bytes (a job
 * that checkpoints, not a test or a short command), a background thread runs the vector kernels
 * on small inputs until they are compiled, checks them against the scalar ones, and the codecs
 * switch over. This state is per JVM, like the JIT it tracks: hence static.
 */
final class Simd {

    private static final Logger LOG = LoggerFactory.getLogger(Simd.class);

    /** Warm-up rounds at most (C2 compiles the kernels after about 10^4; a round costs microseconds once compiled). */
    static final int WARM_UP_ROUNDS = 200_000;

    /** This JVM can run the Vector API kernels for 32-bit elements. */
    static final boolean INTS;
    /** ... and those for 64-bit elements (they need 8 long lanes, i.e. 512-bit vectors). */
    static final boolean LONGS;

    /** Bytes the codecs transform before the vector kernels are warmed up. */
    static final long WARM_UP_AFTER_BYTES = 64L << 20;

    /** The vector kernels are compiled and checked: use them. */
    private static volatile boolean warm;
    private static final AtomicLong TRANSFORMED = new AtomicLong();
    private static final AtomicBoolean STARTED = new AtomicBoolean();
    private static final CountDownLatch DONE = new CountDownLatch(1);

    static {
        boolean ints = false;
        boolean longs = false;
        if (!"false".equals(System.getProperty("veloc4j.simd")) && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN
                && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            try {
                ints = VectorKernels.intsUsable();
                longs = ints && VectorKernels.longsUsable();
            } catch (LinkageError | RuntimeException e) {
                ints = false;
                longs = false;
            }
        }
        INTS = ints;
        LONGS = longs;
    }

    private Simd() {
    }

    /** Counts bytes a codec transforms; the first to pass {@link #WARM_UP_AFTER_BYTES} starts the warm-up. */
    static void transformed(int bytes) {
        if (INTS && !STARTED.get() && TRANSFORMED.addAndGet(bytes) >= WARM_UP_AFTER_BYTES) {
            startWarmUp();
        }
    }

    /** Starts the warm-up now, if this JVM can use the vector kernels and it has not started. */
    static void startWarmUp() {
        if (!INTS) {
            DONE.countDown();
            return;
        }
        if (STARTED.compareAndSet(false, true)) {
            Thread t = new Thread(Simd::warmUp, "veloc4j-simd-warm-up");
            t.setDaemon(true);
            t.start();
        }
    }

    /** Starts the warm-up and waits for it; true if the vector kernels are then in use. */
    static boolean awaitWarmUp(long timeout, TimeUnit unit) throws InterruptedException {
        startWarmUp();
        DONE.await(timeout, unit);
        return warm;
    }

    private static void warmUp() {
        try {
            if (VectorKernels.warmUp(WARM_UP_ROUNDS)) {
                warm = true;
                LOG.debug("codec kernels: {}", describe());
            } else {
                LOG.warn("the Vector API codec kernels disagree with the scalar ones on this JVM; using the scalar ones");
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("the Vector API codec kernels failed on this JVM ({}); using the scalar ones", e.toString());
        } finally {
            DONE.countDown();
        }
    }

    /** Use the vector kernels for 32-bit elements now. */
    static boolean ints() {
        return warm;
    }

    /** Use the vector kernels for 64-bit elements now. */
    static boolean longs() {
        return LONGS && warm;
    }

    /** For logs and benches: which kernels this JVM runs (or will, once warmed up). */
    static String describe() {
        return INTS ? VectorKernels.describe() + (LONGS ? "" : " (64-bit elements scalar)") : "scalar";
    }
}
