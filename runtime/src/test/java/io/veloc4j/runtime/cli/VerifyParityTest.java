package io.veloc4j.runtime.cli;

import io.veloc4j.comm.LocalComm;
import io.veloc4j.config.VelocConfig;
import io.veloc4j.levels.erasure.DataStream;
import io.veloc4j.levels.erasure.ErasureSet;
import io.veloc4j.levels.erasure.LocalEncoding;
import io.veloc4j.levels.erasure.Member;
import io.veloc4j.levels.erasure.ParityFile;
import io.veloc4j.levels.erasure.ParityFileInfo;
import io.veloc4j.levels.scratch.RankFile;
import io.veloc4j.runtime.Veloc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code verify} checks the erasure level's parity files on scratch next to the rank files: a
 * real checkpoint of 3 ranks on 3 virtual nodes, protected by one set of 3 with parity 1 through
 * the engine's encoding path; then one flipped byte in a parity file's body is reported by name.
 */
class VerifyParityTest {

    @TempDir
    Path tmp;

    @Test
    void parityFilesAreVerifiedAndADamagedOneIsNamed() throws Exception {
        Path cfg = tmp.resolve("veloc.cfg");
        Files.writeString(cfg, "scratch = s/%n\npersistent = p\nvirtual_nodes = 3\n");
        VelocConfig config = VelocConfig.load(cfg);
        LocalComm.run(3, c -> {
            try (Veloc v = Veloc.init(config, c)) {
                double[] field = new double[3000 + 1000 * c.rank()];
                for (int i = 0; i < field.length; i++) {
                    field[i] = Math.sin(i * 0.01) + c.rank();
                }
                v.protect(0, "field", field);
                v.checkpoint("heat", 4);
            }
            return null;
        });

        // protect v4 over the three nodes' scratch, as the engines would
        List<Member> members = new ArrayList<>();
        Map<Integer, Path> dirs = new HashMap<>();
        long session = 0;
        for (int node = 0; node < 3; node++) {
            Path dir = config.scratch(node).resolve("heat").resolve("4");
            List<Integer> ranks = new ArrayList<>();
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : (Iterable<Path>) s.filter(p -> p.getFileName().toString().endsWith(".vck")).sorted()::iterator) {
                    try (RankFile f = RankFile.open(p)) {
                        ranks.add(f.rank());
                        session = f.session();
                    }
                }
            }
            try (DataStream stream = DataStream.open(dir, "heat", 4, ranks.stream().mapToInt(Integer::intValue).toArray())) {
                members.add(new Member(node, "host-" + node, stream.ranks()));
            }
            dirs.put(node, dir);
        }
        List<ParityFileInfo> parity = LocalEncoding.encode(new ErasureSet("heat", 4, session, 0, 1, 4096, members), dirs);
        assertEquals(3, parity.size());

        MainTest.Outcome ok = MainTest.run("verify", "--config", cfg.toString(), "heat", "4");
        assertEquals(0, ok.code(), ok.toString());
        assertTrue(ok.out().contains("heat v4 scratch: verified (3 rank file(s), 3 parity file(s) on this machine)"), ok.out());

        Path damaged;
        try (Stream<Path> s = Files.list(dirs.get(1))) {
            damaged = s.filter(p -> ParityFile.isParityFile(p.getFileName().toString())).findFirst().orElseThrow();
        }
        try (RandomAccessFile f = new RandomAccessFile(damaged.toFile(), "rw")) {
            long at = f.length() - 10; // in the body, past the header
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x01);
        }
        MainTest.Outcome bad = MainTest.run("verify", "--config", cfg.toString(), "heat", "4");
        assertEquals(1, bad.code(), bad.toString());
        assertTrue(bad.out().contains("heat v4 scratch: CORRUPT: parity file " + damaged + " is corrupt: checksum mismatch in stripe"),
                bad.out());
    }
}
