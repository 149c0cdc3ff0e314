package io.veloc4j.levels.codec;

import io.veloc4j.levels.ElementType;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Codec instances shared across segments and aggregates. Building a codec costs zstd contexts and
 * scratch buffers; an aggregate has a segment per variable, most sharing kind, type and row length.
 */
public final class CodecCache {

    private record Key(CodecKind kind, ElementType type, int rowLength, int level) {
    }

    private final Map<Key, Codec> codecs = new ConcurrentHashMap<>();
    private final Map<Integer, ScratchPool> pools = new ConcurrentHashMap<>();

    /** As {@link Codecs#of}, built once per (kind, type, row length, level). */
    public Codec get(CodecKind kind, ElementType type, int rowLength, int level) {
        return codecs.computeIfAbsent(new Key(kind, type, rowLength, level),
                k -> Codecs.of(kind, type, rowLength, level, pools.computeIfAbsent(level, ScratchPool::new)));
    }

    /**
     * {@code codec = auto} with this cache's codecs and scratch (no zstd contexts built per call):
     * see {@link Codecs#choose(ElementType, int, byte[], int, int, int)}. The sample is the given
     * {offset, length} pieces of {@code sample}; with one piece and {@code keep} not null (at least
     * {@link Codecs#trialBound} bytes), the winner's encoding of it is left in {@code keep}.
     */
    public Codecs.Choice choose(ElementType type, int rowLength, int level, byte[] sample, int[][] pieces, byte[] keep) {
        return Codecs.choose(type, sample, pieces, k -> get(k, type, rowLength, level), keep, null);
    }

    /** {@link Codecs#chooseExact} with this cache's codecs. */
    public Codecs.Exact chooseExact(ElementType type, int rowLength, int level, byte[][] chunks, int[] sizes,
                                    java.util.function.IntFunction<byte[]> buffers, java.util.function.Consumer<byte[]> recycle) {
        return Codecs.chooseExact(type, chunks, sizes, k -> get(k, type, rowLength, level), buffers, recycle);
    }
}
