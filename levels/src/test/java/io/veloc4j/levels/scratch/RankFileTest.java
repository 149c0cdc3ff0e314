package io.veloc4j.levels.scratch;

import io.veloc4j.levels.CorruptCheckpointException;
import io.veloc4j.levels.ElementType;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.Region;
import io.veloc4j.levels.Variable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rank files: bit-exact round trips of every element type, and detection of every kind of damage. */
class RankFileTest {

    @TempDir
    Path tmp;

    // ---- awkward values, per type ----

    static double[] doubles() {
        return new double[] {
            Double.longBitsToDouble(0x7ff0000000000001L), // signalling-style NaN, odd payload
            Double.longBitsToDouble(0x7ff8dead_beef1235L), // quiet NaN, odd payload
            Double.longBitsToDouble(0xfff0000000000003L), // negative NaN
            -0.0, 0.0, Double.MIN_VALUE, Double.longBitsToDouble(0x000fffffffffffffL), // subnormals
            -Double.MIN_VALUE, Double.MAX_VALUE, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, Math.PI, -1e-300
        };
    }

    static float[] floats() {
        return new float[] {
            Float.intBitsToFloat(0x7f800001), Float.intBitsToFloat(0x7fc0beef), Float.intBitsToFloat(0xff800005),
            -0.0f, 0.0f, Float.MIN_VALUE, Float.intBitsToFloat(0x007fffff), -Float.MIN_VALUE, Float.MAX_VALUE,
            Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, (float) Math.E
        };
    }

    static long[] longs() {
        return new long[] {Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE, 0x0123456789abcdefL};
    }

    static int[] ints() {
        return new int[] {Integer.MIN_VALUE, -1, 0, 1, Integer.MAX_VALUE, 0x89abcdef};
    }

    static short[] shorts() {
        return new short[] {Short.MIN_VALUE, -1, 0, 1, Short.MAX_VALUE, (short) 0xabcd};
    }

    static char[] chars() {
        return new char[] {'\0', 'a', '\u00e9', '\uffff', '\ud800', '\udfff', '\u20ac'};
    }

    static byte[] bytes() {
        return new byte[] {Byte.MIN_VALUE, -1, 0, 1, Byte.MAX_VALUE, 0x5a};
    }

    static long[] bits(double[] a) {
        return Arrays.stream(a).mapToLong(Double::doubleToRawLongBits).toArray();
    }

    static int[] bits(float[] a) {
        int[] out = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = Float.floatToRawIntBits(a[i]);
        }
        return out;
    }

    private RankFileInfo write(Path file, List<RankFileWriter.Entry> entries, boolean checksum) throws LevelException {
        return new RankFileWriter(1 << 16).write(file, "ck", 7, 3, 8, entries, checksum, false);
    }

    private static RankFileWriter.Entry entry(int id, String name, Region r) {
        return new RankFileWriter.Entry(id, name, new long[] {r.elements()}, r);
    }

    private static Variable var(RankFile f, int id) {
        return f.variable(id).orElseThrow(() -> new AssertionError("no variable " + id + " in " + f));
    }

    @Test
    void everyElementTypeRoundTripsBitExact() throws Exception {
        for (boolean checksum : new boolean[] {true, false}) {
            double[] d = doubles();
            float[] f = floats();
            long[] l = longs();
            int[] i = ints();
            short[] s = shorts();
            char[] c = chars();
            byte[] b = bytes();
            ByteBuffer bb = ByteBuffer.allocateDirect(37);
            for (int k = 0; k < 37; k++) {
                bb.put(k, (byte) (k * 7 + 3));
            }
            bb.position(5); // position is ignored on write and must be left alone
            Path file = tmp.resolve("rt-" + checksum + ".vck");
            write(file, List.of(entry(0, "d", Region.of(d)), entry(1, "f", Region.of(f)), entry(2, "l", Region.of(l)),
                    entry(3, "i", Region.of(i)), entry(4, "s", Region.of(s)), entry(5, "c", Region.of(c)),
                    entry(6, "b", Region.of(b)), entry(7, "bb", Region.of(bb))), checksum);
            assertEquals(5, bb.position(), "writing must not move the buffer's position");

            double[] d2 = new double[d.length];
            float[] f2 = new float[f.length];
            long[] l2 = new long[l.length];
            int[] i2 = new int[i.length];
            short[] s2 = new short[s.length];
            char[] c2 = new char[c.length];
            byte[] b2 = new byte[b.length];
            ByteBuffer bb2 = ByteBuffer.allocate(37);
            try (RankFile rf = RankFile.open(file)) {
                assertEquals("ck", rf.name());
                assertEquals(7, rf.version());
                assertEquals(3, rf.rank());
                assertEquals(8, rf.jobSize());
                assertEquals(Files.size(file), rf.length());
                assertEquals(8, rf.variables().size());
                assertEquals(ElementType.FLOAT64, var(rf, 0).type());
                assertEquals(ElementType.FLOAT32, var(rf, 1).type());
                assertEquals(ElementType.INT64, var(rf, 2).type());
                assertEquals(ElementType.INT32, var(rf, 3).type());
                assertEquals(ElementType.INT16, var(rf, 4).type());
                assertEquals(ElementType.CHAR16, var(rf, 5).type());
                assertEquals(ElementType.INT8, var(rf, 6).type());
                assertEquals(ElementType.INT8, var(rf, 7).type());
                assertEquals("bb", var(rf, 7).name());
                assertArrayEquals(new long[] {37}, var(rf, 7).shape());
                rf.verify();
                rf.readInto(var(rf, 0), Region.of(d2));
                rf.readInto(var(rf, 1), Region.of(f2));
                rf.readInto(var(rf, 2), Region.of(l2));
                rf.readInto(var(rf, 3), Region.of(i2));
                rf.readInto(var(rf, 4), Region.of(s2));
                rf.readInto(var(rf, 5), Region.of(c2));
                rf.readInto(var(rf, 6), Region.of(b2));
                rf.readInto(var(rf, 7), Region.of(bb2));
            }
            assertArrayEquals(bits(d), bits(d2), "double bits, checksum=" + checksum);
            assertArrayEquals(bits(f), bits(f2), "float bits, checksum=" + checksum);
            assertArrayEquals(l, l2);
            assertArrayEquals(i, i2);
            assertArrayEquals(s, s2);
            assertArrayEquals(c, c2);
            assertArrayEquals(b, b2);
            for (int k = 0; k < 37; k++) {
                assertEquals((byte) (k * 7 + 3), bb2.get(k), "ByteBuffer byte " + k);
            }
        }
    }

    @Test
    void bytesOnDiskAreLittleEndian() throws Exception {
        Path file = tmp.resolve("le.vck");
        write(file, List.of(entry(0, "l", Region.of(new long[] {0x0102030405060708L}))), true);
        long offset;
        try (RankFile rf = RankFile.open(file)) {
            offset = var(rf, 0).offset();
        }
        byte[] all = Files.readAllBytes(file);
        assertArrayEquals(new byte[] {8, 7, 6, 5, 4, 3, 2, 1}, Arrays.copyOfRange(all, (int) offset, (int) offset + 8));
    }

    @Test
    void emptyAndOneElementArraysRoundTrip() throws Exception {
        double[] one = {Double.longBitsToDouble(0x7ff4000000000001L)};
        Path file = tmp.resolve("small.vck");
        write(file, List.of(entry(0, "empty-d", Region.of(new double[0])), entry(1, "one", Region.of(one)),
                entry(2, "empty-b", Region.of(new byte[0])), entry(3, "one-c", Region.of(new char[] {'\u1234'}))), true);
        double[] one2 = new double[1];
        char[] c2 = new char[1];
        try (RankFile rf = RankFile.open(file)) {
            rf.verify();
            assertEquals(0, var(rf, 0).elements());
            assertEquals(0, var(rf, 2).length());
            rf.readInto(var(rf, 0), Region.of(new double[0]));
            rf.readInto(var(rf, 1), Region.of(one2));
            rf.readInto(var(rf, 2), Region.of(new byte[0]));
            rf.readInto(var(rf, 3), Region.of(c2));
        }
        assertEquals(Double.doubleToRawLongBits(one[0]), Double.doubleToRawLongBits(one2[0]));
        assertEquals('\u1234', c2[0]);
    }

    /** An empty variable after one whose length is not a multiple of the alignment: the layout must still agree with the file's size. */
    @Test
    void emptyArrayAfterUnalignedArrayRoundTrips() throws Exception {
        Path file = tmp.resolve("tail.vck");
        byte[] b = {1, 2, 3};
        write(file, List.of(entry(0, "b", Region.of(b)), entry(1, "empty", Region.of(new int[0]))), true);
        byte[] b2 = new byte[3];
        try (RankFile rf = RankFile.open(file)) {
            rf.verify();
            rf.readInto(var(rf, 0), Region.of(b2));
            rf.readInto(var(rf, 1), Region.of(new int[0]));
        }
        assertArrayEquals(b, b2);
    }

    @Test
    void noVariablesIsAValidFile() throws Exception {
        Path file = tmp.resolve("none.vck");
        write(file, List.of(), true);
        try (RankFile rf = RankFile.open(file)) {
            rf.verify();
            assertTrue(rf.variables().isEmpty());
        }
    }

    /** Larger than the writer's and reader's buffers, so the chunked paths run. */
    @Test
    void multiChunkVariableRoundTrips() throws Exception {
        double[] big = new double[(5 << 20) / 8 + 3]; // > 4 MiB read chunk, > 64 KiB write buffer
        for (int k = 0; k < big.length; k++) {
            big[k] = Double.longBitsToDouble(0x7ff0000000000001L + k * 0x9e3779b97f4a7c15L);
        }
        Path file = tmp.resolve("big.vck");
        write(file, List.of(entry(0, "big", Region.of(big))), true);
        double[] back = new double[big.length];
        try (RankFile rf = RankFile.open(file)) {
            rf.readInto(var(rf, 0), Region.of(back));
        }
        assertArrayEquals(bits(big), bits(back));
    }

    @Test
    void writeLeavesNoTmpAndReplacesOlderFile() throws Exception {
        Path file = tmp.resolve("v").resolve("rank-0.vck");
        write(file, List.of(entry(0, "x", Region.of(new int[] {1, 2, 3}))), true);
        write(file, List.of(entry(0, "x", Region.of(new int[] {4, 5}))), true);
        try (Stream<Path> s = Files.list(file.getParent())) {
            assertEquals(List.of("rank-0.vck"), s.map(p -> p.getFileName().toString()).toList());
        }
        int[] back = new int[2];
        try (RankFile rf = RankFile.open(file)) {
            rf.readInto(var(rf, 0), Region.of(back));
        }
        assertArrayEquals(new int[] {4, 5}, back);
    }

    @Test
    void headerCrcIdentifiesContent() throws Exception {
        RankFileInfo a = write(tmp.resolve("a.vck"), List.of(entry(0, "x", Region.of(new long[] {1, 2}))), true);
        RankFileInfo b = write(tmp.resolve("b.vck"), List.of(entry(0, "x", Region.of(new long[] {1, 2}))), true);
        RankFileInfo c = write(tmp.resolve("c.vck"), List.of(entry(0, "x", Region.of(new long[] {1, 3}))), true);
        assertEquals(a.crc(), b.crc());
        assertNotEquals(a.crc(), c.crc());
        assertEquals(Files.size(a.path()), a.bytes());
        try (RankFile rf = RankFile.open(a.path())) {
            assertEquals(a.crc(), rf.headerCrc());
        }
    }

    // ---- damage ----

    private Path twoVariableFile() throws LevelException {
        Path file = tmp.resolve("dmg.vck");
        double[] d = new double[100];
        Arrays.fill(d, 1.5);
        write(file, List.of(entry(0, "first", Region.of(new int[] {1, 2, 3, 4})), entry(1, "temperature", Region.of(d))), true);
        return file;
    }

    private static void flipByte(Path file, long at) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(at);
            int b = raf.read();
            raf.seek(at);
            raf.write(b ^ 0x10);
        }
    }

    private long offsetOf(Path file, int id) throws LevelException {
        try (RankFile rf = RankFile.open(file)) {
            return var(rf, id).offset();
        }
    }

    @Test
    void flippedDataByteIsReportedByVerifyAndReadInto() throws Exception {
        Path file = twoVariableFile();
        flipByte(file, offsetOf(file, 1) + 123);
        try (RankFile rf = RankFile.open(file)) { // the header is intact
            CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class, rf::verify);
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("temperature"), e.getMessage());
            CorruptCheckpointException e2 = assertThrows(CorruptCheckpointException.class,
                    () -> rf.readInto(var(rf, 1), Region.of(new double[100])));
            assertTrue(e2.getMessage().contains(file.toString()), e2.getMessage());
            assertTrue(e2.getMessage().contains("temperature"), e2.getMessage());
            // the other variable is still readable
            int[] first = new int[4];
            rf.readInto(var(rf, 0), Region.of(first));
            assertArrayEquals(new int[] {1, 2, 3, 4}, first);
        }
    }

    @Test
    void withoutChecksumsAFlippedDataByteGoesUndetected() throws Exception {
        Path file = tmp.resolve("nocrc.vck");
        write(file, List.of(entry(0, "v", Region.of(new byte[] {10, 20, 30}))), false);
        flipByte(file, offsetOf(file, 0) + 1);
        byte[] back = new byte[3];
        try (RankFile rf = RankFile.open(file)) {
            rf.verify();
            rf.readInto(var(rf, 0), Region.of(back));
        }
        assertArrayEquals(new byte[] {10, 20 ^ 0x10, 30}, back);
    }

    @Test
    void flippedHeaderByteFailsOpen() throws Exception {
        // magic, format version, header length, header CRC, file length, rank, name, variable table
        long headerLength;
        Path file = twoVariableFile();
        headerLength = offsetOf(file, 0);
        byte[] pristine = Files.readAllBytes(file);
        for (long at : new long[] {0, 4, 6, 7, 9, 13, 17, 24, 36, 40, 45, 60, headerLength - 1}) {
            Files.write(file, pristine);
            flipByte(file, at);
            LevelException e = assertThrows(LevelException.class, () -> RankFile.open(file), "byte " + at);
            assertTrue(e instanceof CorruptCheckpointException, "byte " + at + ": " + e);
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        }
    }

    /** Clearing the "checksums present" flag must not switch verification off unnoticed. */
    @Test
    void clearedChecksumFlagFailsOpen() throws Exception {
        Path file = twoVariableFile();
        byte[] all = Files.readAllBytes(file);
        assertEquals(1, all[6] & 1, "the file was written with checksums");
        all[6] &= ~1;
        Files.write(file, all);
        CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class, () -> RankFile.open(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void truncatedFileFailsOpen() throws Exception {
        Path file = twoVariableFile();
        byte[] pristine = Files.readAllBytes(file);
        for (int len : new int[] {0, 3, 15, 16, 40, pristine.length / 2, pristine.length - 1}) {
            Files.write(file, Arrays.copyOf(pristine, len));
            LevelException e = assertThrows(LevelException.class, () -> RankFile.open(file), "length " + len);
            assertTrue(e instanceof CorruptCheckpointException, "length " + len + ": " + e);
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        }
        Files.write(file, Arrays.copyOf(pristine, pristine.length + 1));
        assertThrows(CorruptCheckpointException.class, () -> RankFile.open(file), "an appended byte");
    }

    @Test
    void missingFileFailsOpenNamingIt() {
        Path file = tmp.resolve("nope.vck");
        LevelException e = assertThrows(LevelException.class, () -> RankFile.open(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertFalse(e instanceof CorruptCheckpointException, "a missing file is not a corrupt one");
    }

    @Test
    void readIntoWithWrongSizeOrTypeIsRefusedClearly() throws Exception {
        Path file = twoVariableFile();
        try (RankFile rf = RankFile.open(file)) {
            Variable t = var(rf, 1);
            double[] untouched = new double[99];
            LevelException small = assertThrows(LevelException.class, () -> rf.readInto(t, Region.of(untouched)));
            assertFalse(small instanceof CorruptCheckpointException);
            assertTrue(small.getMessage().contains("temperature"), small.getMessage());
            assertTrue(small.getMessage().contains("100"), small.getMessage());
            assertTrue(small.getMessage().contains("99"), small.getMessage());
            assertTrue(Arrays.stream(untouched).allMatch(x -> x == 0.0), "nothing written on a refused read");

            assertThrows(LevelException.class, () -> rf.readInto(t, Region.of(new double[101])));

            // same byte count, different type
            LevelException type = assertThrows(LevelException.class, () -> rf.readInto(t, Region.of(new long[100])));
            assertTrue(type.getMessage().contains("float64"), type.getMessage());
            assertTrue(type.getMessage().contains("int64"), type.getMessage());
            LevelException bytes = assertThrows(LevelException.class, () -> rf.readInto(t, Region.of(new byte[800])));
            assertTrue(bytes.getMessage().contains("int8"), bytes.getMessage());
        }
    }

    @Test
    void nonRankFileIsRejected() throws Exception {
        Path file = tmp.resolve("junk.vck");
        byte[] junk = new byte[4096];
        new java.util.Random(1).nextBytes(junk);
        Files.write(file, junk);
        CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class, () -> RankFile.open(file));
        assertTrue(e.getMessage().contains("magic"), e.getMessage());
    }

    @Test
    void variableShapeMustMatchLength() {
        assertThrows(IllegalArgumentException.class,
                () -> new Variable(0, "x", ElementType.FLOAT64, new long[] {3}, 0, 23, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new Variable(0, "x", ElementType.INT32, new long[] {-1}, 0, -4, 0));
        Variable v = new Variable(0, "x", ElementType.INT16, new long[] {3, 4}, 64, 24, 0);
        assertEquals(12, v.elements());
    }

    @Test
    void elementTypeCodesRoundTrip() {
        for (ElementType t : ElementType.values()) {
            assertEquals(t, ElementType.ofCode(t.code()));
        }
        assertThrows(IllegalArgumentException.class, () -> ElementType.ofCode(0));
        assertThrows(IllegalArgumentException.class, () -> ElementType.ofCode(99));
    }

    @Test
    void byteBufferRegionUsesZeroToLimit() throws Exception {
        ByteBuffer src = ByteBuffer.allocate(10).order(ByteOrder.BIG_ENDIAN);
        for (int k = 0; k < 10; k++) {
            src.put(k, (byte) (100 + k));
        }
        src.limit(6).position(4);
        Path file = tmp.resolve("bb.vck");
        write(file, List.of(entry(0, "bb", Region.of(src))), true);
        ByteBuffer dst = ByteBuffer.allocateDirect(6);
        dst.position(2);
        try (RankFile rf = RankFile.open(file)) {
            assertEquals(6, var(rf, 0).length());
            rf.readInto(var(rf, 0), Region.of(dst));
        }
        assertEquals(2, dst.position(), "restore must not move the buffer's position");
        List<Byte> got = new ArrayList<>();
        for (int k = 0; k < 6; k++) {
            got.add(dst.get(k));
        }
        assertEquals(List.of((byte) 100, (byte) 101, (byte) 102, (byte) 103, (byte) 104, (byte) 105), got);
    }
}
