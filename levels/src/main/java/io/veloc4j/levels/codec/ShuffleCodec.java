package io.veloc4j.levels.codec;

import io.veloc4j.levels.ElementType;

/** Byte shuffle by element width, then zstd. Body: one planes block. */
final class ShuffleCodec extends TransformCodec {

    ShuffleCodec(ElementType type, int level) {
        this(type, level, new ScratchPool(level));
    }

    ShuffleCodec(ElementType type, int level, ScratchPool pool) {
        super(type, level, pool);
        if (width < 2) {
            throw new IllegalArgumentException("shuffle does not apply to " + type);
        }
    }

    @Override
    public CodecKind kind() {
        return CodecKind.SHUFFLE;
    }

    @Override
    int encodeBody(Scratch s, byte[] raw, int off, int n, byte[] out, int pos, int flagsAt) {
        byte[] p = s.planes(n * width);
        long or = switch (width) {
            case 8 -> Kernels.shuffle64(raw, off, n, s.tile64(), p);
            case 4 -> Kernels.shuffle32(raw, off, n, s.tile32(), p) & 0xffffffffL;
            default -> Kernels.shuffle16(raw, off, n, p);
        };
        return putPlanes(s, p, n, width, or, out, pos);
    }

    @Override
    void decodeBody(Scratch s, In in, int flags, int n, byte[] raw, int rawOff) {
        byte[] p = s.planes(n * width);
        getPlanes(s, in, p, n, width);
        switch (width) {
            case 8 -> Kernels.unshuffle64(p, n, raw, rawOff);
            case 4 -> Kernels.unshuffle32(p, n, raw, rawOff);
            default -> Kernels.unshuffle16(p, n, raw, rawOff);
        }
    }
}
