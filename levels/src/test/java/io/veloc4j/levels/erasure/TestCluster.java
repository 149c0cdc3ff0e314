package io.veloc4j.levels.erasure;

import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.Region;
import io.veloc4j.levels.scratch.RankFileInfo;
import io.veloc4j.levels.scratch.RankFileWriter;
import io.veloc4j.levels.scratch.ScratchLevel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Nodes as directories {@code <root>/node-<i>} holding real rank files of one version (written by
 * {@link ScratchLevel}, random sizes), and one erasure set over them.
 *
 * @param set  member i is node i
 * @param dirs member i's version directory
 */
record TestCluster(ErasureSet set, Map<Integer, Path> dirs) {

    static Path versionDir(Path nodeRoot, String name, int version) {
        return nodeRoot.resolve(name).resolve(Integer.toString(version));
    }

    /**
     * @param ranksPerNode ranks of each node, numbered consecutively
     * @param maxDoubles   a rank file holds one random double array of 100 to maxDoubles elements
     */
    static TestCluster write(Path root, String name, int version, long session, int[] ranksPerNode, int maxDoubles,
                             int setId, int parity, int stripe, Random r) throws LevelException {
        int jobSize = java.util.Arrays.stream(ranksPerNode).sum();
        List<Member> members = new ArrayList<>();
        Map<Integer, Path> dirs = new HashMap<>();
        int rank = 0;
        for (int node = 0; node < ranksPerNode.length; node++) {
            Path nodeRoot = root.resolve("node-" + node);
            List<RankEntry> ranks = new ArrayList<>();
            for (int i = 0; i < ranksPerNode[node]; i++, rank++) {
                double[] a = new double[100 + r.nextInt(maxDoubles - 100)];
                for (int j = 0; j < a.length; j++) {
                    a[j] = r.nextGaussian();
                }
                RankFileInfo info = new ScratchLevel(nodeRoot, rank, jobSize, true, false, session).write(name, version,
                        List.of(new RankFileWriter.Entry(0, "a", new long[] {a.length}, Region.of(a))));
                ranks.add(new RankEntry(rank, info.bytes(), info.crc()));
            }
            members.add(new Member(node, "host-" + node + ".example", ranks));
            dirs.put(node, versionDir(nodeRoot, name, version));
        }
        return new TestCluster(new ErasureSet(name, version, session, setId, parity, stripe, members), dirs);
    }
}
