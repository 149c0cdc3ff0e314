package io.veloc4j.config;

/** The codec for typed variables in aware schemes (codec); AUTO picks per variable from a sample. */
public enum CodecChoice {
    AUTO,
    ZSTD,
    SHUFFLE,
    DELTA,
    XOR,
    FPC,
    LORENZO
}
