package io.veloc4j.config;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This machine's host name, for %h in scratch and for naming a node's catalog; looked up once
 * because it cannot change under a running job. The kernel's name comes first: it is the one a
 * UTS namespace sets (a simulated host of the virtual cluster), and reading it needs no DNS.
 */
public final class HostName {

    private HostName() {
    }

    public static String get() {
        return Holder.NAME;
    }

    private static final class Holder {
        static final String NAME = lookUp();

        private static String lookUp() {
            try {
                String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
                if (!name.isEmpty()) {
                    return name;
                }
            } catch (IOException e) {
                // not Linux: ask the resolver
            }
            try {
                String name = InetAddress.getLocalHost().getHostName();
                if (!name.isBlank()) {
                    return name;
                }
            } catch (IOException e) {
                // no resolvable name
            }
            return "localhost";
        }
    }
}
