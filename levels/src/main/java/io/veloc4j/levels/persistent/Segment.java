package io.veloc4j.levels.persistent;

import io.veloc4j.levels.ElementType;
import io.veloc4j.levels.codec.CodecKind;

import java.util.List;

/**
 * One raw byte stream of an aggregate, stored as independently encoded chunks.
 *
 * @param key       the variable key it holds (name|type|dimensions), or ~rest / ~all for untyped bytes
 * @param rowLength elements per row for 2-D predictors (0: unknown)
 * @param length    raw bytes
 * @param chunks    in raw order; raw offsets are within this segment
 */
record Segment(String key, ElementType type, int rowLength, CodecKind codec, long length, List<Chunk> chunks) {

    Segment {
        chunks = List.copyOf(chunks);
    }

    /** Index of the chunk holding raw offset {@code at} of this segment. */
    int chunkAt(long at) {
        int lo = 0;
        int hi = chunks.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (chunks.get(mid).rawOffset() <= at) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    long storedBytes() {
        return chunks.stream().mapToLong(Chunk::storedLength).sum();
    }
}
