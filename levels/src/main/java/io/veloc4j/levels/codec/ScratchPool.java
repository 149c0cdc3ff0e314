package io.veloc4j.levels.codec;

import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Scratch for concurrent codec calls: a call takes one (or makes one), and gives it back. Holds at
 * most as many as there were concurrent calls. Owned by one codec instance.
 */
final class ScratchPool {

    private final int level;
    private final ConcurrentLinkedQueue<Scratch> free = new ConcurrentLinkedQueue<>();

    ScratchPool(int level) {
        this.level = level;
    }

    int level() {
        return level;
    }

    Scratch take() {
        Scratch s = free.poll();
        return s != null ? s : new Scratch(level);
    }

    void give(Scratch s) {
        free.offer(s);
    }
}
