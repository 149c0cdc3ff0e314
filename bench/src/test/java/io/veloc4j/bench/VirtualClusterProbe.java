package io.veloc4j.bench;

import io.veloc4j.comm.MpiComm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A rank of {@code VirtualClusterTest}'s probe job: writes a file into its scratch, then reports
 * its host name, its node as MPI sees it, and what it can see of scratch and of the hosts' directory.
 */
public final class VirtualClusterProbe {

    private VirtualClusterProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path scratch = Path.of(args[0]);
        Path hosts = Path.of(args[1]);
        Path out = Path.of(args[2]);
        MpiComm world = MpiComm.world(args);
        int rank = world.rank();
        Files.writeString(scratch.resolve("written-by-rank-" + rank), "x");
        world.barrier(); // every rank has written before anyone looks
        String host = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        String seen;
        try (Stream<Path> s = Files.list(scratch)) {
            seen = String.join(",", s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        long hostsEntries;
        try (Stream<Path> s = Files.list(hosts)) {
            hostsEntries = s.count();
        }
        Files.createDirectories(out);
        Files.writeString(out.resolve("rank-" + rank), host + "\n" + world.hostLeader() + "\n" + seen + "\n" + hostsEntries + "\n");
        MpiComm.finish();
    }
}
