package io.veloc4j.levels.erasure;

/**
 * What a data member sends with one stripe of a contribution: data symbol {@code dataSymbol} of
 * codeword {@code codeword}, stripe {@code stripe} ({@code length} bytes), and the CRC32C of that
 * stripe of its data piece (zero-padded), which every parity file of the codeword records. The
 * bytes for parity j go to member {@code layout.parityHolder(codeword, j)}.
 */
public record Contribution(int codeword, int dataSymbol, int stripe, int length, int dataCrc) {
}
