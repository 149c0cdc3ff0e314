package io.veloc4j.runtime;

import io.veloc4j.VelocException;

import java.util.regex.Pattern;

/** Checkpoint names become directory names, so they are restricted: no separators, no traversal. */
final class CheckpointName {

    private static final Pattern ALLOWED = Pattern.compile("[A-Za-z0-9_.-]{1,128}");

    private CheckpointName() {
    }

    static String check(String name) throws VelocException {
        if (name == null || !ALLOWED.matcher(name).matches() || name.contains("..")) {
            String shown = name == null ? "null" : name.length() > 40 ? name.substring(0, 40) + "…" : name;
            int len = name == null ? 0 : name.length();
            throw new VelocException("checkpoint name '" + shown + "' (" + len + " characters) is not allowed: use 1 to 128"
                    + " characters from A-Z a-z 0-9 _ . - without '..'");
        }
        return name;
    }

    static int checkVersion(String name, int version) throws VelocException {
        if (version < 0) {
            throw new VelocException("checkpoint '" + name + "': version " + version + " is negative; versions are ≥ 0");
        }
        return version;
    }
}
