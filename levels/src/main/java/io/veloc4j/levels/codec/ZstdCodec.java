package io.veloc4j.levels.codec;

import com.github.luben.zstd.Zstd;
import io.veloc4j.levels.ElementType;

/** zstd alone. */
final class ZstdCodec implements Codec {

    private final ElementType type;
    private final int level;

    ZstdCodec(ElementType type, int level) {
        this.type = type;
        this.level = level;
    }

    @Override
    public CodecKind kind() {
        return CodecKind.ZSTD;
    }

    @Override
    public ElementType type() {
        return type;
    }

    @Override
    public int maxEncodedLength(int rawLength) {
        return (int) Zstd.compressBound(rawLength);
    }

    @Override
    public int encode(byte[] raw, int off, int len, byte[] out, int outOff) {
        long n = Zstd.compressByteArray(out, outOff, out.length - outOff, raw, off, len, level);
        if (Zstd.isError(n)) {
            throw new IllegalStateException("zstd: " + Zstd.getErrorName(n));
        }
        return (int) n;
    }

    @Override
    public void decode(byte[] enc, int off, int len, byte[] raw, int rawOff, int rawLen) {
        long n = Zstd.decompressByteArray(raw, rawOff, rawLen, enc, off, len);
        if (Zstd.isError(n) || n != rawLen) {
            throw new IllegalArgumentException("zstd frame decodes to " + (Zstd.isError(n) ? Zstd.getErrorName(n) : n + " bytes")
                    + ", expected " + rawLen);
        }
    }
}
