package io.veloc4j.runtime.cli;

import io.veloc4j.levels.ElementType;
import io.veloc4j.levels.Region;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Min, max, mean and NaN count of a variable, computed as its bytes stream in (a {@link Region}
 * that keeps nothing). NaNs are left out of min, max and mean; chars count as unsigned 16-bit.
 */
final class VariableStats implements Region {

    private final ElementType type;
    private final long elements;
    private double min = Double.POSITIVE_INFINITY;
    private double max = Double.NEGATIVE_INFINITY;
    private double sum;
    private long counted;
    private long nans;

    VariableStats(ElementType type, long elements) {
        this.type = type;
        this.elements = elements;
    }

    @Override
    public ElementType type() {
        return type;
    }

    @Override
    public long elements() {
        return elements;
    }

    @Override
    public void read(long from, ByteBuffer dst) {
        throw new UnsupportedOperationException("statistics are write-only");
    }

    @Override
    public void write(long to, ByteBuffer src) {
        ByteBuffer b = src.slice().order(ByteOrder.LITTLE_ENDIAN);
        while (b.remaining() >= type.width()) {
            add(switch (type) {
                case FLOAT64 -> b.getDouble();
                case FLOAT32 -> b.getFloat();
                case INT64 -> b.getLong();
                case INT32 -> b.getInt();
                case INT16 -> b.getShort();
                case CHAR16 -> b.getChar();
                case INT8 -> b.get();
            });
        }
        src.position(src.limit());
    }

    private void add(double x) {
        if (Double.isNaN(x)) {
            nans++;
            return;
        }
        min = Math.min(min, x);
        max = Math.max(max, x);
        sum += x;
        counted++;
    }

    /** NaN when every element is NaN or there is none. */
    double min() {
        return counted == 0 ? Double.NaN : min;
    }

    double max() {
        return counted == 0 ? Double.NaN : max;
    }

    double mean() {
        return counted == 0 ? Double.NaN : sum / counted;
    }

    long nans() {
        return nans;
    }
}
