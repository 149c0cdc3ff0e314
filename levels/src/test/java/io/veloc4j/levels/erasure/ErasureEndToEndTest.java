package io.veloc4j.levels.erasure;

import io.veloc4j.levels.Region;
import io.veloc4j.levels.Variable;
import io.veloc4j.levels.scratch.RankFile;
import io.veloc4j.levels.scratch.RankFileInfo;
import io.veloc4j.levels.scratch.RankFileWriter;
import io.veloc4j.levels.scratch.ScratchLevel;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Eight "nodes" as directories, each with real rank files of unequal sizes written by
 * {@link ScratchLevel}; two sets of four with parity 2, encoded through the contribution and
 * accumulator API ({@link LocalEncoding}). Then, on copies of the nodes: every pair of one set
 * lost rebuilds bit-exact on an empty replacement node; three lost is a clear "not enough
 * fragments"; a flipped byte in a data or parity fragment is detected and gone around.
 */
class ErasureEndToEndTest {

    private static final String NAME = "heat";
    private static final int VERSION = 40;
    private static final long SESSION = 0x5e55_1011L;
    private static final int NODES = 8;
    private static final int SET_SIZE = 4;
    private static final int PARITY = 2;
    /** Small stripes: every piece has several, the last one short. */
    private static final int STRIPE = 4096;
    /** Ranks per node, uneven: the data streams differ in length. */
    private static final int[] RANKS_PER_NODE = {2, 1, 3, 2, 1, 2, 4, 1};

    @TempDir
    Path tmp;

    private Path original;
    private final List<ErasureSet> sets = new ArrayList<>();

    private static Path versionDir(Path nodeRoot) {
        return nodeRoot.resolve(NAME).resolve(Integer.toString(VERSION));
    }

    private Path nodeRoot(Path cluster, int node) {
        return cluster.resolve("node-" + node);
    }

    @BeforeEach
    void writeAndEncode() throws Exception {
        original = tmp.resolve("original");
        Random r = new Random(8);
        int jobSize = java.util.Arrays.stream(RANKS_PER_NODE).sum();
        Map<Integer, List<RankEntry>> ranksOf = new HashMap<>();
        int rank = 0;
        for (int node = 0; node < NODES; node++) {
            List<RankEntry> entries = new ArrayList<>();
            for (int i = 0; i < RANKS_PER_NODE[node]; i++, rank++) {
                ScratchLevel level = new ScratchLevel(nodeRoot(original, node), rank, jobSize, true, false, SESSION);
                double[] field = new double[500 + r.nextInt(6000)];
                for (int j = 0; j < field.length; j++) {
                    field[j] = r.nextGaussian();
                }
                int[] step = {rank * 10};
                RankFileInfo info = level.write(NAME, VERSION, List.of(
                        new RankFileWriter.Entry(0, "field", new long[] {field.length}, Region.of(field)),
                        new RankFileWriter.Entry(1, "step", new long[] {1}, Region.of(step))));
                entries.add(new RankEntry(rank, info.bytes(), info.crc()));
            }
            ranksOf.put(node, entries);
        }
        for (int s = 0; s < NODES / SET_SIZE; s++) {
            List<Member> members = new ArrayList<>();
            Map<Integer, Path> dirs = new HashMap<>();
            for (int i = 0; i < SET_SIZE; i++) {
                int node = s * SET_SIZE + i;
                int[] ranks = ranksOf.get(node).stream().mapToInt(RankEntry::rank).toArray();
                try (DataStream stream = DataStream.open(versionDir(nodeRoot(original, node)), NAME, VERSION, ranks)) {
                    assertEquals(ranksOf.get(node), stream.ranks());
                    members.add(new Member(node, "host-" + node, stream.ranks()));
                }
                dirs.put(i, versionDir(nodeRoot(original, node)));
            }
            ErasureSet set = new ErasureSet(NAME, VERSION, SESSION, s, PARITY, STRIPE, members);
            List<ParityFileInfo> written = LocalEncoding.encode(set, dirs);
            assertEquals(SET_SIZE * PARITY, written.size());
            sets.add(set);
        }
    }

    /** A copy of every node's directory, to damage. */
    private Path copyCluster(String label) throws IOException {
        Path copy = tmp.resolve(label);
        try (Stream<Path> all = Files.walk(original)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path to = copy.resolve(original.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        return copy;
    }

    private Map<Integer, Path> survivors(Path cluster, ErasureSet set, Set<Integer> lost) {
        Map<Integer, Path> dirs = new HashMap<>();
        for (int i = 0; i < set.size(); i++) {
            if (!lost.contains(i)) {
                dirs.put(i, versionDir(nodeRoot(cluster, set.member(i).node())));
            }
        }
        return dirs;
    }

    private void deleteNode(Path cluster, int node) throws IOException {
        Path root = nodeRoot(cluster, node);
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Rebuilds member {@code lost} of {@code set} into an empty replacement node and compares with the original files. */
    private RebuildReport rebuildAndCompare(Path cluster, ErasureSet set, int lost, Set<Integer> gone) throws Exception {
        return rebuildAndCompare(cluster, set, lost, gone, versionDir(cluster.resolve("replacement-" + lost)));
    }

    private RebuildReport rebuildAndCompare(Path cluster, ErasureSet set, int lost, Set<Integer> gone, Path replacement)
            throws Exception {
        RebuildReport report;
        try (LocalSymbolSource source = new LocalSymbolSource(set, survivors(cluster, set, gone))) {
            report = Rebuild.rebuild(set, lost, gone, source, replacement, false);
        }
        Member m = set.member(lost);
        assertEquals(m.ranks().size(), report.files().size());
        for (RankEntry e : m.ranks()) {
            Path rebuilt = replacement.resolve(ScratchLevel.fileName(e.rank()));
            Path expected = versionDir(nodeRoot(original, m.node())).resolve(ScratchLevel.fileName(e.rank()));
            assertArrayEquals(Files.readAllBytes(expected), Files.readAllBytes(rebuilt), "rank " + e.rank() + " of node " + m.node());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(rebuilt)));
        }
        try (Stream<Path> files = Files.list(replacement)) {
            assertEquals(m.ranks().size(), files.count(), "no temp files left");
        }
        return report;
    }

    @Test
    void parityFilesAreWhereTheLayoutSaysAndPrivate() throws Exception {
        for (ErasureSet set : sets) {
            ErasureLayout l = set.layout();
            for (int i = 0; i < set.size(); i++) {
                Path dir = versionDir(nodeRoot(original, set.member(i).node()));
                List<ParityHeader> headers = ParityFile.list(dir, (p, e) -> {
                    throw new AssertionError(p + ": " + e);
                });
                assertEquals(PARITY, headers.size());
                for (ParityHeader h : headers) {
                    assertEquals(set, h.set());
                    assertEquals(i, h.holder());
                    Path file = dir.resolve(ParityFile.fileName(set.setId(), h.codeword()));
                    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
                    assertEquals(ParityFormat.headerLength(set) + l.pieceLength(), Files.size(file));
                    try (ParityFile f = ParityFile.open(file)) {
                        f.verify();
                    }
                }
                try (Stream<Path> names = Files.list(dir)) {
                    assertTrue(names.map(p -> p.getFileName().toString()).allMatch(n -> n.matches("rank-[0-9]+\\.vck")
                            || ParityFile.isParityFile(n)), "nothing else, no temp file");
                }
            }
        }
    }

    @Test
    void everyPairOfOneSetRebuildsBitExact() throws Exception {
        ErasureSet set = sets.get(0);
        for (int a = 0; a < SET_SIZE; a++) {
            for (int b = a + 1; b < SET_SIZE; b++) {
                Path cluster = copyCluster("pair-" + a + "-" + b);
                deleteNode(cluster, set.member(a).node());
                deleteNode(cluster, set.member(b).node());
                for (int lost : new int[] {a, b}) {
                    RebuildReport report = rebuildAndCompare(cluster, set, lost, Set.of(a, b));
                    assertEquals(List.of(), report.bypassed(), "nothing damaged among the survivors");
                }
            }
        }
    }

    /**
     * Three of four lost: past what the set survives. A lost member is still rebuilt where every
     * stripe it needs is padding on the other lost members (streams of unequal length); otherwise,
     * and for the longest stream at least once, the rebuild fails with a clear message and leaves
     * nothing behind. Never a wrong file.
     */
    @Test
    void threeLostOfOneSetIsNotEnoughFragments() throws Exception {
        ErasureSet set = sets.get(1);
        int failures = 0;
        for (int survivor = 0; survivor < SET_SIZE; survivor++) {
            Set<Integer> gone = new java.util.HashSet<>(Set.of(0, 1, 2, 3));
            gone.remove(survivor);
            Path cluster = copyCluster("three-" + survivor);
            for (int lost : gone) {
                deleteNode(cluster, set.member(lost).node());
            }
            for (int lost : gone) {
                // also asked of the other lost members: their fragments fail as unreadable, never as a crash
                for (Set<Integer> told : List.of(gone, Set.of(lost))) {
                    Path replacement = versionDir(cluster.resolve("replacement-" + lost + "-" + told.size()));
                    try {
                        rebuildAndCompare(cluster, set, lost, told, replacement);
                    } catch (NotEnoughFragmentsException e) {
                        failures++;
                        assertTrue(e.getMessage().startsWith("not enough fragments to rebuild node " + set.member(lost).node()),
                                e.getMessage());
                        assertTrue(e.getMessage().contains("2 are needed") && e.getMessage().contains("restart from another level"),
                                e.getMessage());
                        assertTrue(e.usable() < e.needed(), e.getMessage());
                        assertEquals(2, e.needed());
                        try (Stream<Path> files = Files.list(replacement)) {
                            assertEquals(0, files.count(), "nothing left behind");
                        }
                    }
                }
            }
            if (gone.contains(longest(set))) {
                int lost = longest(set);
                // both its pieces hold data, and for one of them the lone survivor has one fragment at most
                assertThrows(NotEnoughFragmentsException.class, () -> rebuildAndCompare(cluster, set, lost, gone,
                        versionDir(cluster.resolve("again"))));
            }
        }
        assertTrue(failures > 0, "three lost fails at least once");
    }

    @Test
    void aFlippedByteInAParityFragmentIsDetectedAndBypassed() throws Exception {
        ErasureSet set = sets.get(0);
        ErasureLayout l = set.layout();
        for (boolean inHeader : new boolean[] {false, true}) {
            Path cluster = copyCluster("parity-flip-" + inHeader);
            deleteNode(cluster, set.member(0).node());
            // member 0's piece 0 is in codeword 0; the rebuild reads data symbol 1, then parity 0 of codeword 0
            int holder = l.parityHolder(0, 0);
            Path file = versionDir(nodeRoot(cluster, set.member(holder).node())).resolve(ParityFile.fileName(set.setId(), 0));
            long at = inHeader ? 100 : ParityFormat.headerLength(set) + 5; // stripe 0: every lost stream has data there
            flip(file, at);
            RebuildReport report = rebuildAndCompare(cluster, set, 0, Set.of(0));
            assertEquals(1, report.bypassed().size(), report.bypassed().toString());
            String why = report.bypassed().get(0);
            assertTrue(why.startsWith("parity fragment of codeword 0 on member " + holder), why);
            assertTrue(inHeader ? why.contains("is corrupt: header checksum mismatch")
                    : why.contains("stripe 0 does not match its recorded checksum"), why);
        }
    }

    @Test
    void aFlippedByteInADataFragmentIsDetectedAndBypassed() throws Exception {
        ErasureSet set = sets.get(0);
        ErasureLayout l = set.layout();
        // the longest stream's piece 1 has data; it is data symbol 1 of codeword holder - 1, read
        // first when member holder - 1 (data symbol 0 there) is rebuilt
        int holder = longest(set);
        int lost = Math.floorMod(holder - 1, SET_SIZE);
        Path cluster = copyCluster("data-flip");
        deleteNode(cluster, set.member(lost).node());
        long streamOffset = l.pieceOffset(1); // stripe 0 of its piece 1, which the rebuild reads
        flipStreamByteInVariable(cluster, set, holder, streamOffset);
        RebuildReport report = rebuildAndCompare(cluster, set, lost, Set.of(lost));
        assertEquals(1, report.bypassed().size(), report.bypassed().toString());
        String why = report.bypassed().get(0);
        assertTrue(why.startsWith("data fragment of codeword " + lost + " on member " + holder), why);
        assertTrue(why.contains("does not match its recorded checksum"), why);
    }

    @Test
    void twoLostAndOneDamagedIsNotEnough() throws Exception {
        ErasureSet set = sets.get(0);
        ErasureLayout l = set.layout();
        Path cluster = copyCluster("two-and-flip");
        deleteNode(cluster, set.member(0).node());
        deleteNode(cluster, set.member(3).node());
        // codeword 0: symbols on members 0 (lost), 1, 2, 3 (lost); damage member 2's parity
        Path file = versionDir(nodeRoot(cluster, set.member(l.parityHolder(0, 0)).node()))
                .resolve(ParityFile.fileName(set.setId(), 0));
        flip(file, ParityFormat.headerLength(set) + 3);
        NotEnoughFragmentsException e = assertThrows(NotEnoughFragmentsException.class, () -> {
            try (LocalSymbolSource source = new LocalSymbolSource(set, survivors(cluster, set, Set.of(0, 3)))) {
                Rebuild.rebuild(set, 0, Set.of(0, 3), source, versionDir(cluster.resolve("r")), false);
            }
        });
        assertTrue(e.getMessage().contains("stripe 0 does not match its recorded checksum"), e.getMessage());
    }

    @Test
    void aSurvivorWhoseRankFileChangedIsNotUsed() throws Exception {
        ErasureSet set = sets.get(1);
        int holder = longest(set);
        int lost = Math.floorMod(holder - 1, SET_SIZE);
        Path cluster = copyCluster("replaced");
        deleteNode(cluster, set.member(lost).node());
        // the member read first wrote version 40 again (another launch): same name, other bytes
        Member changed = set.member(holder);
        int rank = changed.ranks().get(0).rank();
        new ScratchLevel(nodeRoot(cluster, changed.node()), rank, 16, true, false, SESSION + 1)
                .write(NAME, VERSION, List.of(new RankFileWriter.Entry(0, "field", new long[] {3}, Region.of(new double[3]))));
        RebuildReport report = rebuildAndCompare(cluster, set, lost, Set.of(lost));
        assertTrue(report.bypassed().stream().anyMatch(b -> b.contains("member " + holder) && b.contains("not the ones")),
                report.bypassed().toString());
    }

    /** The member with the longest data stream. */
    private static int longest(ErasureSet set) {
        int best = 0;
        for (int i = 1; i < set.size(); i++) {
            if (set.member(i).dataLength() > set.member(best).dataLength()) {
                best = i;
            }
        }
        return best;
    }

    private static void flip(Path file, long at) throws IOException {
        byte[] b = Files.readAllBytes(file);
        b[(int) at] ^= 0x10;
        Files.write(file, b);
    }

    /** Flips the first byte of a variable at or after {@code streamOffset} of member {@code member}'s data stream. */
    private void flipStreamByteInVariable(Path cluster, ErasureSet set, int member, long streamOffset) throws Exception {
        long start = 0;
        for (RankEntry e : set.member(member).ranks()) {
            if (streamOffset < start + e.length()) {
                Path file = versionDir(nodeRoot(cluster, set.member(member).node())).resolve(ScratchLevel.fileName(e.rank()));
                long at = streamOffset - start;
                try (RankFile f = RankFile.open(file)) {
                    for (Variable v : f.variables()) {
                        if (v.offset() + v.length() > at) {
                            at = Math.max(at, v.offset());
                            break;
                        }
                    }
                }
                flip(file, at);
                return;
            }
            start += e.length();
        }
        throw new AssertionError("offset " + streamOffset + " is past member " + member + "'s stream");
    }
}
