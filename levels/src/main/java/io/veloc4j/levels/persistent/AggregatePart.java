package io.veloc4j.levels.persistent;

import io.veloc4j.levels.CorruptCheckpointException;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * One node's share of a group whose ranks live on several nodes: its members' encoded chunks
 * ({@code chunkBytes} of them, from stored offset 0) and their index. The node that encoded it
 * ships it, index first, to the group's writer, which lays the parts one after another in the
 * group's aggregate ({@link AggregateAssembly}): network bytes are compressed bytes.
 *
 * @param index      the part's index in the aggregate index format ({@link AggregateFormat})
 * @param indexCrc   CRC32C of {@code index}, checked by the receiver
 * @param chunkBytes stored bytes of the part's chunks
 * @param rawBytes   the part's rank files' bytes
 */
public record AggregatePart(byte[] index, int indexCrc, long chunkBytes, long rawBytes) {

    /** The largest part index a receiver accepts (the largest index an aggregate may have). */
    public static final int MAX_INDEX_BYTES = AggregateFormat.MAX_INDEX;

    public AggregatePart {
        index = index.clone();
    }

    @Override
    public byte[] index() {
        return index.clone();
    }

    static AggregatePart of(AggregateIndex index, long chunkBytes) {
        ByteBuffer b = index.encode();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        long raw = index.members().stream().mapToLong(Member::rawLength).sum();
        return new AggregatePart(bytes, crc(bytes), chunkBytes, raw);
    }

    /** The part's index, checked (CRC, format, bounds) as a reader checks an aggregate's. */
    AggregateIndex decode(String from) throws CorruptCheckpointException {
        if (crc(index) != indexCrc) {
            throw new CorruptCheckpointException("the part of a group's aggregate received from " + from
                    + " is corrupt: index checksum mismatch");
        }
        if (index.length > AggregateFormat.MAX_INDEX) {
            throw new CorruptCheckpointException("the part received from " + from + " has an index of " + index.length
                    + " bytes, more than " + AggregateFormat.MAX_INDEX);
        }
        try {
            return AggregateIndex.decode(ByteBuffer.wrap(index));
        } catch (RuntimeException e) {
            throw new CorruptCheckpointException("the part received from " + from + " has a malformed index: " + e.getMessage());
        }
    }

    private static int crc(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b);
        return (int) c.getValue();
    }
}
