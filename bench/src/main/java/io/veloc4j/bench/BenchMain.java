package io.veloc4j.bench;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * {@code ./veloc4j bench <what> [args]}: runs one benchmark by name. To add one, add a case to
 * the switch and a line to {@link #usage}.
 */
public final class BenchMain {

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.print(usage());
            System.exit(2);
            return;
        }
        String what = args[0];
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        int code = switch (what) {
            case "latency" -> CheckpointLatencyBench.main(rest);
            case "flush" -> FlushBench.main(rest);
            case "slowdown" -> SlowdownBench.main(rest);
            case "compression" -> CompressionBench.main(rest);
            case "clustering" -> ClusteringBench.main(rest);
            case "scale" -> ScaleBench.main(rest);
            case "erasure" -> ErasureBench.main(rest);
            case "-h", "--help", "help" -> {
                System.out.print(usage());
                yield 0;
            }
            default -> {
                System.err.println("bench: unknown benchmark '" + what + "'");
                System.err.print(usage());
                yield 2;
            }
        };
        System.exit(code);
    }

    static String usage() {
        return """
                usage: ./veloc4j bench <what> [args]      (./veloc4j bench <what> --help for its options)
                benchmarks:
                  latency   blocking checkpoint latency: veloc4j vs. a plain FileChannel, same processes, same bytes
                  flush     background flush throughput: scheme none vs. plain transferTo + fsync, and agnostic vs. none
                  slowdown  heatdis wall time with async checkpoints every K steps vs. without checkpoints
                  compression  ratio and speed per core of each aggregation scheme x codec on real arrays, vs. zstd/fpzip CLIs
                  clustering   stored bytes of rank-wise, random and clustered groupings (synthetic and real data)
                  scale     16-256 ranks on 4-16 virtual nodes through the whole pipeline: no hang, no loss, time, memory per rank
                  erasure   Reed-Solomon encode/decode per core for (4,1) (4,2) (8,2) (16,4) vs. memcpy; protect and rebuild on files
                """;
    }

    /**
     * Where results go by default: {@code bench/results/} of the checkout these classes were
     * built in (found from {@code bench/target/classes}), else {@code ./bench/results}.
     */
    static Path resultsDir() {
        try {
            Path classes = Path.of(BenchMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path bench = classes.getParent() == null ? null : classes.getParent().getParent();
            if (bench != null && Files.isRegularFile(bench.resolve("pom.xml"))) {
                return bench.resolve("results");
            }
        } catch (URISyntaxException | SecurityException | NullPointerException | IllegalArgumentException e) {
            // fall through
        }
        return Path.of("bench", "results").toAbsolutePath();
    }

    /** The checkout that holds {@code results} ({@code <checkout>/bench/results}), else the working directory. */
    static Path checkoutDir(Path results) {
        Path bench = results.getParent();
        return bench == null || bench.getParent() == null ? Path.of("").toAbsolutePath() : bench.getParent();
    }
}
