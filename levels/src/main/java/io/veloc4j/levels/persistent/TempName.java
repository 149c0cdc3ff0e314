package io.veloc4j.levels.persistent;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names of the temp files written on persistent storage before their atomic rename:
 * {@code <target>.<host>+<pid>+<n>.tmp} for the targets {@code group-<g>.vagg}, {@code rank-<r>.vck}
 * (scheme none) and {@code MANIFEST}. The name says who writes it, so that a later launch can
 * remove what a writer killed mid-flush left behind, and only that: a temp file whose writer is
 * a process of this host that no longer exists. Another host's temp files are left alone (this
 * host cannot tell whether their writer lives).
 */
final class TempName {

    private static final Pattern NAME = Pattern.compile(
            "(group-[0-9]+\\.vagg|rank-[0-9]+\\.vck|MANIFEST)\\.([A-Za-z0-9._-]+)\\+([0-9]{1,19})\\+[0-9a-f]+\\.tmp");
    private static final String HOST = host();
    private static final long PID = ProcessHandle.current().pid();
    /** Unique within this process: two writes of the same target may be in flight at once. */
    private static final AtomicLong NEXT = new AtomicLong();

    private TempName() {
    }

    /** A fresh temp name for {@code target} (a file name, no directory). */
    static String of(String target) {
        return target + "." + HOST + "+" + PID + "+" + Long.toHexString(NEXT.incrementAndGet()) + ".tmp";
    }

    /** Whether {@code fileName} is a temp name whose writer was a process of this host that has ended. */
    static boolean ofDeadWriter(String fileName) {
        Matcher m = NAME.matcher(fileName);
        if (!m.matches() || !m.group(2).equals(HOST)) {
            return false;
        }
        long pid;
        try {
            pid = Long.parseLong(m.group(3));
        } catch (NumberFormatException e) {
            return false;
        }
        return pid != PID && ProcessHandle.of(pid).isEmpty();
    }

    /** This host's name, reduced to the characters a host name may have (the pattern above relies on it). */
    private static String host() {
        String name = io.veloc4j.config.HostName.get(); // the kernel's: a UTS namespace's own name included
        String clean = name.replaceAll("[^A-Za-z0-9.-]", "_");
        return clean.isEmpty() ? "localhost" : clean;
    }
}
