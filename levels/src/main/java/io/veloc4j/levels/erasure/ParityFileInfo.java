package io.veloc4j.levels.erasure;

import java.nio.file.Path;

/** A parity file written: where, its length, and its header CRC (which covers every stripe CRC). */
public record ParityFileInfo(Path path, long bytes, int headerCrc) {
}
