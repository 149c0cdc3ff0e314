package io.veloc4j.all;

import io.veloc4j.runtime.JvmFlags;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The all-jar's manifest grants what {@code <veloc4j.jvmFlags>} grants, so java -jar needs no flags. */
class JarManifestFlagsTest {

    private static String entry(String pom, String name) {
        Matcher m = Pattern.compile("<" + name + ">([^<]*)</" + name + ">").matcher(pom);
        assertTrue(m.find(), name + " missing in all/pom.xml");
        return m.group(1).trim();
    }

    private static String targets(String prefix) {
        return String.join(" ", JvmFlags.all().stream().filter(f -> f.startsWith(prefix))
                .map(f -> f.substring(prefix.length()).split("=")[0]).toList());
    }

    @Test
    void manifestEntriesMatchTheJvmFlags() throws Exception {
        String pom = Files.readString(Path.of("pom.xml")); // surefire runs in the module directory
        List<String> all = JvmFlags.all();
        assertTrue(all.size() > 5, "the flags come from the parent pom: " + all);
        assertEquals(targets("--add-exports="), entry(pom, "Add-Exports"));
        assertEquals(targets("--add-opens="), entry(pom, "Add-Opens"));
        assertEquals(List.of(), JvmFlags.missing(), "surefire starts this JVM with every flag");
    }
}
