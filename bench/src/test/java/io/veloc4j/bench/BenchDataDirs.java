package io.veloc4j.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Tiny data directories in the fetch-real-data.sh layout (manifest.json + raw little-endian arrays), for tests. */
final class BenchDataDirs {

    private BenchDataDirs() {
    }

    /** An array to write: f4 or f8, its shape; values are a smooth field plus a little structure. */
    record Spec(String name, String dtype, long[] shape) {
    }

    static Path write(Path dir, List<Spec> specs) throws IOException {
        Files.createDirectories(dir);
        List<Object> manifest = new ArrayList<>();
        int k = 0;
        for (Spec s : specs) {
            long n = 1;
            for (long d : s.shape()) {
                n *= d;
            }
            int width = s.dtype().equals("f8") ? 8 : 4;
            ByteBuffer b = ByteBuffer.allocate((int) n * width).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                double v = Math.sin(i / 7.0 + k) * 100 + (i % 5) * 0.25;
                if (width == 8) {
                    b.putDouble(v);
                } else {
                    b.putFloat((float) v);
                }
            }
            String file = s.name().replace('/', '_') + "." + s.dtype();
            Files.write(dir.resolve(file), b.array());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.name());
            m.put("file", file);
            m.put("dtype", s.dtype());
            List<Object> shape = new ArrayList<>();
            for (long d : s.shape()) {
                shape.add(d);
            }
            m.put("shape", shape);
            m.put("bytes", n * width);
            m.put("fill", null);
            manifest.add(m);
            k++;
        }
        Files.writeString(dir.resolve(RealData.MANIFEST), Json.write(manifest));
        return dir;
    }
}
