package io.veloc4j.runtime;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Progress of a long operation (restart, drain at close, verify, export): a line with the bytes
 * done, the total, the rate and the time left, once a second after the first two seconds, from
 * a daemon thread that reads a counter. Operations that end sooner print nothing.
 */
public final class Progress implements AutoCloseable {

    private static final long FIRST_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long EVERY_MILLIS = 1000;

    private final Thread ticker;
    private volatile boolean stopped;

    private Progress(String what, long total, LongSupplier done, Consumer<String> sink) {
        long start = System.nanoTime();
        this.ticker = new Thread(() -> {
            try {
                Thread.sleep(TimeUnit.NANOSECONDS.toMillis(FIRST_NANOS));
                while (!stopped) {
                    sink.accept(line(what, done.getAsLong(), total, System.nanoTime() - start));
                    Thread.sleep(EVERY_MILLIS);
                }
            } catch (InterruptedException e) {
                // closed
            }
        }, "veloc4j-progress");
        ticker.setDaemon(true);
        ticker.start();
    }

    /**
     * Starts reporting {@code what}: {@code done} is read from another thread, so it must be
     * thread-safe (an AtomicLong, a volatile field).
     */
    public static Progress start(String what, long totalBytes, LongSupplier done, Consumer<String> sink) {
        return new Progress(what, totalBytes, done, sink);
    }

    /** Stops reporting (no further line is printed). */
    @Override
    public void close() {
        stopped = true;
        ticker.interrupt();
    }

    /** "what: 1.2 GiB of 3.4 GiB (35%), 410.0 MiB/s, ETA 6 s" for {@code done} bytes after {@code elapsedNanos}. */
    public static String line(String what, long done, long total, long elapsedNanos) {
        double seconds = Math.max(1e-9, elapsedNanos / 1e9);
        double rate = done / seconds;
        StringBuilder b = new StringBuilder(what).append(": ").append(bytes(done));
        if (total > 0) {
            b.append(" of ").append(bytes(total)).append(" (").append(Math.min(100, done * 100 / total)).append("%)");
        }
        b.append(", ").append(bytes((long) rate)).append("/s");
        if (total > 0 && done > 0) {
            long left = (long) Math.ceil(Math.max(0, total - done) / rate);
            b.append(", ETA ").append(duration(left));
        }
        return b.toString();
    }

    /** Bytes as people read them: "512 B", "1.5 KiB", "3.0 GiB". */
    public static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    private static String duration(long seconds) {
        if (seconds < 120) {
            return seconds + " s";
        }
        if (seconds < 7200) {
            return (seconds + 30) / 60 + " min";
        }
        return String.format(Locale.ROOT, "%.1f h", seconds / 3600.0);
    }
}
