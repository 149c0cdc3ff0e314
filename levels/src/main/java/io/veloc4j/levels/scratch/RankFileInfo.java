package io.veloc4j.levels.scratch;

import java.nio.file.Path;

/**
 * What a finished rank-file write produced: where, how many bytes, and the header CRC, which
 * covers every variable's CRC and so identifies the content.
 */
public record RankFileInfo(Path path, long bytes, int crc) {
}
