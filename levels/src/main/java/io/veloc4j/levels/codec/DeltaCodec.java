package io.veloc4j.levels.codec;

import io.veloc4j.levels.ElementType;

/**
 * Integers: difference to the previous element (wrapping in the element's width), zigzag, shuffle,
 * zstd. Body: one planes block.
 */
final class DeltaCodec extends TransformCodec {

    DeltaCodec(ElementType type, int level) {
        this(type, level, new ScratchPool(level));
    }

    DeltaCodec(ElementType type, int level, ScratchPool pool) {
        super(type, level, pool);
        if (!CodecKind.DELTA.appliesTo(type)) {
            throw new IllegalArgumentException("delta does not apply to " + type);
        }
    }

    @Override
    public CodecKind kind() {
        return CodecKind.DELTA;
    }

    @Override
    int encodeBody(Scratch s, byte[] raw, int off, int n, byte[] out, int pos, int flagsAt) {
        byte[] p = s.planes(n * width);
        long or = switch (width) {
            case 8 -> Kernels.lorenzo64(raw, off, n, 0, 0L, s.longs(n), s.tile64(), p);
            case 4 -> Kernels.lorenzo32(raw, off, n, 0, 0, s.ints(n), s.tile32(), p) & 0xffffffffL;
            case 2 -> Kernels.lorenzo16(raw, off, n, 0, p);
            default -> Kernels.lorenzo8(raw, off, n, 0, p);
        };
        return putPlanes(s, p, n, width, or, out, pos);
    }

    @Override
    void decodeBody(Scratch s, In in, int flags, int n, byte[] raw, int rawOff) {
        byte[] p = s.planes(n * width);
        int mask = getPlanes(s, in, p, n, width);
        switch (width) {
            case 8 -> Kernels.unlorenzo64(p, n, mask, 0, 0L, s.longs(n), raw, rawOff);
            case 4 -> Kernels.unlorenzo32(p, n, mask, 0, 0, s.ints(n), raw, rawOff);
            case 2 -> Kernels.unlorenzo16(p, n, 0, raw, rawOff);
            default -> Kernels.unlorenzo8(p, n, 0, raw, rawOff);
        }
    }
}
