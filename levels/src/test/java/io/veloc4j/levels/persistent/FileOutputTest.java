package io.veloc4j.levels.persistent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Whatever the mix of writes and the length, the file holds exactly the bytes written, direct or buffered. */
class FileOutputTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void everyLengthAndWriteKindComesBackExactly(boolean direct) throws Exception {
        Random rnd = new Random(7);
        byte[] source = new byte[FileOutput.BUFFER * 2 + 12345];
        rnd.nextBytes(source);
        Path src = dir.resolve("source");
        Files.write(src, source);
        ByteBuffer buffer = FileOutput.newBuffer();
        int[] lengths = {0, 1, 4095, 4096, 4097, FileOutput.BUFFER - 1, FileOutput.BUFFER, FileOutput.BUFFER + 1, source.length};
        for (int length : lengths) {
            Path file = dir.resolve("out-" + length);
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            List<Long> tapped = new ArrayList<>();
            try (FileOutput out = FileOutput.create(file, direct, buffer);
                 FileChannel in = FileChannel.open(src)) {
                // a third as byte[], a third as ByteBuffer, a third straight from a file
                int a = length / 3;
                int b = length / 3;
                out.write(source, 0, a);
                expected.write(source, 0, a);
                out.write(ByteBuffer.wrap(source, a, b));
                expected.write(source, a, b);
                long[] seen = {0};
                out.transferFrom(in, src, a + b, length - a - b, (offset, bytes) -> {
                    tapped.add(offset);
                    seen[0] += bytes.remaining();
                    byte[] got = new byte[bytes.remaining()];
                    bytes.duplicate().get(got);
                    assertArrayEquals(java.util.Arrays.copyOfRange(source, (int) offset, (int) offset + got.length), got);
                });
                expected.write(source, a + b, length - a - b);
                assertEquals(length - a - b, seen[0]);
                assertEquals(length, out.position());
                out.finish();
            }
            assertArrayEquals(expected.toByteArray(), Files.readAllBytes(file), "length " + length);
            for (int i = 1; i < tapped.size(); i++) {
                assertEquals(true, tapped.get(i) > tapped.get(i - 1), "pieces in file order");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aShortSourceIsAnErrorNamingIt(boolean direct) throws Exception {
        Path src = dir.resolve("short");
        Files.write(src, new byte[100]);
        try (FileOutput out = FileOutput.create(dir.resolve("out"), direct, FileOutput.newBuffer());
             FileChannel in = FileChannel.open(src)) {
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(io.veloc4j.levels.CorruptCheckpointException.class,
                    () -> out.transferFrom(in, src, 0, 200, (o, b) -> { }));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains(src.toString()), e.getMessage());
        }
    }

    /**
     * A file system may take O_DIRECT at open and refuse the writes (EINVAL): the file is then
     * written through the page cache instead, from the first unwritten byte, and holds exactly
     * the bytes written. Provoked here with a write buffer whose address is not block-aligned,
     * which the JDK refuses for O_DIRECT with an IOException, as such a file system would.
     */
    @Test
    void aRefusedDirectWriteFallsBackToBufferedWithTheSameBytes() throws Exception {
        byte[] source = new byte[FileOutput.BUFFER * 2 + 777];
        new Random(11).nextBytes(source);
        ByteBuffer misaligned = ByteBuffer.allocateDirect(FileOutput.BUFFER + 8192).alignedSlice(4096).slice(1, FileOutput.BUFFER);
        Path file = dir.resolve("fallback");
        try (FileOutput out = FileOutput.create(file, true, misaligned)) {
            org.junit.jupiter.api.Assumptions.assumeTrue(out.direct(),
                    "the file system of " + dir + " does not take O_DIRECT: nothing to fall back from");
            out.write(source, 0, source.length);
            assertEquals(false, out.direct(), "went on through the page cache");
            out.finish();
        }
        assertArrayEquals(source, Files.readAllBytes(file));
    }
}
