package io.veloc4j.levels.erasure;

import io.veloc4j.levels.LevelException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The accumulator as the engine will drive it, contributions arriving from the network in any
 * order: the same file as the in-order local encoding, and a clear error for every protocol fault.
 */
class ParityAccumulatorTest {

    @TempDir
    Path tmp;

    private record Piece(Contribution meta, ByteBuffer bytes) {
    }

    /** Every contribution to parity j of codeword c, as the data members would send them. */
    private static List<Piece> contributions(TestCluster cluster, int c, int j) throws LevelException {
        ErasureSet set = cluster.set();
        ErasureLayout l = set.layout();
        List<Piece> out = new ArrayList<>();
        for (int s = 0; s < l.dataSymbols(); s++) {
            int member = l.holder(c, s);
            try (DataStream stream = DataStream.open(cluster.dirs().get(member), set, member)) {
                ContributionEncoder e = new ContributionEncoder(set, member, stream);
                for (int t = 0; t < e.stripes(); t++) {
                    ByteBuffer[] bufs = new ByteBuffer[l.parity()];
                    for (int i = 0; i < bufs.length; i++) {
                        bufs[i] = ByteBuffer.allocateDirect(l.stripeSize());
                    }
                    Contribution meta = e.contribute(s, t, bufs);
                    assertEquals(c, meta.codeword());
                    out.add(new Piece(meta, bufs[j].flip()));
                }
            }
        }
        return out;
    }

    @Test
    void anyArrivalOrderWritesTheSameFileAsTheLocalEncoding() throws Exception {
        TestCluster cluster = TestCluster.write(tmp.resolve("a"), "acc", 5, 9, new int[] {1, 3, 2, 1, 2}, 3000, 0, 2, 1024,
                new Random(3));
        ErasureSet set = cluster.set();
        LocalEncoding.encode(set, cluster.dirs());
        int c = 2;
        int j = 1;
        Path reference = cluster.dirs().get(set.layout().parityHolder(c, j)).resolve(ParityFile.fileName(0, c));
        List<Piece> pieces = contributions(cluster, c, j);
        Collections.shuffle(pieces, new Random(4));
        Path elsewhere = tmp.resolve("holder");
        try (ParityAccumulator acc = ParityAccumulator.create(elsewhere, set, c, j, set.layout().stripes())) {
            for (Piece p : pieces) {
                acc.add(p.meta(), p.bytes().duplicate());
            }
            assertTrue(acc.complete());
            assertEquals(0, acc.openStripes());
            ParityFileInfo info = acc.finish();
            assertEquals(Files.size(reference), info.bytes());
        }
        assertArrayEquals(Files.readAllBytes(reference), Files.readAllBytes(elsewhere.resolve(ParityFile.fileName(0, c))));
    }

    @Test
    void protocolFaultsAreErrorsAndLeaveNoFile() throws Exception {
        TestCluster cluster = TestCluster.write(tmp.resolve("b"), "acc", 5, 9, new int[] {2, 2, 2}, 3000, 1, 1, 1024,
                new Random(5));
        ErasureSet set = cluster.set();
        List<Piece> pieces = contributions(cluster, 0, 0);
        assertTrue(set.layout().stripes() >= 3, "enough stripes to run ahead");
        Path dir = tmp.resolve("faults");
        try (ParityAccumulator acc = ParityAccumulator.create(dir, set, 0, 0, 2)) {
            Piece first = pieces.get(0);
            acc.add(first.meta(), first.bytes().duplicate());
            LevelException twice = assertThrows(LevelException.class, () -> acc.add(first.meta(), first.bytes().duplicate()));
            assertTrue(twice.getMessage().contains("twice"), twice.getMessage());
            acc.add(pieces.get(1).meta(), pieces.get(1).bytes().duplicate());
            Piece third = pieces.get(2); // a third stripe in progress, with a window of 2
            LevelException ahead = assertThrows(LevelException.class, () -> acc.add(third.meta(), third.bytes().duplicate()));
            assertTrue(ahead.getMessage().contains("must stay within 2 stripes"), ahead.getMessage());
            Contribution wrong = new Contribution(1, 0, 0, first.meta().length(), 0);
            assertThrows(LevelException.class, () -> acc.add(wrong, first.bytes().duplicate()));
            LevelException early = assertThrows(LevelException.class, acc::finish);
            assertTrue(early.getMessage().contains("lacks"), early.getMessage());
            assertFalse(acc.complete());
        }
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(0, left.count(), "the temp file is gone, no parity file appeared");
        }
    }
}
