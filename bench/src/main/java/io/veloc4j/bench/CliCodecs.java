package io.veloc4j.bench;

import io.veloc4j.levels.ElementType;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The reference compressors of the compression bench, run as command-line programs: the zstd CLI
 * on a group's concatenated rank files, fpzip (fpzip-utils) on one whole float array. Each call
 * compresses a file to a file or decompresses it back; the caller compares the bytes. Each call
 * returns the program's CPU time (user + system, from bash's {@code time}: 1 ms resolution,
 * program start included).
 */
final class CliCodecs {

    /** A program that could not be run, with why. */
    static final class Missing extends Exception {
        Missing(String message) {
            super(message);
        }
    }

    private CliCodecs() {
    }

    /** {@code explicit} if given (must be executable), else {@code name} on PATH; null if not found. */
    static Path find(String name, Path explicit) {
        if (explicit != null) {
            return Files.isExecutable(explicit) ? explicit : null;
        }
        String path = System.getenv("PATH");
        for (String d : (path == null ? "/usr/bin:/bin" : path).split(File.pathSeparator)) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Path.of(d, name);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                return p;
            }
        }
        return null;
    }

    /** zstd at {@code level}, one thread: {@code in} → {@code out}. */
    static long zstd(Path zstd, int level, Path in, Path out) throws IOException, Missing {
        return run(List.of(zstd.toString(), "-" + level, "-T1", "-q", "-f", "-c", in.toString()), out);
    }

    static long unzstd(Path zstd, Path in, Path out) throws IOException, Missing {
        return run(List.of(zstd.toString(), "-d", "-q", "-f", "-c", in.toString()), out);
    }

    /** fpzip, full precision (lossless), the array's dims (at most 4: extents of 1 dropped, leading axes merged). */
    static long fpzip(Path fpzip, ElementType type, long[] shape, Path in, Path out) throws IOException, Missing {
        List<String> cmd = new ArrayList<>(List.of(fpzip.toString(), "-q", "-t", type == ElementType.FLOAT64 ? "double" : "float"));
        long[] dims = fpzipDims(shape);
        cmd.add("-" + dims.length);
        for (long d : dims) {
            cmd.add(Long.toString(d));
        }
        cmd.addAll(List.of("-i", in.toString(), "-o", out.toString()));
        return run(cmd, null);
    }

    static long unfpzip(Path fpzip, Path in, Path out) throws IOException, Missing {
        return run(List.of(fpzip.toString(), "-d", "-q", "-i", in.toString(), "-o", out.toString()), null);
    }

    /** fpzip's -1..-4 arguments for a row-major shape: fastest axis first (nx ny nz nf). */
    static long[] fpzipDims(long[] shape) {
        long[] s = Arrays.stream(shape).filter(x -> x != 1).toArray();
        if (s.length == 0) {
            return new long[] {1};
        }
        if (s.length > 4) {
            long lead = 1;
            for (int i = 0; i <= s.length - 4; i++) {
                lead *= s[i];
            }
            long[] m = new long[4];
            m[0] = lead;
            System.arraycopy(s, s.length - 3, m, 1, 3);
            s = m;
        }
        long[] d = new long[s.length];
        for (int i = 0; i < s.length; i++) {
            d[i] = s[s.length - 1 - i];
        }
        return d;
    }

    /**
     * Runs {@code cmd} (stdout to {@code stdout}, or discarded) under bash's {@code time}, which
     * reads the child's rusage (user + system, printed to the ms); returns that CPU time in ns, or
     * -1 if bash is not there (the command then runs directly).
     */
    private static long run(List<String> cmd, Path stdout) throws IOException, Missing {
        Path bash = find("bash", null);
        Path err = Files.createTempFile("veloc4j-cli-", ".err");
        try {
            List<String> full = new ArrayList<>();
            if (bash != null) {
                full.addAll(List.of(bash.toString(), "-c", TIMED, "bash"));
            }
            full.addAll(cmd);
            ProcessBuilder pb = new ProcessBuilder(full).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            String out = stdout == null ? "/dev/null" : stdout.toString();
            if (bash != null) {
                pb.environment().put("VELOC4J_OUT", out);
                pb.environment().put("VELOC4J_ERR", err.toString());
                pb.redirectOutput(ProcessBuilder.Redirect.PIPE).redirectError(ProcessBuilder.Redirect.DISCARD);
            } else {
                pb.redirectOutput(ProcessBuilder.Redirect.to(new File(out))).redirectError(ProcessBuilder.Redirect.to(err.toFile()));
            }
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                throw new Missing("cannot run " + cmd.get(0) + ": " + e.getMessage());
            }
            String times = new String(p.getInputStream().readAllBytes()).trim();
            try {
                if (!p.waitFor(3600, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException(String.join(" ", cmd) + ": timed out");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running " + cmd.get(0), e);
            }
            if (p.exitValue() == 127 && bash != null) {
                throw new Missing("cannot run " + cmd.get(0) + ": " + Files.readString(err).trim());
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): " + Files.readString(err).trim());
            }
            if (bash == null) {
                return -1;
            }
            String[] f = times.split("\\s+");
            try {
                return Math.round((Double.parseDouble(f[f.length - 2]) + Double.parseDouble(f[f.length - 1])) * 1e9);
            } catch (RuntimeException e) {
                throw new IOException("cannot read the CPU time of " + cmd.get(0) + " from bash's time: '" + times + "'");
            }
        } finally {
            Files.deleteIfExists(err);
        }
    }

    /** bash -c script: runs "$@" with stdout/stderr to $VELOC4J_OUT/$VELOC4J_ERR and prints "user sys" seconds. */
    private static final String TIMED = "TIMEFORMAT='%3U %3S'; { time \"$@\" >\"$VELOC4J_OUT\" 2>\"$VELOC4J_ERR\"; } 2>&1";
}
