package io.veloc4j.runtime.cli;

import io.veloc4j.VelocException;
import io.veloc4j.config.VelocConfig;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.erasure.ParityFile;
import io.veloc4j.levels.persistent.AggregateFile;
import io.veloc4j.levels.persistent.AggregateInfo;
import io.veloc4j.levels.persistent.Manifest;
import io.veloc4j.levels.persistent.PersistentStore;
import io.veloc4j.levels.persistent.Scheme;
import io.veloc4j.levels.scratch.RankFile;
import io.veloc4j.runtime.Progress;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code verify [--config FILE] [NAME [VERSION]]}: reads and decodes every chunk of every
 * persistent file of a version (or of all versions), checking the stored and the decoded
 * checksums, and every rank file and parity file (the erasure level's) on this machine's
 * scratch. One line per version and level;
 * exit 0 if everything is intact, 1 if anything is corrupt or nothing was found. Records the
 * result for {@code ls}.
 */
final class VerifyCommand {

    private VerifyCommand() {
    }

    private record Target(String name, int version) {
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Options o;
        try {
            o = Options.parse("verify", args, Set.of("--config"));
            if (o.positional().size() > 2) {
                throw new IllegalArgumentException("verify: at most NAME and VERSION");
            }
            if (o.positional().size() == 2) {
                Options.nonNegative("verify", "VERSION", o.positional().get(1));
            }
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.println("usage: veloc4j verify [--config FILE] [NAME [VERSION]]");
            return 2;
        }
        try {
            VelocConfig config = VelocConfig.load(o.config());
            PersistentStore store = new PersistentStore(config.persistent());
            Copies copies = new Copies(config);
            VerifyRecords records = new VerifyRecords(config.meta());
            List<Target> persisted = new ArrayList<>();
            List<Target> scratch = new ArrayList<>();
            collect(config, store, o.positional(), persisted, scratch);
            if (persisted.isEmpty() && scratch.isEmpty()) {
                err.println("veloc4j verify: no checkpoint" + (o.positional().isEmpty() ? "" : " '" + String.join(" v", o.positional())
                        + "'") + " on persistent storage (" + config.persistent() + ") or this machine's scratch");
                return 1;
            }
            long total = 0;
            for (Target t : persisted) {
                total += storedBytes(store.versionDir(t.name, t.version));
            }
            AtomicLong finished = new AtomicLong();
            AtomicReference<AggregateFile> current = new AtomicReference<>();
            int corrupt = 0;
            try (Progress p = Progress.start("verify", total, () -> finished.get() + bytesRead(current.get()), err::println)) {
                for (Target t : persisted) {
                    Path dir = store.versionDir(t.name, t.version);
                    String crc = VerifyRecords.manifestCrc(dir);
                    String problem = verifyPersistent(dir, finished, current);
                    records.record(t.name, t.version, crc, problem);
                    corrupt += report(out, t, "persistent", problem, Progress.bytes(storedBytes(dir)) + " stored");
                }
                for (Target t : scratch) {
                    String problem = null;
                    int files = 0;
                    int parity = 0;
                    for (Path dir : copies.scratchVersionDirs(t.name, t.version)) {
                        for (Path f : rankFiles(dir)) {
                            files++;
                            problem = problem != null ? problem : verifyRankFile(f, t);
                        }
                        for (Path f : parityFiles(dir)) {
                            parity++;
                            problem = problem != null ? problem : verifyParityFile(f, t);
                        }
                    }
                    corrupt += report(out, t, "scratch", problem, files + " rank file(s)"
                            + (parity > 0 ? ", " + parity + " parity file(s)" : "") + " on this machine");
                }
            }
            return corrupt == 0 ? 0 : 1;
        } catch (VelocException | IOException e) {
            err.println("veloc4j verify: " + e.getMessage());
            return 1;
        }
    }

    private static int report(PrintStream out, Target t, String level, String problem, String detail) {
        if (problem == null) {
            out.println(t.name + " v" + t.version + " " + level + ": verified (" + detail + ")");
            return 0;
        }
        out.println(t.name + " v" + t.version + " " + level + ": CORRUPT: " + problem);
        return 1;
    }

    /** Every chunk of every file decoded, both checksums checked; null if intact, else what is wrong. */
    private static String verifyPersistent(Path dir, AtomicLong finished, AtomicReference<AggregateFile> current) {
        try {
            Manifest m = Manifest.read(dir);
            for (AggregateInfo f : m.files()) {
                Path p = dir.resolve(f.file());
                if (m.scheme() == Scheme.NONE) {
                    try (RankFile r = RankFile.open(p)) {
                        if (r.headerCrc() != f.crc()) {
                            return p + " is not the file the MANIFEST committed (header CRC differs)";
                        }
                        r.verify();
                    }
                } else {
                    try (AggregateFile a = AggregateFile.open(p)) {
                        if (a.indexCrc() != f.crc()) {
                            return p + " is not the file the MANIFEST committed (index CRC differs)";
                        }
                        current.set(a);
                        try {
                            a.scrub();
                        } finally {
                            current.set(null);
                        }
                    }
                }
                finished.addAndGet(f.storedBytes());
            }
            return null;
        } catch (LevelException | RuntimeException e) {
            return e.getMessage();
        }
    }

    private static String verifyRankFile(Path f, Target t) {
        try (RankFile r = RankFile.open(f)) {
            if (!r.name().equals(t.name) || r.version() != t.version) {
                return f + " holds '" + r.name() + "' v" + r.version() + ", not '" + t.name + "' v" + t.version;
            }
            r.verify();
            return null;
        } catch (LevelException | RuntimeException e) {
            return e.getMessage();
        }
    }

    /** A parity file's header and every stripe against its CRC; null if intact, else what is wrong. */
    private static String verifyParityFile(Path f, Target t) {
        try (ParityFile p = ParityFile.open(f)) {
            if (!p.header().set().name().equals(t.name) || p.header().set().version() != t.version) {
                return f + " protects '" + p.header().set().name() + "' v" + p.header().set().version() + ", not '" + t.name
                        + "' v" + t.version;
            }
            p.verify();
            return null;
        } catch (LevelException | RuntimeException e) {
            return e.getMessage();
        }
    }

    private static long bytesRead(AggregateFile a) {
        return a == null ? 0 : a.bytesRead();
    }

    private static long storedBytes(Path dir) {
        try {
            return Manifest.read(dir).storedBytes();
        } catch (LevelException e) {
            return 0;
        }
    }

    private static void collect(VelocConfig config, PersistentStore store, List<String> only, List<Target> persisted,
                                List<Target> scratch) throws IOException {
        TreeSet<String> names = new TreeSet<>(ListCommand.names(config.persistent()));
        for (int node = 0; node < config.virtualNodes(); node++) {
            names.addAll(ListCommand.names(config.scratch(node)));
        }
        for (String name : names) {
            if (!only.isEmpty() && !only.get(0).equals(name)) {
                continue;
            }
            TreeSet<Integer> onScratch = new TreeSet<>();
            for (int node = 0; node < config.virtualNodes(); node++) {
                Path d = config.scratch(node).resolve(name);
                if (Files.isDirectory(d)) {
                    try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
                        for (Path p : ds) {
                            String s = p.getFileName().toString();
                            if (s.matches("[0-9]{1,9}")) {
                                onScratch.add(Integer.parseInt(s));
                            }
                        }
                    }
                }
            }
            TreeSet<Integer> committed = new TreeSet<>(store.committed(name));
            for (int v : committed) {
                if (only.size() < 2 || Integer.parseInt(only.get(1)) == v) {
                    persisted.add(new Target(name, v));
                }
            }
            for (int v : onScratch) {
                if (only.size() < 2 || Integer.parseInt(only.get(1)) == v) {
                    scratch.add(new Target(name, v));
                }
            }
        }
    }

    private static List<Path> rankFiles(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "rank-*.vck")) {
            ds.forEach(out::add);
        }
        out.sort(null);
        return out;
    }

    private static List<Path> parityFiles(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, p -> ParityFile.isParityFile(p.getFileName().toString()))) {
            ds.forEach(out::add);
        }
        out.sort(null);
        return out;
    }
}
