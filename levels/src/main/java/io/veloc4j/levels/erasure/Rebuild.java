package io.veloc4j.levels.erasure;

import io.veloc4j.levels.CorruptCheckpointException;
import io.veloc4j.levels.LevelException;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * Rebuilds a lost member's rank files from the survivors of its erasure set. For each of its k
 * pieces (one per codeword where it held data), stripe by stripe: read k surviving symbols of the
 * codeword, check each stripe against the CRC an intact parity header of the codeword recorded (a
 * data piece's stripes, padding included) or its own file's header (a parity piece), decode the
 * lost stripe, check it against its recorded CRC too, and write it into the member's rank files.
 * A fragment that fails a check, or cannot be read, is treated as lost for the rest of its
 * codeword and another survivor is read instead; with fewer than k usable the rebuild fails with
 * {@link NotEnoughFragmentsException}. The rank files appear only if each is exactly the file the
 * parity recorded (header CRC, length, every variable CRC).
 *
 * <p>Memory: one stripe per fragment read, a few MiB for a (16, 4) set with 256 KiB stripes.
 */
public final class Rebuild {

    private final ErasureSet set;
    private final ErasureLayout layout;
    private final ReedSolomon code;
    private final int lost;
    private final Set<Integer> unavailable;
    private final SymbolSource source;
    private final List<String> bypassed = new ArrayList<>();
    /** Stripe buffers of the fragments of finished pieces, for the next piece's. */
    private final ArrayDeque<Fragment> spare = new ArrayDeque<>();

    private Rebuild(ErasureSet set, int lost, Collection<Integer> unavailable, SymbolSource source) {
        this.set = set;
        this.layout = set.layout();
        this.code = new ReedSolomon(layout.dataSymbols(), layout.parity());
        this.lost = lost;
        this.unavailable = new HashSet<>(unavailable);
        this.unavailable.add(lost);
        this.source = source;
    }

    /**
     * Rebuilds member {@code lost} of {@code set} into {@code targetDir} (its node's
     * {@code <scratch>/<name>/<version>}, which may be new and empty).
     *
     * @param set         the set, from any intact parity header ({@link ParityFile#list})
     * @param unavailable members known to be gone, not asked for anything ({@code lost} is implied)
     * @param fsync       fsync the rebuilt files (config scratch_fsync)
     * @throws NotEnoughFragmentsException if a codeword has fewer than k usable fragments
     */
    public static RebuildReport rebuild(ErasureSet set, int lost, Collection<Integer> unavailable, SymbolSource source,
                                        Path targetDir, boolean fsync) throws LevelException {
        if (lost < 0 || lost >= set.size()) {
            throw new IllegalArgumentException("member " + lost + " of a set of " + set.size());
        }
        Rebuild r = new Rebuild(set, lost, unavailable, source);
        try (RebuiltFiles out = new RebuiltFiles(set, lost, targetDir)) {
            for (ErasureLayout.PieceSources piece : r.layout.rebuildSources(lost)) {
                r.rebuildPiece(piece, out);
            }
            return new RebuildReport(out.commit(fsync), r.bypassed);
        }
    }

    /** A surviving symbol of the codeword being rebuilt: where it is, and once it failed, why. */
    private static final class Fragment {
        final int member;
        final int symbol;
        ParityHeader header;
        String unusable;
        ByteBuffer bytes;
        long[] words;

        Fragment(int member, int symbol) {
            this.member = member;
            this.symbol = symbol;
        }
    }

    private void rebuildPiece(ErasureLayout.PieceSources piece, RebuiltFiles out) throws LevelException {
        if (layout.realBytes(lost, piece.piece(), 0, (int) Math.min(Integer.MAX_VALUE, layout.pieceLength())) == 0) {
            return; // the piece lies past the end of the lost stream: padding only
        }
        int c = piece.codeword();
        int k = layout.dataSymbols();
        List<Fragment> fragments = new ArrayList<>();
        ParityHeader reference = null;
        for (ErasureLayout.SymbolAt at : piece.from()) {
            Fragment f = new Fragment(at.member(), at.symbol());
            fragments.add(f);
            if (unavailable.contains(f.member)) {
                f.unusable = "lost";
            } else if (!layout.isData(f.symbol)) {
                f.header = header(f, c);
                if (reference == null && f.header != null) {
                    reference = f.header;
                }
            }
        }
        if (reference == null) {
            // every parity fragment is gone: the data fragments cannot be checked, and with the
            // lost piece missing they are k - 1 at most, too few anyway
            for (Fragment f : fragments) {
                if (f.unusable == null && layout.isData(f.symbol)) {
                    f.unusable = "no intact parity header of codeword " + c + " to check it against";
                }
            }
            throw notEnough(c, fragments);
        }
        int nw = Words.of(Math.min(layout.stripeSize(), Math.max(8, layout.pieceLength())));
        long[][] decoded = {new long[nw]};
        ByteBuffer result = ByteBuffer.allocate(nw * 8);
        for (int t = 0; t < layout.stripes(); t++) {
            int length = layout.stripeLength(t);
            long offset = (long) t * layout.stripeSize();
            int real = layout.realBytes(lost, piece.piece(), offset, length);
            if (real == 0) {
                continue; // the lost stream has only padding here: nothing to rebuild
            }
            List<Fragment> chosen = choose(fragments, c, t, length, reference);
            int[] present = new int[k];
            long[][] words = new long[k][];
            for (int i = 0; i < k; i++) {
                present[i] = chosen.get(i).symbol;
                words[i] = chosen.get(i).words;
            }
            code.decode(present, words, new int[] {piece.piece()}, decoded, Words.of(length));
            result.clear();
            Words.store(decoded[0], length, result);
            result.flip();
            if (crc(result) != reference.dataCrcs().get(piece.piece()).get(t)) {
                throw new CorruptCheckpointException("rebuilding node " + set.member(lost).node() + " of " + set.describe()
                        + ": stripe " + t + " of codeword " + c + " decoded from fragments that passed their checksums does"
                        + " not match its own recorded checksum; parity file " + ParityFile.fileName(set.setId(), c)
                        + " or its peers are inconsistent");
            }
            result.limit(real);
            out.write(piece.streamOffset() + offset, result);
        }
        for (Fragment f : fragments) {
            if (f.bytes != null) {
                spare.push(f);
            }
        }
    }

    /** The parity header a fragment's holder has for codeword c, if it is the one of this set; else null, with why. */
    private ParityHeader header(Fragment f, int c) {
        ParityHeader h;
        try {
            h = source.parityHeader(f.member, c);
        } catch (LevelException e) {
            unusable(f, c, e.getMessage());
            return null;
        }
        if (!h.set().equals(set) || h.codeword() != c || h.parityIndex() != f.symbol - layout.dataSymbols()) {
            unusable(f, c, "its parity file belongs to " + h.set().describe() + " (session " + h.set().session()
                    + "), codeword " + h.codeword() + ", parity " + h.parityIndex() + ", not to this set's codeword " + c);
            return null;
        }
        return h;
    }

    /**
     * k fragments whose stripe t is read and checked, first ones first; a fragment that fails is
     * marked unusable and the next one is read instead.
     */
    private List<Fragment> choose(List<Fragment> fragments, int c, int t, int length, ParityHeader reference)
            throws LevelException {
        int k = layout.dataSymbols();
        List<Fragment> chosen = new ArrayList<>(k);
        for (Fragment f : fragments) {
            if (chosen.size() == k) {
                break;
            }
            if (padding(f, t, length)) {
                // a data stripe past the end of its member's stream is zeros, whoever is lost
                prepare(f);
                Arrays.fill(f.words, 0, Words.of(length), 0L);
                chosen.add(f);
            } else if (f.unusable == null && load(f, c, t, length, reference)) {
                chosen.add(f);
            }
        }
        if (chosen.size() < k) {
            throw notEnough(c, fragments, t, chosen.size());
        }
        return chosen;
    }

    private boolean padding(Fragment f, int t, int length) {
        return layout.isData(f.symbol) && layout.realBytes(f.member, f.symbol, (long) t * layout.stripeSize(), length) == 0;
    }

    private void prepare(Fragment f) {
        if (f.bytes == null && !spare.isEmpty()) {
            Fragment old = spare.pop();
            f.bytes = old.bytes;
            f.words = old.words;
        }
        if (f.bytes == null) {
            int cap = Math.min(layout.stripeSize(), (int) Math.max(8, layout.pieceLength()));
            f.bytes = ByteBuffer.allocate(cap);
            f.words = new long[Words.of(cap)];
        }
    }

    /** Reads and checks stripe t of fragment f; false (f marked unusable) if it fails. */
    private boolean load(Fragment f, int c, int t, int length, ParityHeader reference) {
        prepare(f);
        long offset = (long) t * layout.stripeSize();
        boolean data = layout.isData(f.symbol);
        int real = data ? layout.realBytes(f.member, f.symbol, offset, length) : length;
        int expected = data ? reference.dataCrcs().get(f.symbol).get(t) : f.header.parityCrcs().get(t);
        try {
            f.bytes.clear().limit(real);
            if (real > 0) {
                source.read(f.member, c, offset, f.bytes);
            }
            if (f.bytes.hasRemaining()) {
                throw new LevelException("a short read: " + f.bytes.remaining() + " bytes missing");
            }
        } catch (LevelException | RuntimeException e) {
            unusable(f, c, "stripe " + t + " cannot be read: " + e.getMessage());
            return false;
        }
        Arrays.fill(f.bytes.array(), real, length, (byte) 0);
        f.bytes.limit(length).position(0);
        if (crc(f.bytes) != expected) {
            unusable(f, c, "stripe " + t + " does not match its recorded checksum");
            return false;
        }
        Words.load(f.bytes.duplicate(), f.words, Words.of(length));
        return true;
    }

    private void unusable(Fragment f, int c, String why) {
        f.unusable = why;
        bypassed.add(describe(f, c) + ": " + why);
    }

    private String describe(Fragment f, int c) {
        return (layout.isData(f.symbol) ? "data" : "parity") + " fragment of codeword " + c + " on member " + f.member
                + " (node " + set.member(f.member).node() + ", " + set.member(f.member).host() + ")";
    }

    private NotEnoughFragmentsException notEnough(int c, List<Fragment> fragments) {
        return notEnough(c, fragments, -1, (int) fragments.stream().filter(f -> f.unusable == null).count());
    }

    private NotEnoughFragmentsException notEnough(int c, List<Fragment> fragments, int stripe, int usable) {
        int k = layout.dataSymbols();
        StringBuilder why = new StringBuilder();
        for (Fragment f : fragments) {
            if (f.unusable != null) {
                why.append("; ").append(describe(f, c)).append(": ").append(f.unusable);
            }
        }
        Member m = set.member(lost);
        return new NotEnoughFragmentsException("not enough fragments to rebuild node " + m.node() + " (" + m.host()
                + ", member " + lost + " of " + set.describe() + "): codeword " + c + (stripe < 0 ? "" : " (stripe " + stripe + ")")
                + " has " + usable
                + " usable fragments, " + k + " are needed (the set survives the loss of " + layout.parity()
                + " members)" + why + "; restart from another level (persistent storage or an older version)",
                usable, k);
    }

    private static int crc(ByteBuffer b) {
        CRC32C crc = new CRC32C();
        crc.update(b.duplicate());
        return (int) crc.getValue();
    }
}
