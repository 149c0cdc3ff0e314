package io.veloc4j.levels.codec;

import com.github.luben.zstd.Zstd;
import io.veloc4j.levels.ElementType;

import java.util.Objects;

/** zstd alone: the frame is a plain zstd frame. */
final class ZstdCodec implements Codec {

    private final ElementType type;
    private final int level;
    private final ScratchPool pool;

    ZstdCodec(ElementType type, int level) {
        this(type, level, new ScratchPool(level));
    }

    ZstdCodec(ElementType type, int level, ScratchPool pool) {
        this.type = type;
        this.level = level;
        this.pool = pool;
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
        Objects.checkFromIndexSize(off, len, raw.length);
        Objects.checkIndex(outOff, out.length + 1);
        Scratch s = pool.take();
        try {
            return s.cctx().compressByteArray(out, outOff, out.length - outOff, raw, off, len);
        } catch (com.github.luben.zstd.ZstdException e) {
            throw new IllegalStateException("zstd: " + e.getMessage(), e);
        } finally {
            pool.give(s);
        }
    }

    @Override
    public void decode(byte[] enc, int off, int len, byte[] raw, int rawOff, int rawLen) {
        Objects.checkFromIndexSize(off, len, enc.length);
        Objects.checkFromIndexSize(rawOff, rawLen, raw.length);
        Scratch s = pool.take();
        int n;
        try {
            n = s.dctx().decompressByteArray(raw, rawOff, rawLen, enc, off, len);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("zstd frame malformed: " + e.getMessage(), e);
        } finally {
            pool.give(s);
        }
        if (n != rawLen) {
            throw new IllegalArgumentException("zstd frame decodes to " + n + " bytes, expected " + rawLen);
        }
    }
}
