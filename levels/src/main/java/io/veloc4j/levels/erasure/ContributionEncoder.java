package io.veloc4j.levels.erasure;

import io.veloc4j.levels.LevelException;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * One data member's side of encoding: for each of its k pieces and each stripe, the m
 * contributions {@code C[j][s] · stripe} (j &lt; m) that the holders of the codeword's parity
 * symbols XOR together ({@link ParityAccumulator}). The code is linear, so parity j of codeword c
 * is the XOR of the k contributions for j of c's data members. A stripe at a time: memory is a
 * few stripes, whatever the data size. Not thread-safe (one per member and version).
 */
public final class ContributionEncoder {

    private final ErasureSet set;
    private final ErasureLayout layout;
    private final ReedSolomon code;
    private final int member;
    private final DataStream stream;
    private final ByteBuffer raw;
    private final long[] words;
    private final long[] product;

    /** @param stream member {@code member}'s data stream; its rank files must be the ones {@code set} lists */
    public ContributionEncoder(ErasureSet set, int member, DataStream stream) {
        this.set = set;
        this.layout = set.layout();
        this.code = new ReedSolomon(layout.dataSymbols(), layout.parity());
        this.member = member;
        this.stream = stream;
        if (!stream.ranks().equals(set.member(member).ranks())) {
            throw new IllegalArgumentException("the data stream's rank files " + stream.ranks() + " are not member "
                    + member + "'s of " + set.describe() + ": " + set.member(member).ranks());
        }
        int stripe = (int) Math.min(layout.stripeSize(), Math.max(8, layout.pieceLength()));
        this.raw = ByteBuffer.allocate(stripe);
        this.words = new long[Words.of(stripe)];
        this.product = new long[words.length];
    }

    /** k: the pieces of this member's data stream, one per codeword where it holds data. */
    public int pieces() {
        return layout.dataSymbols();
    }

    /** The codeword of piece {@code piece} (in which it is data symbol {@code piece}). */
    public int codeword(int piece) {
        return layout.codewordOfPiece(member, piece);
    }

    public int stripes() {
        return layout.stripes();
    }

    public ErasureLayout layout() {
        return layout;
    }

    /**
     * Stripe {@code stripe} of piece {@code piece}: puts the contribution for parity j into
     * {@code out[j]} (at its position, {@link ErasureLayout#stripeLength} bytes; advanced) and
     * returns what goes with them.
     */
    public Contribution contribute(int piece, int stripe, ByteBuffer[] out) throws LevelException {
        int c = codeword(piece);
        int length = layout.stripeLength(stripe);
        if (out.length != layout.parity()) {
            throw new IllegalArgumentException(out.length + " outputs for " + layout.parity() + " parity symbols");
        }
        for (ByteBuffer o : out) {
            if (o.remaining() < length) {
                throw new IllegalArgumentException("an output has room for " + o.remaining() + " of " + length + " bytes");
            }
        }
        long offset = (long) stripe * layout.stripeSize();
        int real = layout.realBytes(member, piece, offset, length);
        raw.clear().limit(real);
        if (real > 0) {
            stream.read(layout.pieceOffset(piece) + offset, raw);
        }
        // the logical zero padding is part of the stripe: its CRC covers it
        java.util.Arrays.fill(raw.array(), real, length, (byte) 0);
        raw.limit(length).position(0);
        CRC32C crc = new CRC32C();
        crc.update(raw.duplicate());
        int nw = Words.of(length);
        boolean loaded = false;
        for (int j = 0; j < out.length; j++) {
            int coef = code.coefficient(j, piece);
            if (coef == 1) {
                out[j].put(raw.duplicate());
                continue;
            }
            if (!loaded) {
                Words.load(raw.duplicate(), words, nw);
                loaded = true;
            }
            GF256.mul(coef, words, product, 0, nw);
            Words.store(product, length, out[j]);
        }
        return new Contribution(c, piece, stripe, length, (int) crc.getValue());
    }

    public ErasureSet set() {
        return set;
    }
}
