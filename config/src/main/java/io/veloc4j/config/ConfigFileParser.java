package io.veloc4j.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Reads the INI-style file into explicit settings, reporting syntax problems; values are checked later. */
final class ConfigFileParser {

    /** The file's settings by key, and everything wrong with its lines. */
    record Result(Map<ConfigKey, Setting> settings, List<ConfigProblem> problems, boolean readable) {
    }

    private ConfigFileParser() {
    }

    static Result parse(Path file) {
        String source = file.toString();
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            String message = "cannot read the config file (" + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + "); check the path, or start from veloc.cfg.example";
            return new Result(Map.of(), List.of(new ConfigProblem(source, ConfigProblem.NO_LINE, null, message)), false);
        }
        Path baseDir = file.toAbsolutePath().getParent();
        Map<ConfigKey, Setting> settings = new EnumMap<>(ConfigKey.class);
        List<ConfigProblem> problems = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String line = stripComment(i == 0 ? stripBom(lines.get(i)) : lines.get(i)).trim();
            if (line.isEmpty() || (line.startsWith("[") && line.endsWith("]"))) {
                continue; // VELOC configs may or may not have a section header; it carries no meaning
            }
            int eq = separator(line);
            if (eq < 0) {
                String word = line.split("\\s+", 2)[0];
                problems.add(new ConfigProblem(source, lineNo, word,
                        "no '=' on this line ('" + line + "'); write key = value (or key: value), or start a comment with # or ;"));
                continue;
            }
            String key = line.substring(0, eq).trim();
            String value = line.substring(eq + 1).trim();
            if (key.isEmpty()) {
                problems.add(new ConfigProblem(source, lineNo, key, "nothing before '" + line.charAt(eq) + "'; write key = value"));
                continue;
            }
            var known = ConfigKey.byKey(key);
            if (known.isEmpty()) {
                var velocOnly = VelocOnlyKey.byKey(key);
                problems.add(velocOnly.isPresent()
                        ? new ConfigProblem(source, lineNo, velocOnly.get().key(), velocOnly.get().warning()).asWarning()
                        : new ConfigProblem(source, lineNo, key, ConfigKey.unknownKeyMessage(key)));
                continue;
            }
            Setting earlier = settings.get(known.get());
            if (earlier != null) {
                problems.add(new ConfigProblem(source, lineNo, known.get().key(),
                        "set twice, on lines " + earlier.line() + " and " + lineNo + "; keep one of them"));
                continue;
            }
            settings.put(known.get(), new Setting(known.get(), value, source, lineNo, baseDir));
        }
        return new Result(settings, problems, true);
    }

    /** VELOC's INI reader takes the first '=' or ':' (Python configparser style) as the separator. */
    private static int separator(String line) {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '=' || c == ':') {
                return i;
            }
        }
        return -1;
    }

    /**
     * Full-line comments start with '#' or ';' (VELOC's INI reader takes both); trailing ones
     * need whitespace before them, so a path like /data/run#3 survives.
     */
    private static String stripComment(String line) {
        String lead = line.stripLeading();
        if (lead.startsWith("#") || lead.startsWith(";")) {
            return "";
        }
        for (int i = 1; i < line.length(); i++) {
            char c = line.charAt(i);
            if ((c == '#' || c == ';') && Character.isWhitespace(line.charAt(i - 1))) {
                return line.substring(0, i);
            }
        }
        return line;
    }

    private static String stripBom(String line) {
        return line.startsWith("\uFEFF") ? line.substring(1) : line;
    }
}
