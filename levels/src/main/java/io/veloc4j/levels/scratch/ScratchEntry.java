package io.veloc4j.levels.scratch;

import java.nio.file.Path;

/**
 * A rank file found on a node's scratch, as its header describes it: the durable record that
 * {@code rank} finished writing {@code version} of checkpoint {@code name} in launch
 * {@code session}.
 *
 * @param jobSize   ranks of the job that wrote it
 * @param bytes     file length
 * @param headerCrc CRC32C of the header, which covers every variable's CRC: identifies the content
 */
public record ScratchEntry(String name, int version, int rank, int jobSize, long session, Path path, long bytes,
                           int headerCrc) {
}
