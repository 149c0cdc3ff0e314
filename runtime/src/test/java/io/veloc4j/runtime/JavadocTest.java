package io.veloc4j.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.DocumentationTool;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The API module's javadoc builds with doclint on, and every public type and method has a description. */
class JavadocTest {

    @TempDir
    Path out;

    @Test
    void doclintPassesAndNothingPublicIsUndocumented() throws Exception {
        DocumentationTool tool = ToolProvider.getSystemDocumentationTool();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        List<Path> sources;
        try (Stream<Path> s = Files.walk(Path.of("src/main/java"))) { // surefire runs in the module directory
            sources = s.filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertTrue(sources.size() > 10, sources.toString());
        try (StandardJavaFileManager files = tool.getStandardFileManager(diagnostics, Locale.ROOT, null)) {
            String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            List<String> options = List.of("-Xdoclint:all", "-quiet", "-d", out.toString(), "-classpath", cp);
            boolean ok = tool.getTask(null, files, diagnostics, null, options,
                    files.getJavaFileObjectsFromPaths(sources)).call();
            List<String> problems = diagnostics.getDiagnostics().stream()
                    .filter(d -> d.getKind() == Diagnostic.Kind.ERROR || d.getMessage(Locale.ROOT).contains("no comment"))
                    .map(d -> d.getSource() + ":" + d.getLineNumber() + ": " + d.getMessage(Locale.ROOT)).toList();
            assertEquals(List.of(), problems);
            assertTrue(ok, diagnostics.getDiagnostics().toString());
        }
    }
}
