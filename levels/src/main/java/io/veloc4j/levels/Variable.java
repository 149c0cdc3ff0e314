package io.veloc4j.levels;

import java.util.Arrays;

/**
 * One protected variable as a checkpoint records it.
 *
 * @param id     the application's id (VELOC's mem_protect id)
 * @param name   the application's name for it; with type and dimensionality, the key that matches
 *               the same variable across ranks
 * @param type   element type
 * @param shape  extent per dimension; the product is the element count
 * @param offset where its bytes start in the containing file
 * @param length its length in bytes
 * @param crc    CRC32C of its bytes (0 when checksums are off)
 */
public record Variable(int id, String name, ElementType type, long[] shape, long offset, long length, int crc) {

    public Variable {
        shape = shape.clone();
        long n = 1;
        for (long s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("variable '" + name + "': negative extent in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, s);
        }
        if (Math.multiplyExact(n, (long) type.width()) != length) {
            throw new IllegalArgumentException("variable '" + name + "': shape " + Arrays.toString(shape) + " of "
                    + type + " is " + n * type.width() + " bytes, not " + length);
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long elements() {
        return length / type.width();
    }

    public Variable at(long newOffset, int newCrc) {
        return new Variable(id, name, type, shape, newOffset, length, newCrc);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Variable v && v.id == id && v.name.equals(name) && v.type == type
                && Arrays.equals(v.shape, shape) && v.offset == offset && v.length == length && v.crc == crc;
    }

    @Override
    public int hashCode() {
        return (id * 31 + name.hashCode()) * 31 + Long.hashCode(offset);
    }

    @Override
    public String toString() {
        return "Variable[" + id + " '" + name + "' " + type + Arrays.toString(shape) + " @" + offset + "+" + length + "]";
    }
}
