package io.veloc4j.levels.codec;

import io.veloc4j.levels.ElementType;

/** Floats: XOR with the previous value's bits (FPC's last-value predictor), shuffle, zstd. Body: one planes block. */
final class XorCodec extends TransformCodec {

    XorCodec(ElementType type, int level) {
        this(type, level, new ScratchPool(level));
    }

    XorCodec(ElementType type, int level, ScratchPool pool) {
        super(type, level, pool);
        if (!CodecKind.XOR.appliesTo(type)) {
            throw new IllegalArgumentException("xor does not apply to " + type);
        }
    }

    @Override
    public CodecKind kind() {
        return CodecKind.XOR;
    }

    @Override
    int encodeBody(Scratch s, byte[] raw, int off, int n, byte[] out, int pos, int flagsAt) {
        byte[] p = s.planes(n * width);
        long or = width == 8 ? Kernels.xor64(raw, off, n, s.tile64(), p) : Kernels.xor32(raw, off, n, s.tile32(), p) & 0xffffffffL;
        return putPlanes(s, p, n, width, or, out, pos);
    }

    @Override
    void decodeBody(Scratch s, In in, int flags, int n, byte[] raw, int rawOff) {
        byte[] p = s.planes(n * width);
        getPlanes(s, in, p, n, width);
        if (width == 8) {
            Kernels.unxor64(p, n, raw, rawOff);
        } else {
            Kernels.unxor32(p, n, s.tile32(), raw, rawOff);
        }
    }
}
