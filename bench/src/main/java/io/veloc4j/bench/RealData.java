package io.veloc4j.bench;

import io.veloc4j.levels.ElementType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A directory of real arrays as written by {@code fetch-real-data.sh DIR}: {@code manifest.json} is
 * a list of {@code {name, file, dtype "f4"|"f8", shape, bytes, fill}}, each {@code file} a raw
 * little-endian array of {@code bytes} bytes next to it.
 *
 * <p>How an array becomes the per-rank slabs of an N-rank, domain-decomposed job (what N ranks
 * would checkpoint): leading axes are merged until the first extent is at least N (so a leading
 * extent 1 is squeezed away, and [3, 20480] over 16 ranks becomes [61440]); a scalar counts as
 * [1]. The rows of that first axis are then split as evenly as possible, in order: with R rows the
 * first R % N ranks get ⌊R/N⌋ + 1 rows, the others ⌊R/N⌋. Rank r's slab has shape
 * [rows_r, rest...] and is the contiguous byte range of those rows, so the slabs of ranks 0..N-1
 * concatenated are the original array byte for byte. Only if the whole array has fewer than N
 * elements do some ranks get an empty slab (shape [0]).
 */
final class RealData {

    /** One manifest entry, checked against its file. */
    record Array(String name, String file, ElementType type, long[] shape, long bytes, Double fill) {
        long elements() {
            return bytes / type.width();
        }
    }

    /** One rank's part of an array: little-endian bytes [0, limit) of {@code data}. */
    record Slab(String name, ElementType type, long[] shape, ByteBuffer data) {
        long bytes() {
            return data.limit();
        }
    }

    static final String MANIFEST = "manifest.json";

    private RealData() {
    }

    /** Reads and checks {@code dir/manifest.json}; errors name the file and key at fault. */
    static List<Array> load(Path dir) throws IOException {
        Path manifest = dir.resolve(MANIFEST);
        if (!Files.isDirectory(dir)) {
            throw new IOException("data directory " + dir + " does not exist (fetch it with fetch-real-data.sh " + dir + ")");
        }
        if (!Files.isRegularFile(manifest)) {
            throw new IOException(manifest + " is missing: not a directory written by fetch-real-data.sh");
        }
        Object parsed;
        try {
            parsed = Json.parse(Files.readString(manifest));
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new IOException(manifest + ": not valid JSON (" + e.getMessage() + ")");
        }
        if (!(parsed instanceof List<?> list)) {
            throw new IOException(manifest + ": expected a JSON list of arrays");
        }
        if (list.isEmpty()) {
            throw new IOException(manifest + ": lists no arrays");
        }
        List<Array> arrays = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String where = manifest + ": entry " + i;
            if (!(list.get(i) instanceof Map<?, ?> m)) {
                throw new IOException(where + ": not a JSON object");
            }
            String name = string(m, "name", where);
            where += " (" + name + ")";
            String file = string(m, "file", where);
            String dtype = string(m, "dtype", where);
            ElementType type = switch (dtype) {
                case "f4" -> ElementType.FLOAT32;
                case "f8" -> ElementType.FLOAT64;
                default -> throw new IOException(where + ": key 'dtype' is '" + dtype + "', expected \"f4\" or \"f8\"");
            };
            if (!(m.get("shape") instanceof List<?> sl)) {
                throw new IOException(where + ": key 'shape' missing or not a list");
            }
            long[] shape = new long[sl.size()];
            long elements = 1;
            for (int d = 0; d < shape.length; d++) {
                if (!(sl.get(d) instanceof Long v) || v < 0) {
                    throw new IOException(where + ": key 'shape' has a bad extent " + sl.get(d));
                }
                shape[d] = v;
                elements = Math.multiplyExact(elements, v);
            }
            if (!(m.get("bytes") instanceof Long bytes)) {
                throw new IOException(where + ": key 'bytes' missing or not an integer");
            }
            if (bytes != elements * type.width()) {
                throw new IOException(where + ": key 'bytes' is " + bytes + " but shape " + Arrays.toString(shape) + " of "
                        + dtype + " makes " + elements * type.width());
            }
            Path f = dir.resolve(file);
            if (!Files.isRegularFile(f)) {
                throw new IOException(where + ": file " + f + " is missing");
            }
            long size = Files.size(f);
            if (size != bytes) {
                throw new IOException(f + " has " + size + " bytes but " + manifest + " says " + bytes + " (entry " + name + ")");
            }
            if (bytes > Integer.MAX_VALUE - 16) {
                throw new IOException(f + ": arrays over 2 GiB are not supported");
            }
            Object fill = m.get("fill");
            arrays.add(new Array(name, file, type, shape, bytes, fill instanceof Number n ? n.doubleValue() : null));
        }
        return arrays;
    }

    private static String string(Map<?, ?> m, String key, String where) throws IOException {
        if (!(m.get(key) instanceof String s) || s.isEmpty()) {
            throw new IOException(where + ": key '" + key + "' missing or not a string");
        }
        return s;
    }

    /** The shape after merging leading axes until the first extent is at least {@code ranks} (see the class comment). */
    static long[] merged(long[] shape, int ranks) {
        if (shape.length == 0) {
            return new long[] {1};
        }
        int k = 0;
        long first = shape[0];
        while (first < ranks && k + 1 < shape.length) {
            k++;
            first *= shape[k];
        }
        long[] m = new long[shape.length - k];
        m[0] = first;
        System.arraycopy(shape, k + 1, m, 1, m.length - 1);
        return m;
    }

    /** Rows of each rank: the first rows % ranks ranks get one more. */
    static long[] rows(long rows, int ranks) {
        long[] r = new long[ranks];
        for (int i = 0; i < ranks; i++) {
            r[i] = rows / ranks + (i < rows % ranks ? 1 : 0);
        }
        return r;
    }

    /** Each rank's slab shape for an array of {@code shape} over {@code ranks} ranks. */
    static long[][] split(long[] shape, int ranks) {
        long[] m = merged(shape, ranks);
        long[] rows = rows(m[0], ranks);
        long[][] out = new long[ranks][];
        for (int r = 0; r < ranks; r++) {
            out[r] = m.clone();
            out[r][0] = rows[r];
        }
        return out;
    }

    /** The arrays' bytes split into slabs: element r is rank r's list, one slab per array in manifest order. */
    static List<List<Slab>> slabs(Path dir, List<Array> arrays, int ranks) throws IOException {
        List<List<Slab>> perRank = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            perRank.add(new ArrayList<>());
        }
        for (Array a : arrays) {
            ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(a.file()))).order(ByteOrder.LITTLE_ENDIAN);
            if (all.capacity() != a.bytes()) {
                throw new IOException(dir.resolve(a.file()) + " changed size while being read");
            }
            long[][] shapes = split(a.shape(), ranks);
            long rowBytes = a.type().width();
            for (int d = 1; d < shapes[0].length; d++) {
                rowBytes *= shapes[0][d];
            }
            int offset = 0;
            for (int r = 0; r < ranks; r++) {
                int n = Math.toIntExact(shapes[r][0] * rowBytes);
                ByteBuffer slab = all.duplicate().position(offset).limit(offset + n).slice().order(ByteOrder.LITTLE_ENDIAN);
                perRank.get(r).add(new Slab(a.name(), a.type(), shapes[r], slab));
                offset += n;
            }
        }
        return perRank;
    }

    /** Loads {@code dir} and splits it over {@code ranks} ranks. */
    static List<List<Slab>> load(Path dir, int ranks) throws IOException {
        return slabs(dir, load(dir), ranks);
    }
}
