package io.veloc4j.config;

import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** The value types keys are built from. Stateless; every factory returns an immutable type. */
public final class ValueTypes {

    private ValueTypes() {
    }

    /** A plain decimal int in [min, Integer.MAX_VALUE]. */
    public static ValueType integer(int min) {
        return integer(min, Integer.MAX_VALUE);
    }

    /** A plain decimal int in [min, max]. */
    public static ValueType integer(int min, int max) {
        return new IntType(min, max);
    }

    /**
     * A byte count: a plain number, or with a binary suffix k/KiB, m/MiB, g/GiB (any case), in
     * [min, max] and a multiple of {@code multiple}.
     */
    public static ValueType bytes(long min, long max, int multiple) {
        return new BytesType(min, max, multiple);
    }

    /** true/false, yes/no, on/off, 1/0, any case. */
    public static ValueType bool() {
        return BoolType.INSTANCE;
    }

    /** One of the constants of {@code type}, written lower case with '-' for '_' (AGNOSTIC_BLOCK = agnostic-block). */
    public static <E extends Enum<E>> ValueType choice(Class<E> type) {
        return new ChoiceType<>(type);
    }

    /** A directory path; relative paths resolve against the base directory, a leading ~ to the home directory. */
    public static ValueType directory() {
        return DirectoryType.INSTANCE;
    }

    /** A directory path that may contain %n (virtual node id) and %h (host name). Parsed to its absolute template text. */
    public static ValueType directoryTemplate() {
        return TemplateType.INSTANCE;
    }

    /**
     * A name (letters, digits, '.', '_', '-', ':', '/', at most 255) that may contain %n (virtual
     * node id) and %h (host name); kept as written, substituted per node by its user.
     */
    public static ValueType label() {
        return LabelType.INSTANCE;
    }

    private enum LabelType implements ValueType {
        INSTANCE;
        private static final Pattern NAME = Pattern.compile("([A-Za-z0-9._:/-]|%[nh]){1,255}");

        @Override
        public Object parse(String raw, Path baseDir) {
            if (!NAME.matcher(raw).matches()) {
                throw new IllegalArgumentException(quote(raw) + " is not allowed; use " + allowed());
            }
            return raw;
        }

        @Override
        public String allowed() {
            return "a name of letters, digits, '.', '_', '-', ':' and '/' (at most 255), with %h for the host name and %n "
                    + "for the node id";
        }
    }

    private record IntType(int min, int max) implements ValueType {
        private static final Pattern DECIMAL = Pattern.compile("-?[0-9]+");

        @Override
        public Object parse(String raw, Path baseDir) {
            if (!DECIMAL.matcher(raw).matches()) {
                throw new IllegalArgumentException(quote(raw) + " is not a whole number; use " + allowed());
            }
            long value;
            try {
                value = Long.parseLong(raw);
            } catch (NumberFormatException tooLong) {
                value = raw.startsWith("-") ? Long.MIN_VALUE : Long.MAX_VALUE;
            }
            if (value < min || value > max) {
                throw new IllegalArgumentException(quote(raw) + " is out of range; use " + allowed());
            }
            return (int) value;
        }

        @Override
        public String allowed() {
            if (max == Integer.MAX_VALUE) {
                return "an integer >= " + min;
            }
            return "an integer from " + min + " to " + max;
        }
    }

    private record BytesType(long min, long max, int multiple) implements ValueType {
        private static final Pattern SIZE = Pattern.compile("([0-9]{1,12})\\s*([kmg]?)(i?b)?", Pattern.CASE_INSENSITIVE);

        @Override
        public Object parse(String raw, Path baseDir) {
            java.util.regex.Matcher m = SIZE.matcher(raw.trim());
            if (!m.matches()) {
                throw new IllegalArgumentException(quote(raw) + " is not a size; use " + allowed());
            }
            int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
                case "k" -> 10;
                case "m" -> 20;
                case "g" -> 30;
                default -> 0;
            };
            long value = Long.parseLong(m.group(1)) << shift;
            if (value < min || value > max || value % multiple != 0) {
                throw new IllegalArgumentException(quote(raw) + " is out of range; use " + allowed());
            }
            return value;
        }

        @Override
        public String allowed() {
            return "a size from " + min + " bytes to " + (max >> 20) + " MiB, a multiple of " + multiple
                    + " (suffix k or m for KiB, MiB)";
        }
    }

    private enum BoolType implements ValueType {
        INSTANCE;

        private static final List<String> TRUE = List.of("true", "yes", "on", "1");
        private static final List<String> FALSE = List.of("false", "no", "off", "0");

        @Override
        public Object parse(String raw, Path baseDir) {
            String v = raw.toLowerCase(Locale.ROOT);
            if (TRUE.contains(v)) {
                return Boolean.TRUE;
            }
            if (FALSE.contains(v)) {
                return Boolean.FALSE;
            }
            throw new IllegalArgumentException(quote(raw) + " is not a boolean; use " + allowed());
        }

        @Override
        public String allowed() {
            return "true or false (also yes/no, on/off, 1/0)";
        }
    }

    private record ChoiceType<E extends Enum<E>>(Class<E> type) implements ValueType {
        @Override
        public Object parse(String raw, Path baseDir) {
            for (E constant : type.getEnumConstants()) {
                if (text(constant).equalsIgnoreCase(raw)) {
                    return constant;
                }
            }
            throw new IllegalArgumentException(quote(raw) + " is not allowed; use " + allowed());
        }

        @Override
        public String format(Object value) {
            return text(type.cast(value));
        }

        @Override
        public String allowed() {
            List<String> names = Arrays.stream(type.getEnumConstants()).map(ChoiceType::text).collect(Collectors.toList());
            if (names.size() == 1) {
                return names.get(0);
            }
            return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
        }

        private static String text(Enum<?> constant) {
            return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    private enum DirectoryType implements ValueType {
        INSTANCE;

        @Override
        public Object parse(String raw, Path baseDir) {
            return toAbsolutePath(raw, baseDir, allowed());
        }

        @Override
        public String allowed() {
            return "a directory path (relative paths are relative to the config file)";
        }

        @Override
        public Optional<Path> directoryToCheck(Object value) {
            return Optional.of((Path) value);
        }
    }

    private enum TemplateType implements ValueType {
        INSTANCE;

        @Override
        public Object parse(String raw, Path baseDir) {
            for (int i = raw.indexOf('%'); i >= 0; i = raw.indexOf('%', i + 2)) {
                char next = i + 1 < raw.length() ? raw.charAt(i + 1) : ' ';
                if (next != 'n' && next != 'h') {
                    throw new IllegalArgumentException(quote(raw) + " has '%" + (next == ' ' ? "" : next)
                            + "', which is not a placeholder; use %n (virtual node id) or %h (host name)");
                }
            }
            return toAbsolutePath(raw, baseDir, allowed()).toString();
        }

        @Override
        public String allowed() {
            return "a directory path, optionally with %n (virtual node id) and %h (host name)";
        }

        /** The placeholders vary per node, so only the fixed part before them can be checked. */
        @Override
        public Optional<Path> directoryToCheck(Object value) {
            Path template = Path.of((String) value);
            Path fixed = template.getRoot();
            for (Path name : template) {
                if (name.toString().contains("%")) {
                    break;
                }
                fixed = fixed.resolve(name);
            }
            return Optional.of(fixed);
        }
    }

    /** NAME_MAX of Linux file systems (ext4, xfs, tmpfs, Lustre, GPFS): bytes per path component. */
    static final int NAME_MAX = 255;
    /** PATH_MAX of Linux, bytes including the terminating NUL. */
    static final int PATH_MAX = 4096;

    private static Path toAbsolutePath(String raw, Path baseDir, String allowed) {
        if (raw.isEmpty()) {
            throw new IllegalArgumentException("the value is empty; use " + allowed);
        }
        String expanded = raw;
        if (raw.equals("~") || raw.startsWith("~/")) {
            // Shells expand ~ but Java does not; without this '~/ckpt' would become '<dir>/~/ckpt'.
            expanded = System.getProperty("user.home") + raw.substring(1);
        } else if (raw.startsWith("~")) {
            throw new IllegalArgumentException(quote(raw) + ": only ~ and ~/ are expanded (to " + System.getProperty("user.home")
                    + "), not ~user; write the absolute path");
        }
        Path path;
        try {
            path = baseDir.resolve(expanded).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(quote(raw) + " is not a valid path (" + e.getReason() + "); use " + allowed);
        }
        for (Path name : Path.of(expanded)) {
            String component = name.toString();
            if (component.equals("~")) {
                throw new IllegalArgumentException(quote(raw) + " has a directory named '~' inside it, which no shell "
                        + "expands there and would be created literally; write the path it should mean");
            }
            int bytes = component.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > NAME_MAX) {
                throw new IllegalArgumentException(quote(shorten(raw)) + " has a component of " + bytes + " bytes ('"
                        + shorten(component) + "'); file systems allow at most " + NAME_MAX + " per name");
            }
        }
        int total = path.toString().getBytes(StandardCharsets.UTF_8).length;
        if (total >= PATH_MAX - 512) {
            // checkpoint files go below it: <name (≤ 128)>/<version>/rank-<r>.vck.tmp
            throw new IllegalArgumentException(quote(shorten(raw)) + " is " + total + " bytes long as an absolute path; "
                    + "keep it under " + (PATH_MAX - 512) + " so that checkpoint files below it fit in PATH_MAX");
        }
        return path;
    }

    private static String shorten(String s) {
        return s.length() <= 60 ? s : s.substring(0, 28) + "…" + s.substring(s.length() - 28);
    }

    private static String quote(String raw) {
        return "'" + raw + "'";
    }
}
