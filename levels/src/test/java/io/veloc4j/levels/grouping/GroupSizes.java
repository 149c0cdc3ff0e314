package io.veloc4j.levels.grouping;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.Variable;
import io.veloc4j.levels.scratch.RankFile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** Groupings to compare, and what their groups compress to. */
final class GroupSizes {

    private GroupSizes() {
    }

    /** 0..G-1, G..2G-1, …: the default grouping. */
    static List<int[]> rankOrder(int n, int g) {
        List<int[]> groups = new ArrayList<>();
        for (int s = 0; s < n; s += g) {
            int first = s;
            int[] grp = new int[Math.min(g, n - s)];
            Arrays.setAll(grp, i -> first + i);
            groups.add(grp);
        }
        return groups;
    }

    static List<int[]> random(int n, int g, long seed) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(seed));
        List<int[]> groups = new ArrayList<>();
        for (int s = 0; s < n; s += g) {
            groups.add(order.subList(s, Math.min(n, s + g)).stream().mapToInt(Integer::intValue).sorted().toArray());
        }
        return groups;
    }

    /** Σ over groups of zstd(level) of the group's whole rank files concatenated in rank order. */
    static long wholeFiles(List<Path> files, List<int[]> groups, int level) {
        return wholeFiles(files, groups, level, false);
    }

    /** As {@link #wholeFiles(List, List, int)}; with longWindow, zstd's long mode over a 128 MiB window. */
    static long wholeFiles(List<Path> files, List<int[]> groups, int level, boolean longWindow) {
        long total = 0;
        for (int[] group : groups) {
            ByteArrayOutputStream concat = new ByteArrayOutputStream();
            for (int r : group) {
                concat.writeBytes(read(files.get(r)));
            }
            if (longWindow) {
                try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
                    total += ctx.setLevel(level).setLong(27).compress(concat.toByteArray()).length;
                }
            } else {
                total += Zstd.compress(concat.toByteArray(), level).length;
            }
        }
        return total;
    }

    /**
     * Σ over groups of zstd(level) of the group's variables' data concatenated (variable by
     * variable, rank by rank: what the aware schemes compress), headers left out.
     */
    static long variables(List<Path> files, List<int[]> groups, int level) throws LevelException {
        long total = 0;
        for (int[] group : groups) {
            ByteArrayOutputStream concat = new ByteArrayOutputStream();
            List<List<Variable>> vars = new ArrayList<>();
            List<byte[]> bytes = new ArrayList<>();
            for (int r : group) {
                try (RankFile rf = RankFile.open(files.get(r))) {
                    rf.verify();
                    vars.add(rf.variables());
                }
                bytes.add(read(files.get(r)));
            }
            for (int v = 0; v < vars.get(0).size(); v++) {
                for (int m = 0; m < group.length; m++) {
                    Variable var = vars.get(m).get(v);
                    concat.write(bytes.get(m), (int) var.offset(), (int) var.length());
                }
            }
            total += Zstd.compress(concat.toByteArray(), level).length;
        }
        return total;
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String describe(List<int[]> groups) {
        StringBuilder sb = new StringBuilder();
        for (int[] g : groups) {
            sb.append(Arrays.toString(g)).append(' ');
        }
        return sb.toString().trim();
    }
}
