package io.veloc4j.levels;

/** Element types of checkpointed variables; stored little-endian. The code is the on-disk id. */
public enum ElementType {
    FLOAT64(1, 8, "float64"),
    FLOAT32(2, 4, "float32"),
    INT64(3, 8, "int64"),
    INT32(4, 4, "int32"),
    INT16(5, 2, "int16"),
    CHAR16(6, 2, "char16"),
    INT8(7, 1, "int8");

    private final int code;
    private final int width;
    private final String label;

    ElementType(int code, int width, String label) {
        this.code = code;
        this.width = width;
        this.label = label;
    }

    public int code() {
        return code;
    }

    /** Bytes per element. */
    public int width() {
        return width;
    }

    public String label() {
        return label;
    }

    public static ElementType ofCode(int code) {
        for (ElementType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown element type code " + code);
    }

    @Override
    public String toString() {
        return label;
    }
}
