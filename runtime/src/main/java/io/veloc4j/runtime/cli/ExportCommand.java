package io.veloc4j.runtime.cli;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableDataset;
import io.jhdf.api.WritableGroup;
import io.veloc4j.VelocException;
import io.veloc4j.config.VelocConfig;
import io.veloc4j.levels.Region;
import io.veloc4j.levels.Variable;
import io.veloc4j.runtime.Progress;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Array;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code export --hdf5 FILE [--config CFG] [--rank R] NAME VERSION}: one HDF5 group per rank
 * ({@code /rank-<r>}, attributes name, version, rank, level), one dataset per variable with its
 * shape and element type (attributes id, name, type, codec). Bit-exact: h5dump and h5py read the
 * same bytes back. char16 variables are stored as int16 with the same bits (attribute type =
 * char16); empty variables are left out.
 */
final class ExportCommand {

    private ExportCommand() {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Options o;
        try {
            o = Options.parse("export", args, Set.of("--config", "--rank", "--hdf5"));
            if (o.hdf5() == null || o.positional().size() != 2) {
                throw new IllegalArgumentException("export: give --hdf5 FILE, NAME and VERSION");
            }
            Options.nonNegative("export", "VERSION", o.positional().get(1));
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.println("usage: veloc4j export --hdf5 FILE [--config CFG] [--rank R] NAME VERSION");
            return 2;
        }
        String name = o.positional().get(0);
        int version = Integer.parseInt(o.positional().get(1));
        Path target = o.hdf5().toAbsolutePath();
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            VelocConfig config = VelocConfig.load(o.config());
            Copies copies = new Copies(config);
            List<Integer> ranks = o.rank() != null ? List.of(o.rank()) : copies.ranks(name, version);
            if (ranks.isEmpty()) {
                err.println("veloc4j export: no copy of '" + name + "' v" + version + " found; see veloc4j ls");
                return 1;
            }
            AtomicLong done = new AtomicLong();
            int datasets = 0;
            // jhdf writes the whole file at close and does not truncate: a fresh temp file, renamed at the end
            try (Progress p = Progress.start("export", 0, done::get, err::println);
                 WritableHdfFile h5 = HdfFile.write(tmp)) {
                h5.putAttribute("name", name);
                h5.putAttribute("version", version);
                for (int r : ranks) {
                    datasets += exportRank(copies.open(name, version, r), h5, name, version, r, done, err);
                }
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            out.println("exported '" + name + "' v" + version + ": " + ranks.size() + " rank(s), " + datasets + " dataset(s), "
                    + Progress.bytes(done.get()) + " → " + target);
            return 0;
        } catch (VelocException | IOException | RuntimeException e) {
            err.println("veloc4j export: " + e.getMessage());
            return 1;
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    private static int exportRank(Copies.Copy copy, WritableHdfFile h5, String name, int version, int rank, AtomicLong done,
                                  PrintStream err) throws VelocException, IOException {
        try (copy) {
            WritableGroup g = h5.putGroup("rank-" + rank);
            g.putAttribute("name", name);
            g.putAttribute("version", version);
            g.putAttribute("rank", rank);
            g.putAttribute("level", copy.level);
            Set<String> used = new HashSet<>();
            java.util.Map<String, Integer> seen = new java.util.HashMap<>();
            int n = 0;
            for (Variable v : copy.file.variables()) {
                int nth = seen.merge(v.name() + "|" + v.type().label() + "|" + v.shape().length, 1, Integer::sum);
                if (v.elements() == 0) {
                    err.println("export: rank " + rank + ": variable '" + v.name() + "' (id " + v.id() + ") is empty; left out");
                    continue;
                }
                if (v.elements() > Integer.MAX_VALUE - 8) {
                    throw new VelocException("rank " + rank + ": variable '" + v.name() + "' has " + v.elements()
                            + " elements, more than a Java array holds; export it with --rank and a smaller job");
                }
                Object flat = read(copy, v);
                String ds = datasetName(v, used);
                WritableDataset d = g.putDataset(ds, reshape(flat, v.shape()));
                d.putAttribute("id", v.id());
                d.putAttribute("name", v.name());
                d.putAttribute("type", v.type().label());
                d.putAttribute("codec", copy.codecOf(v, nth));
                done.addAndGet(v.length());
                n++;
            }
            return n;
        }
    }

    /** The variable's elements in a Java array of its type (char16 as the same bits in a short[]). */
    private static Object read(Copies.Copy copy, Variable v) throws VelocException {
        int n = (int) v.elements();
        Object array = switch (v.type()) {
            case FLOAT64 -> new double[n];
            case FLOAT32 -> new float[n];
            case INT64 -> new long[n];
            case INT32 -> new int[n];
            case INT16 -> new short[n];
            case CHAR16 -> new char[n];
            case INT8 -> new byte[n];
        };
        Region region = switch (v.type()) {
            case FLOAT64 -> Region.of((double[]) array);
            case FLOAT32 -> Region.of((float[]) array);
            case INT64 -> Region.of((long[]) array);
            case INT32 -> Region.of((int[]) array);
            case INT16 -> Region.of((short[]) array);
            case CHAR16 -> Region.of((char[]) array);
            case INT8 -> Region.of((byte[]) array);
        };
        copy.file.readInto(v, region);
        if (array instanceof char[] c) {
            short[] s = new short[n];
            for (int i = 0; i < n; i++) {
                s[i] = (short) c[i];
            }
            return s;
        }
        return array;
    }

    /** A flat array as nested arrays of the variable's shape (row-major, as it was protected). */
    static Object reshape(Object flat, long[] shape) {
        if (shape.length <= 1) {
            return flat;
        }
        int[] dims = new int[shape.length];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = Math.toIntExact(shape[i]);
        }
        Object out = Array.newInstance(flat.getClass().getComponentType(), dims);
        fill(out, flat, new int[] {0}, 0, dims);
        return out;
    }

    private static void fill(Object nested, Object flat, int[] offset, int depth, int[] dims) {
        if (depth == dims.length - 1) {
            System.arraycopy(flat, offset[0], nested, 0, dims[depth]);
            offset[0] += dims[depth];
            return;
        }
        for (int i = 0; i < dims[depth]; i++) {
            fill(Array.get(nested, i), flat, offset, depth + 1, dims);
        }
    }

    /** HDF5 names cannot hold '/'; two variables of one name get their ids appended. */
    private static String datasetName(Variable v, Set<String> used) {
        String base = v.name().replace('/', '_');
        if (base.isEmpty() || base.equals(".") || base.equals("..")) {
            base = "var" + base.length();
        }
        String n = used.contains(base) ? base + "_id" + v.id() : base;
        used.add(n);
        return n;
    }
}
