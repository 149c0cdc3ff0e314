package io.veloc4j.config;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/** This machine's host name, for %h in scratch; looked up once because it cannot change under a running job. */
final class HostName {

    private HostName() {
    }

    static String get() {
        return Holder.NAME;
    }

    private static final class Holder {
        static final String NAME = lookUp();

        private static String lookUp() {
            try {
                String name = InetAddress.getLocalHost().getHostName();
                if (!name.isBlank()) {
                    return name;
                }
            } catch (IOException e) {
                // no resolvable name: fall through to the kernel's own host name
            }
            try {
                String name = Files.readString(Path.of("/etc/hostname")).trim();
                if (!name.isEmpty()) {
                    return name;
                }
            } catch (IOException e) {
                // not Linux, or unreadable
            }
            return "localhost";
        }
    }
}
