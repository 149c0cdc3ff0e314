package io.veloc4j.levels.erasure;

import io.veloc4j.levels.LevelException;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Symbols read from the members' version directories on this machine ({@code <scratch>/<name>/<version>}
 * of each member's node): data from its rank files, parity from its parity files. For tests,
 * benchmarks and virtual nodes that share a machine. Not thread-safe.
 */
public final class LocalSymbolSource implements SymbolSource, AutoCloseable {

    private final ErasureSet set;
    private final ErasureLayout layout;
    private final Map<Integer, Path> dirs;
    private final Map<Integer, DataStream> streams = new HashMap<>();
    private final Map<Long, ParityFile> parity = new HashMap<>();

    /** @param memberDirs version directory of each member that may be read (members missing here are not available) */
    public LocalSymbolSource(ErasureSet set, Map<Integer, Path> memberDirs) {
        this.set = set;
        this.layout = set.layout();
        this.dirs = Map.copyOf(memberDirs);
    }

    private Path dir(int member) throws LevelException {
        Path d = dirs.get(member);
        if (d == null) {
            throw new LevelException("member " + member + " (node " + set.member(member).node() + ") of " + set.describe()
                    + " is not available");
        }
        return d;
    }

    @Override
    public ParityHeader parityHeader(int member, int codeword) throws LevelException {
        return parityFile(member, codeword).header();
    }

    private ParityFile parityFile(int member, int codeword) throws LevelException {
        long key = (long) member << 32 | codeword;
        ParityFile f = parity.get(key);
        if (f == null) {
            f = ParityFile.open(dir(member).resolve(ParityFile.fileName(set.setId(), codeword)));
            parity.put(key, f);
        }
        return f;
    }

    @Override
    public void read(int member, int codeword, long offset, ByteBuffer dst) throws LevelException {
        int symbol = layout.symbolOf(codeword, member);
        if (layout.isData(symbol)) {
            DataStream s = streams.get(member);
            if (s == null) {
                s = DataStream.open(dir(member), set, member);
                streams.put(member, s);
            }
            s.read(layout.pieceOffset(symbol) + offset, dst);
        } else {
            parityFile(member, codeword).read(offset, dst);
        }
    }

    @Override
    public void close() {
        streams.values().forEach(DataStream::close);
        parity.values().forEach(ParityFile::close);
        streams.clear();
        parity.clear();
    }
}
