package io.veloc4j.levels.persistent;

import java.util.List;

/**
 * A group's file on persistent storage, as the MANIFEST lists it.
 *
 * @param file        file name within the version directory
 * @param rawBytes    bytes of the group's rank files
 * @param storedBytes bytes of the file
 * @param crc         index CRC (aggregates) or header CRC (copied rank files)
 * @param members     ranks in it, with their slices
 * @param codecs      codecs of its segments, "codec:count,…" ("copy" for a copied rank file)
 */
public record AggregateInfo(int group, String file, long rawBytes, long storedBytes, int crc, List<Member> members,
                            String codecs) {
    public AggregateInfo {
        members = List.copyOf(members);
    }
}
