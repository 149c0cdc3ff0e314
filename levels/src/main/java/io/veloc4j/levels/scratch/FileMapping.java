package io.veloc4j.levels.scratch;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * A file mapped read-write in windows of {@link #WINDOW} bytes (a MappedByteBuffer holds at most
 * 2 GiB). Kept across checkpoints, a mapping keeps its page table entries: writing through it
 * again costs a memory copy, where a write() to a new tmpfs file pays a page allocation and a
 * fresh mapping a page fault per 4 KiB. Unmapped explicitly ({@link #release}), so that the pages
 * of a deleted file are not held until a garbage collection.
 */
final class FileMapping {

    /** Window size: a multiple of the writer's copy slice, so that no slice spans two windows. */
    static final long WINDOW = 1L << 30;

    private static final Method INVOKE_CLEANER;
    private static final Object UNSAFE;

    static {
        Method m = null;
        Object u = null;
        try {
            Class<?> c = Class.forName("sun.misc.Unsafe");
            Field f = c.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            u = f.get(null);
            m = c.getMethod("invokeCleaner", ByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // no explicit unmapping: the pages go when the buffers are collected
        }
        INVOKE_CLEANER = m;
        UNSAFE = u;
    }

    private final List<MappedByteBuffer> windows;
    private final long capacity;
    /** The mapped file's identity (device and inode): a mapping is only ever used for the file it maps. */
    private final Object fileKey;

    private FileMapping(List<MappedByteBuffer> windows, long capacity, Object fileKey) {
        this.windows = windows;
        this.capacity = capacity;
        this.fileKey = fileKey;
    }

    /** Maps {@code [0, length)} of the file open in {@code ch} (whose identity is {@code fileKey}). */
    static FileMapping map(FileChannel ch, long length, Object fileKey) throws IOException {
        List<MappedByteBuffer> w = new ArrayList<>();
        try {
            for (long at = 0; at < length; at += WINDOW) {
                MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_WRITE, at, Math.min(WINDOW, length - at));
                b.order(ByteOrder.LITTLE_ENDIAN);
                w.add(b);
            }
        } catch (IOException | RuntimeException e) {
            w.forEach(FileMapping::unmap);
            throw e;
        }
        return new FileMapping(w, length, fileKey);
    }

    long capacity() {
        return capacity;
    }

    Object fileKey() {
        return fileKey;
    }

    /**
     * A buffer over {@code [at, at + len)} of the file, position 0, little-endian; the range must
     * lie in one window (callers cut at multiples of the copy slice).
     */
    ByteBuffer slice(long at, int len) {
        int w = (int) (at / WINDOW);
        int off = (int) (at % WINDOW);
        if (off + (long) len > WINDOW) {
            throw new IllegalArgumentException("range [" + at + ", " + (at + len) + ") spans two mapping windows");
        }
        return windows.get(w).duplicate().position(off).limit(off + len).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Forces written pages to the device (scratch_fsync). */
    void force(long length) {
        for (int i = 0; i < windows.size() && (long) i * WINDOW < length; i++) {
            windows.get(i).force();
        }
    }

    /**
     * Writes one byte of every page of {@code [0, length)} back as it is: the page table entries
     * then exist, and the next copy through this mapping faults no more. Only for a file no one
     * else writes or reads while it runs; stops early once {@code stop} says so.
     */
    void touch(long length, java.util.function.BooleanSupplier stop) {
        for (long at = 0; at < length; at += 4096) {
            if ((at & ((1 << 24) - 1)) == 0 && stop.getAsBoolean()) {
                return;
            }
            MappedByteBuffer b = windows.get((int) (at / WINDOW));
            int off = (int) (at % WINDOW);
            b.put(off, b.get(off));
        }
    }

    /** Unmaps now; the mapping must not be used afterwards. */
    void release() {
        windows.forEach(FileMapping::unmap);
        windows.clear();
    }

    private static void unmap(MappedByteBuffer b) {
        if (INVOKE_CLEANER != null) {
            try {
                INVOKE_CLEANER.invoke(UNSAFE, b);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // left to the garbage collector
            }
        }
    }
}
