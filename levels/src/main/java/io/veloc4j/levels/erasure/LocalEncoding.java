package io.veloc4j.levels.erasure;

import io.veloc4j.levels.FileIo;
import io.veloc4j.levels.LevelException;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Encodes a whole set in one process, every member's part played here: the reference of the
 * message flow that the engine spreads over nodes (tests, benchmarks, virtual nodes on one
 * machine). For each stripe, each codeword, each data symbol s: member (c + s) mod n's
 * {@link ContributionEncoder} makes m contributions, and the accumulator of parity j of codeword c
 * (on member (c + k + j) mod n) adds the j-th. Stripes advance in lock step, so each accumulator
 * holds one stripe at a time.
 */
public final class LocalEncoding {

    private LocalEncoding() {
    }

    /**
     * Writes the parity files of {@code set}: member i's m files into {@code memberDirs.get(i)},
     * where its rank files are.
     */
    public static List<ParityFileInfo> encode(ErasureSet set, Map<Integer, Path> memberDirs) throws LevelException {
        ErasureLayout layout = set.layout();
        int n = set.size();
        int k = layout.dataSymbols();
        int m = layout.parity();
        List<DataStream> streams = new ArrayList<>();
        List<ParityAccumulator> accumulators = new ArrayList<>();
        try {
            ContributionEncoder[] encoders = new ContributionEncoder[n];
            for (int i = 0; i < n; i++) {
                DataStream s = DataStream.open(memberDirs.get(i), set, i);
                streams.add(s);
                encoders[i] = new ContributionEncoder(set, i, s);
            }
            ParityAccumulator[][] acc = new ParityAccumulator[n][m];
            for (int c = 0; c < n; c++) {
                for (int j = 0; j < m; j++) {
                    acc[c][j] = ParityAccumulator.create(memberDirs.get(layout.parityHolder(c, j)), set, c, j, 1);
                    accumulators.add(acc[c][j]);
                }
            }
            int stripe = (int) Math.min(layout.stripeSize(), Math.max(8, layout.pieceLength()));
            ByteBuffer[] out = new ByteBuffer[m];
            for (int j = 0; j < m; j++) {
                out[j] = ByteBuffer.allocate(stripe);
            }
            for (int t = 0; t < layout.stripes(); t++) {
                for (int c = 0; c < n; c++) {
                    for (int s = 0; s < k; s++) {
                        for (ByteBuffer o : out) {
                            o.clear();
                        }
                        Contribution contribution = encoders[layout.holder(c, s)].contribute(s, t, out);
                        for (int j = 0; j < m; j++) {
                            acc[c][j].add(contribution, out[j].flip());
                        }
                    }
                }
            }
            List<ParityFileInfo> written = new ArrayList<>();
            for (ParityAccumulator a : accumulators) {
                written.add(a.finish());
            }
            return written;
        } finally {
            accumulators.forEach(ParityAccumulator::close);
            streams.forEach(FileIo::closeQuietly);
        }
    }
}
