package io.veloc4j.runtime.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * What {@code verify} last found about a persisted version, so that {@code ls} can say
 * "verified" or "corrupt": {@code <meta>/verify/<name>/<version>}, one line
 * {@code verified|corrupt <fingerprint> [reason]}. The fingerprint covers the MANIFEST's bytes and
 * every file's name, size and modification time, so a record is ignored once anything in the
 * version directory changed (written again, or damaged) since it was verified.
 */
final class VerifyRecords {

    private final Path root;

    VerifyRecords(Path meta) {
        this.root = meta.resolve("verify");
    }

    /** The version directory's fingerprint, or "-" when it cannot be read. */
    static String manifestCrc(Path versionDir) {
        try (var files = Files.list(versionDir)) {
            CRC32C crc = new CRC32C();
            crc.update(Files.readAllBytes(versionDir.resolve("MANIFEST")));
            for (Path p : files.sorted().toList()) {
                var a = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class);
                crc.update((p.getFileName() + " " + a.size() + " " + a.lastModifiedTime().toInstant() + "\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            return Long.toHexString(crc.getValue());
        } catch (IOException | RuntimeException e) {
            return "-";
        }
    }

    void record(String name, int version, String manifestCrc, String reasonIfCorrupt) throws IOException {
        Path file = root.resolve(name).resolve(Integer.toString(version));
        Files.createDirectories(file.getParent());
        String line = (reasonIfCorrupt == null ? "verified " + manifestCrc : "corrupt " + manifestCrc + " "
                + reasonIfCorrupt.replace('\n', ' ')) + "\n";
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        Files.writeString(tmp, line, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** "verified" or "corrupt" if verify's record still matches the version's MANIFEST. */
    Optional<String> state(String name, int version, Path versionDir) {
        Path file = root.resolve(name).resolve(Integer.toString(version));
        try {
            String[] w = Files.readString(file, StandardCharsets.UTF_8).trim().split(" ", 3);
            if (w.length >= 2 && w[1].equals(manifestCrc(versionDir)) && (w[0].equals("verified") || w[0].equals("corrupt"))) {
                return Optional.of(w[0]);
            }
        } catch (IOException | RuntimeException e) {
            // no record, or an unreadable one: nothing known
        }
        return Optional.empty();
    }
}
