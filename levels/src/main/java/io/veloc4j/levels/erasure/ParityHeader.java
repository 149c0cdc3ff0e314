package io.veloc4j.levels.erasure;

import java.util.List;

/**
 * The header of a parity file: which set it belongs to ({@link ErasureSet}: version, launch,
 * members and their rank files), which symbol of which codeword it holds, and the CRC32C of every
 * stripe of every data piece of that codeword and of its own body. With any one intact parity
 * header of a codeword, a rebuild can check every fragment of it stripe by stripe, padding
 * included, before using it.
 *
 * @param set         the set and its members
 * @param codeword    c
 * @param parityIndex j: the file holds parity symbol k + j of codeword c
 * @param dataCrcs    per data symbol s &lt; k: the CRCs of its stripes (zero-padded to the stripe length)
 * @param parityCrcs  the CRCs of this file's body stripes
 */
public record ParityHeader(ErasureSet set, int codeword, int parityIndex, List<StripeCrcs> dataCrcs,
                           StripeCrcs parityCrcs) {

    public ParityHeader {
        dataCrcs = List.copyOf(dataCrcs);
        ErasureLayout layout = set.layout();
        if (codeword < 0 || codeword >= set.size() || parityIndex < 0 || parityIndex >= set.parity()) {
            throw new IllegalArgumentException("codeword " + codeword + ", parity " + parityIndex + " in a set of "
                    + set.size() + " with " + set.parity() + " parity");
        }
        int stripes = layout.stripes();
        if (dataCrcs.size() != layout.dataSymbols() || parityCrcs.stripes() != stripes
                || dataCrcs.stream().anyMatch(c -> c.stripes() != stripes)) {
            throw new IllegalArgumentException("CRC tables of " + dataCrcs.size() + " data pieces for " + layout.dataSymbols()
                    + ", or not " + stripes + " stripes each");
        }
    }

    public ErasureLayout layout() {
        return set.layout();
    }

    /** The member that holds this file. */
    public int holder() {
        return set.layout().parityHolder(codeword, parityIndex);
    }
}
