package io.veloc4j.levels.erasure;

import io.veloc4j.levels.LevelException;

import java.nio.ByteBuffer;

/**
 * Where a rebuild gets the surviving symbols of a set: from local directories
 * ({@link LocalSymbolSource}) or, in the engine, from peers over the network. Nothing it returns
 * is trusted: {@link Rebuild} checks every header against the set and every stripe against its
 * CRC, and treats a fragment that fails as lost.
 */
public interface SymbolSource {

    /**
     * The header of the parity file member {@code member} holds for {@code codeword}.
     *
     * @throws LevelException if the member has none or it cannot be read (a
     *                        {@code CorruptCheckpointException} if it is damaged)
     */
    ParityHeader parityHeader(int member, int codeword) throws LevelException;

    /**
     * Fills {@code dst} (its remaining bytes) with bytes of member {@code member}'s symbol of
     * {@code codeword}, from byte {@code offset} of the symbol: for a data symbol s, bytes of its
     * data stream from {@code s·P + offset} (never past the stream's end: the padding is not
     * asked for); for a parity symbol, bytes of its parity piece.
     */
    void read(int member, int codeword, long offset, ByteBuffer dst) throws LevelException;
}
