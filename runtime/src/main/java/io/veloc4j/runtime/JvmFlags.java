package io.veloc4j.runtime;

import io.veloc4j.VelocException;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * The JVM flags veloc4j needs (Chronicle Queue maps its journal through JDK internals), as the
 * build recorded them from the parent pom's {@code veloc4j.jvmFlags}, and a check that this JVM
 * was started with them: without it, the first journal access dies with an AssertionError about
 * {@code FileChannelImpl.map0} that names no fix.
 */
public final class JvmFlags {

    private static final String RESOURCE = "jvm-flags.properties";

    private JvmFlags() {
    }

    /** Every flag, in the order of the pom, e.g. {@code --add-exports=java.base/sun.nio.ch=ALL-UNNAMED}. */
    public static List<String> all() {
        Properties p = new Properties();
        try (InputStream in = JvmFlags.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return List.of();
            }
            p.load(in);
        } catch (IOException e) {
            return List.of();
        }
        String flags = p.getProperty("flags", "").trim();
        return flags.isEmpty() || flags.startsWith("${") ? List.of() : Arrays.asList(flags.split("\\s+"));
    }

    /** The --add-exports and --add-opens flags this JVM lacks (for modules it has). */
    public static List<String> missing() {
        List<String> out = new ArrayList<>();
        Module unnamed = JvmFlags.class.getClassLoader().getUnnamedModule();
        for (String flag : all()) {
            boolean opens = flag.startsWith("--add-opens=");
            if (!opens && !flag.startsWith("--add-exports=")) {
                continue; // -D properties only quieten Chronicle
            }
            String[] target = flag.substring(flag.indexOf('=') + 1).split("=")[0].split("/");
            if (target.length != 2) {
                continue;
            }
            Optional<Module> m = ModuleLayer.boot().findModule(target[0]);
            if (m.isEmpty()) {
                continue; // a JVM without that module (a jlinked runtime) cannot be given the flag
            }
            boolean granted = opens ? m.get().isOpen(target[1], unnamed) : m.get().isExported(target[1], unnamed);
            if (!granted) {
                out.add(flag);
            }
        }
        return out;
    }

    /** @throws VelocException naming the missing flags and every flag to add, if any is missing */
    public static void require() throws VelocException {
        List<String> missing = missing();
        if (!missing.isEmpty()) {
            throw new VelocException("this JVM was started without " + missing.size() + " flag(s) veloc4j needs ("
                    + String.join(" ", missing) + "): Chronicle Queue, which holds veloc4j's journal, maps files through "
                    + "JDK internals. Start java with: " + String.join(" ", all())
                    + " (./veloc4j run and java -jar veloc4j-all.jar add them for you)");
        }
    }
}
