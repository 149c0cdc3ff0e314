package io.veloc4j.levels.persistent;

import io.veloc4j.levels.ElementType;
import io.veloc4j.levels.Variable;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a group's rank files are laid out in an aggregate's segments, per scheme. A segment is one
 * raw byte stream of one element type, encoded by one codec; the layout says which runs of which
 * rank file go where in it ({@link Piece}s in stream order) and, per member, the {@link Extent}s
 * that lead back (what a restart reads).
 *
 * <ul>
 *   <li>agnostic: one untyped segment, the rank files one after another;</li>
 *   <li>agnostic-block: one untyped segment, block i of every rank file, then block i + 1 …;</li>
 *   <li>aware: a segment per variable key (name, type, dimensionality; the n-th variable with the
 *       same key in a rank file matches the n-th in the others), each rank's variable one after
 *       another, plus an untyped segment for the rest (headers, padding);</li>
 *   <li>aware-block: as aware, but blocks of each variable interleaved across the ranks. A block
 *       holds whole rows of the variable where a row fits, so 2-D predictors see rows.</li>
 * </ul>
 */
final class Layout {

    /** A rank file to lay out: its length and variable table. */
    record Source(int rank, long length, List<Variable> variables) {
    }

    /** {@code length} bytes from {@code fileOffset} of source {@code source}, next in the segment's stream. */
    record Piece(int source, long fileOffset, long length) {
    }

    /** A segment to write: key, element type, row length (elements; 0 unknown), its pieces in order. */
    record SegmentPlan(String key, ElementType type, int rowLength, List<Piece> pieces, long length) {
    }

    static final String REST = "~rest";
    static final String ALL = "~all";

    private final List<SegmentPlan> segments;
    private final List<List<Extent>> extents;

    private Layout(List<SegmentPlan> segments, List<List<Extent>> extents) {
        this.segments = List.copyOf(segments);
        this.extents = extents.stream().map(List::copyOf).toList();
    }

    List<SegmentPlan> segments() {
        return segments;
    }

    /** Extents of source {@code i}, in file order. */
    List<Extent> extents(int source) {
        return extents.get(source);
    }

    static Layout plan(Scheme scheme, long blockSize, List<Source> sources) {
        Builder b = new Builder(sources.size());
        switch (scheme) {
            case AGNOSTIC, AGNOSTIC_BLOCK -> {
                List<long[]> runs = new ArrayList<>();
                for (Source s : sources) {
                    runs.add(new long[]{0, s.length()});
                }
                b.segment(ALL, ElementType.INT8, 0, runs, scheme == Scheme.AGNOSTIC_BLOCK ? blockSize : 0);
            }
            case AWARE, AWARE_BLOCK -> aware(b, scheme == Scheme.AWARE_BLOCK ? blockSize : 0, sources);
            case NONE -> throw new IllegalArgumentException("scheme none is not aggregated");
        }
        return b.build();
    }

    private static void aware(Builder b, long blockSize, List<Source> sources) {
        // key → per source: the variable (or null); keys in order of first appearance
        Map<String, Variable[]> byKey = new LinkedHashMap<>();
        for (int i = 0; i < sources.size(); i++) {
            Map<String, Integer> seen = new HashMap<>();
            for (Variable v : sources.get(i).variables()) {
                String base = v.name() + "|" + v.type().label() + "|" + v.shape().length;
                int nth = seen.merge(base, 1, Integer::sum);
                String key = nth == 1 ? base : base + "#" + nth;
                byKey.computeIfAbsent(key, k -> new Variable[sources.size()])[i] = v;
            }
        }
        List<long[]> rest = new ArrayList<>();
        for (Source s : sources) {
            rest.add(complement(s));
        }
        b.segment(REST, ElementType.INT8, 0, rest, 0);
        for (Map.Entry<String, Variable[]> e : byKey.entrySet()) {
            Variable[] vs = e.getValue();
            List<long[]> runs = new ArrayList<>();
            ElementType type = null;
            long row = -1;
            for (Variable v : vs) {
                if (v == null) {
                    runs.add(new long[0]);
                    continue;
                }
                runs.add(new long[]{v.offset(), v.length()});
                type = v.type();
                long r = rowLength(v);
                row = row == -1 || row == r ? r : 0;
            }
            int rowLength = row > 0 && row <= Integer.MAX_VALUE ? (int) row : 0;
            long block = blockSize;
            long rowBytes = (long) rowLength * type.width();
            if (block > 0 && rowBytes > 0 && rowBytes <= block) {
                block = block / rowBytes * rowBytes;
            }
            b.segment(e.getKey(), type, rowLength, runs, block);
        }
    }

    /** Elements per row: the product of the extents after the first; 0 for 1-D variables. */
    private static long rowLength(Variable v) {
        long[] shape = v.shape();
        if (shape.length < 2) {
            return 0;
        }
        long n = 1;
        for (int d = 1; d < shape.length; d++) {
            n *= shape[d];
        }
        return n;
    }

    /** The runs of a rank file outside its variables: header and padding, as {start, length} pairs. */
    private static long[] complement(Source s) {
        List<Variable> vars = new ArrayList<>(s.variables());
        vars.sort((a, c) -> Long.compare(a.offset(), c.offset()));
        List<Long> out = new ArrayList<>();
        long at = 0;
        for (Variable v : vars) {
            if (v.offset() > at) {
                out.add(at);
                out.add(v.offset() - at);
            }
            at = Math.max(at, v.offset() + v.length());
        }
        if (s.length() > at) {
            out.add(at);
            out.add(s.length() - at);
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    private static final class Builder {
        private final List<SegmentPlan> segments = new ArrayList<>();
        private final List<List<Extent>> extents = new ArrayList<>();

        Builder(int sources) {
            for (int i = 0; i < sources; i++) {
                extents.add(new ArrayList<>());
            }
        }

        /**
         * Adds a segment holding, per source, the runs {start, length, start, length …}: one after
         * another (block 0), or block-interleaved across sources in rounds.
         */
        void segment(String key, ElementType type, int rowLength, List<long[]> runs, long block) {
            int seg = segments.size();
            List<Piece> pieces = new ArrayList<>();
            long[] at = {0};
            if (block <= 0) {
                for (int i = 0; i < runs.size(); i++) {
                    long[] r = runs.get(i);
                    for (int k = 0; k + 1 < r.length; k += 2) {
                        add(pieces, seg, at, i, r[k], r[k + 1]);
                    }
                }
            } else {
                // round j takes block j of every source that still has one
                int n = runs.size();
                long[][] cursors = new long[n][];
                for (int i = 0; i < n; i++) {
                    cursors[i] = blocksOf(runs.get(i), block);
                }
                int[] next = new int[n];
                boolean more = true;
                while (more) {
                    more = false;
                    for (int i = 0; i < n; i++) {
                        long[] c = cursors[i];
                        if (next[i] + 1 < c.length) {
                            add(pieces, seg, at, i, c[next[i]], c[next[i] + 1]);
                            next[i] += 2;
                            more = true;
                        }
                    }
                }
            }
            if (!pieces.isEmpty()) {
                segments.add(new SegmentPlan(key, type, rowLength, pieces, at[0]));
            }
        }

        private static long[] blocksOf(long[] runs, long block) {
            List<Long> out = new ArrayList<>();
            for (int k = 0; k + 1 < runs.length; k += 2) {
                for (long o = 0; o < runs[k + 1]; o += block) {
                    out.add(runs[k] + o);
                    out.add(Math.min(block, runs[k + 1] - o));
                }
            }
            return out.stream().mapToLong(Long::longValue).toArray();
        }

        private void add(List<Piece> pieces, int seg, long[] at, int source, long fo, long len) {
            if (len == 0) {
                return;
            }
            pieces.add(new Piece(source, fo, len));
            List<Extent> ex = extents.get(source);
            Extent last = ex.isEmpty() ? null : ex.get(ex.size() - 1);
            Extent grown = last == null ? null : last.extendedBy(fo, len, seg, at[0]);
            if (grown != null) {
                ex.set(ex.size() - 1, grown);
            } else {
                ex.add(Extent.contiguous(fo, len, seg, at[0]));
            }
            at[0] += len;
        }

        Layout build() {
            for (List<Extent> ex : extents) {
                ex.sort((a, b) -> Long.compare(a.fileOffset(), b.fileOffset()));
            }
            return new Layout(segments, extents);
        }
    }
}
