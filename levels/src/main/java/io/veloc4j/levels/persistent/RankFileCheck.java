package io.veloc4j.levels.persistent;

import io.veloc4j.levels.CorruptCheckpointException;
import io.veloc4j.levels.Variable;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Checks a rank file's variable CRCs on the bytes as the aggregate writer reads them, so a
 * corrupt rank file is never persisted and is not read twice. Each variable's bytes must arrive
 * in file order (every layout reads them so); bytes outside variables are covered by the header
 * CRC, checked when the file was opened.
 */
final class RankFileCheck {

    private final Path path;
    private final boolean enabled;
    private final Variable[] vars;
    private final CRC32C[] crcs;
    private final long[] seen;

    RankFileCheck(Path path, boolean enabled, List<Variable> variables) {
        this.path = path;
        this.enabled = enabled;
        this.vars = variables.stream().sorted(Comparator.comparingLong(Variable::offset)).toArray(Variable[]::new);
        this.crcs = new CRC32C[vars.length];
        this.seen = new long[vars.length];
        for (int i = 0; i < vars.length; i++) {
            crcs[i] = new CRC32C();
        }
    }

    /** Feeds {@code buf[off, off + len)}, which holds the file's bytes from {@code fileOffset}. */
    void feed(long fileOffset, byte[] buf, int off, int len) throws CorruptCheckpointException {
        feed(fileOffset, ByteBuffer.wrap(buf, off, len));
    }

    /** Feeds {@code bytes} (position to limit), which holds the file's bytes from {@code fileOffset}. */
    void feed(long fileOffset, ByteBuffer bytes) throws CorruptCheckpointException {
        if (!enabled) {
            return;
        }
        long end = fileOffset + bytes.remaining();
        for (int i = first(fileOffset); i < vars.length && vars[i].offset() < end; i++) {
            Variable v = vars[i];
            long from = Math.max(fileOffset, v.offset());
            long to = Math.min(end, v.offset() + v.length());
            if (from >= to) {
                continue;
            }
            if (from != v.offset() + seen[i]) {
                throw new IllegalStateException("variable '" + v.name() + "' of " + path + " read out of order");
            }
            int at = bytes.position() + (int) (from - fileOffset);
            crcs[i].update(bytes.slice(at, (int) (to - from)));
            seen[i] += to - from;
        }
    }

    /** After every byte was fed: each variable's CRC must match its header's. */
    void finish() throws CorruptCheckpointException {
        if (!enabled) {
            return;
        }
        for (int i = 0; i < vars.length; i++) {
            if (seen[i] != vars[i].length() || (int) crcs[i].getValue() != vars[i].crc()) {
                throw new CorruptCheckpointException("rank file " + path + " is corrupt: checksum mismatch in variable "
                        + vars[i].id() + " ('" + vars[i].name() + "'); it was not persisted");
            }
        }
    }

    /** The first variable that ends after {@code at}. */
    private int first(long at) {
        int lo = 0;
        int hi = vars.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (vars[mid].offset() + vars[mid].length() <= at) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
