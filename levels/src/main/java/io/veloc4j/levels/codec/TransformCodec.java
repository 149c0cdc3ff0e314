package io.veloc4j.levels.codec;

import com.github.luben.zstd.Zstd;
import io.veloc4j.levels.ElementType;

import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * A codec that transforms the elements reversibly, byte-shuffles the result and compresses it
 * with zstd. The frame:
 *
 * <pre>
 * u8      0xA0 | kind code
 * u8      flags (kind-specific)
 * varint  element count n
 * u32     CRC32C of the raw bytes (checked after decoding: a frame never decodes to wrong bytes silently)
 * ...     kind-specific fields and sections; nothing when n = 0
 * </pre>
 *
 * A <em>planes block</em> holds the byte planes of shuffled values (see {@link #putPlanes}); a
 * <em>section</em> is a u32 length and a zstd frame.
 * All integers little-endian; varints are LEB128. Decoding checks every length against the
 * expected one and that the frame is consumed exactly.
 */
abstract class TransformCodec implements Codec {

    static final int MAGIC = 0xA0;
    /** Upper bound of the frame's fixed fields (header, masks, section lengths, varints). */
    static final int OVERHEAD = 2048;

    final ElementType type;
    final int width;
    final int level;
    private final ScratchPool pool;

    TransformCodec(ElementType type, int level, ScratchPool pool) {
        if (pool.level() != level) {
            throw new IllegalArgumentException("scratch for level " + pool.level() + ", codec at " + level);
        }
        this.type = type;
        this.width = type.width();
        this.level = level;
        this.pool = pool;
    }

    @Override
    public final ElementType type() {
        return type;
    }

    /** The zstd level of the final stage. */
    public final int level() {
        return level;
    }

    @Override
    public int maxEncodedLength(int rawLength) {
        // main stream, plus a side stream of at most a quarter of the raw size (rank table, FPC selectors)
        long bound = OVERHEAD + Zstd.compressBound(rawLength) + Zstd.compressBound(rawLength / 4 + 8);
        return (int) Math.min(Integer.MAX_VALUE - 8, bound);
    }

    @Override
    public final int encode(byte[] raw, int off, int len, byte[] out, int outOff) {
        Objects.checkFromIndexSize(off, len, raw.length);
        Objects.checkIndex(outOff, out.length + 1);
        if (len % width != 0) {
            throw new IllegalArgumentException(len + " bytes are not whole " + type + " elements");
        }
        int n = len / width;
        Simd.transformed(len);
        Scratch s = pool.take();
        try {
            int pos = outOff;
            out[pos++] = (byte) (MAGIC | kind().code());
            int flagsAt = pos++;
            out[flagsAt] = 0;
            pos = putVarint(out, pos, n);
            CRC32C crc = new CRC32C();
            crc.update(raw, off, len);
            Kernels.I32.set(out, pos, (int) crc.getValue());
            pos += 4;
            if (n > 0) {
                pos = encodeBody(s, raw, off, n, out, pos, flagsAt);
            }
            return pos - outOff;
        } catch (com.github.luben.zstd.ZstdException e) {
            throw new IllegalStateException(kind().label() + " encode: zstd " + e.getMessage(), e);
        } finally {
            pool.give(s);
        }
    }

    @Override
    public final void decode(byte[] enc, int off, int len, byte[] raw, int rawOff, int rawLen) {
        Objects.checkFromIndexSize(off, len, enc.length);
        Objects.checkFromIndexSize(rawOff, rawLen, raw.length);
        Scratch s = pool.take();
        try {
            In in = new In(enc, off, len);
            int magic = in.u8();
            if (magic != (MAGIC | kind().code())) {
                throw new IllegalArgumentException("not a " + kind().label() + " frame (0x" + Integer.toHexString(magic) + ")");
            }
            int flags = in.u8();
            long n = in.varint();
            if (n * width != rawLen) {
                throw new IllegalArgumentException(kind().label() + " frame holds " + n + " " + type + " elements, expected "
                        + rawLen + " bytes");
            }
            int crc = in.i32();
            Simd.transformed(rawLen);
            if (n > 0) {
                decodeBody(s, in, flags, (int) n, raw, rawOff);
            }
            if (in.pos != in.end) {
                throw new IllegalArgumentException(kind().label() + " frame has " + (in.end - in.pos) + " trailing bytes");
            }
            CRC32C c = new CRC32C();
            c.update(raw, rawOff, rawLen);
            if ((int) c.getValue() != crc) {
                throw new IllegalArgumentException(kind().label() + " frame decodes to bytes that fail its checksum");
            }
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(kind().label() + " frame malformed: " + e, e);
        } finally {
            pool.give(s);
        }
    }

    /** Writes the kind-specific part of a frame of {@code n > 0} elements; returns the end position. */
    abstract int encodeBody(Scratch s, byte[] raw, int off, int n, byte[] out, int pos, int flagsAt);

    /** Reads the kind-specific part and writes the {@code n > 0} elements to {@code raw[rawOff]}. */
    abstract void decodeBody(Scratch s, In in, int flags, int n, byte[] raw, int rawOff);

    // ---------------------------------------------------------------- sections

    /**
     * A planes block for the {@code width}-byte values shuffled in {@code planes}, whose OR is
     * {@code or}: u8 mask of the planes kept (not all zero), u8 mask of the kept planes stored
     * verbatim (n bytes each, no zstd: their bytes look random, zstd would gain little and its
     * Huffman decoding costs more than a copy), then each kept plane in order, verbatim or as a
     * section.
     */
    static int putPlanes(Scratch s, byte[] planes, int n, int width, long or, byte[] out, int pos) {
        int mask = Kernels.planeMask(or, width);
        int maskAt = pos;
        int rawAt = pos + 1;
        pos += 2;
        int rawMask = 0;
        for (int k = 0; k < width; k++) {
            if ((mask & (1 << k)) == 0) {
                continue;
            }
            if (Entropy.looksRandom(planes, k * n, n, s.histogram())) {
                rawMask |= 1 << k;
                System.arraycopy(planes, k * n, out, pos, n);
                pos += n;
            } else {
                pos = putSection(s, planes, k * n, n, out, pos);
            }
        }
        out[maskAt] = (byte) mask;
        out[rawAt] = (byte) rawMask;
        return pos;
    }

    /** Reads a planes block into {@code planes[0, n * width)}, dropped planes zeroed; returns the mask of kept planes. */
    static int getPlanes(Scratch s, In in, byte[] planes, int n, int width) {
        int mask = in.u8();
        int rawMask = in.u8();
        if ((mask >>> width) != 0 || (rawMask & ~mask) != 0) {
            throw new IllegalArgumentException("plane masks 0x" + Integer.toHexString(mask) + "/0x"
                    + Integer.toHexString(rawMask) + " for " + width + "-byte values");
        }
        for (int k = 0; k < width; k++) {
            int bit = 1 << k;
            if ((mask & bit) == 0) {
                java.util.Arrays.fill(planes, k * n, (k + 1) * n, (byte) 0);
            } else if ((rawMask & bit) != 0) {
                if (in.end - in.pos < n) {
                    throw new IllegalArgumentException("frame truncated in a verbatim plane");
                }
                System.arraycopy(in.buf, in.pos, planes, k * n, n);
                in.pos += n;
            } else {
                getSection(s, in, planes, k * n, n);
            }
        }
        return mask;
    }

    static int putSection(Scratch s, byte[] src, int srcOff, int srcLen, byte[] out, int pos) {
        int body = pos + 4;
        int n = s.planeCctx().compressByteArray(out, body, out.length - body, src, srcOff, srcLen);
        Kernels.I32.set(out, pos, n);
        return body + n;
    }

    static void getSection(Scratch s, In in, byte[] dst, int dstOff, int expect) {
        int clen = in.i32();
        if (clen < 0 || clen > in.end - in.pos) {
            throw new IllegalArgumentException("section of " + clen + " bytes in a frame with " + (in.end - in.pos) + " left");
        }
        int got = s.dctx().decompressByteArray(dst, dstOff, expect, in.buf, in.pos, clen);
        if (got != expect) {
            throw new IllegalArgumentException("section decodes to " + got + " bytes, expected " + expect);
        }
        in.pos += clen;
    }

    static int putVarint(byte[] out, int pos, long v) {
        while ((v & ~0x7FL) != 0) {
            out[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out[pos++] = (byte) v;
        return pos;
    }

    /** A bounds-checked reader over a frame. */
    static final class In {
        final byte[] buf;
        final int end;
        int pos;

        In(byte[] buf, int off, int len) {
            this.buf = buf;
            this.pos = off;
            this.end = off + len;
        }

        private void need(int k) {
            if (end - pos < k) {
                throw new IllegalArgumentException("frame truncated");
            }
        }

        int u8() {
            need(1);
            return buf[pos++] & 0xff;
        }

        int i32() {
            need(4);
            int v = (int) Kernels.I32.get(buf, pos);
            pos += 4;
            return v;
        }

        /** A LEB128 varint of at most 5 bytes (values below 2^35). */
        long varint() {
            long v = 0;
            for (int shift = 0; shift < 35; shift += 7) {
                int b = u8();
                v |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("varint too long");
        }

        /** A varint in [lo, hi]. */
        int varint(int lo, int hi, String what) {
            long v = varint();
            if (v < lo || v > hi) {
                throw new IllegalArgumentException(what + " " + v + " outside [" + lo + ", " + hi + "]");
            }
            return (int) v;
        }
    }
}
