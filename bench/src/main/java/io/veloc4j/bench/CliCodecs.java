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
 * compresses a file to a file and decompresses it back; the caller compares the bytes. CPU time is
 * that of the children this JVM waited for ({@code /proc/self/stat} cutime + cstime), which the
 * kernel reports in clock ticks (10 ms): meaningful for a batch of calls, not for one short call.
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
    static void zstd(Path zstd, int level, Path in, Path out) throws IOException, Missing {
        run(List.of(zstd.toString(), "-" + level, "-T1", "-q", "-f", "-c", in.toString()), out);
    }

    static void unzstd(Path zstd, Path in, Path out) throws IOException, Missing {
        run(List.of(zstd.toString(), "-d", "-q", "-f", "-c", in.toString()), out);
    }

    /** fpzip, full precision (lossless), the array's dims (at most 4: extents of 1 dropped, leading axes merged). */
    static void fpzip(Path fpzip, ElementType type, long[] shape, Path in, Path out) throws IOException, Missing {
        List<String> cmd = new ArrayList<>(List.of(fpzip.toString(), "-q", "-t", type == ElementType.FLOAT64 ? "double" : "float"));
        long[] dims = fpzipDims(shape);
        cmd.add("-" + dims.length);
        for (long d : dims) {
            cmd.add(Long.toString(d));
        }
        cmd.addAll(List.of("-i", in.toString(), "-o", out.toString()));
        run(cmd, null);
    }

    static void unfpzip(Path fpzip, Path in, Path out) throws IOException, Missing {
        run(List.of(fpzip.toString(), "-d", "-q", "-i", in.toString(), "-o", out.toString()), null);
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

    private static void run(List<String> cmd, Path stdout) throws IOException, Missing {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(ProcessBuilder.Redirect.PIPE);
        pb.redirectOutput(stdout == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(stdout.toFile()));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new Missing("cannot run " + cmd.get(0) + ": " + e.getMessage());
        }
        byte[] err = p.getErrorStream().readAllBytes();
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
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): " + new String(err).trim());
        }
    }

    /** CPU time of the waited-for children so far, ns (10 ms resolution), or -1 if unknown (no /proc). */
    static long childrenCpuNs() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // fields after the ")" that ends the command name: state is field 3; cutime 16, cstime 17
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            long ticks = Long.parseLong(f[16 - 3]) + Long.parseLong(f[17 - 3]);
            return ticks * 10_000_000L; // USER_HZ is 100 on Linux
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
