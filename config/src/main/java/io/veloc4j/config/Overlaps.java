package io.veloc4j.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Directories that must not overlap. Scratch is pruned per rank and lost with its node, the
 * persistent directory lists every sub-directory as a checkpoint name, and the catalog lives in
 * meta: a scratch inside persistent (or the reverse), or meta on scratch, mixes files that are
 * deleted on different rules.
 */
final class Overlaps {

    private Overlaps() {
    }

    static void check(Map<ConfigKey, Object> values, Map<ConfigKey, Setting> explicit, String source,
                      List<ConfigProblem> problems) {
        Object scratchTemplate = values.get(ConfigKey.SCRATCH);
        Path persistent = (Path) values.get(ConfigKey.PERSISTENT);
        Path meta = (Path) values.get(ConfigKey.META);
        if (scratchTemplate == null || persistent == null) {
            return;
        }
        Path p = canonical(persistent);
        int nodes = values.get(ConfigKey.VIRTUAL_NODES) instanceof Integer n ? Math.min(n, 64) : 1;
        for (Path scratch : scratchDirs((String) scratchTemplate, nodes)) {
            Path s = canonical(scratch);
            if (s.equals(p)) {
                problems.add(Resolver.at(ConfigKey.SCRATCH, explicit, source, "scratch '" + scratch
                        + "' is the persistent directory; give node-local scratch its own directory (e.g. /dev/shm/ckpt/%n)"));
                return;
            }
            if (s.startsWith(p)) {
                problems.add(Resolver.at(ConfigKey.SCRATCH, explicit, source, "scratch '" + scratch
                        + "' lies inside persistent '" + persistent + "', whose sub-directories are checkpoint names; "
                        + "move scratch out of it"));
                return;
            }
            if (p.startsWith(s)) {
                problems.add(Resolver.at(ConfigKey.PERSISTENT, explicit, source, "persistent '" + persistent
                        + "' lies inside scratch '" + scratch + "', which is node-local and pruned; "
                        + "choose a persistent directory outside it"));
                return;
            }
            if (meta != null) {
                Path m = canonical(meta);
                if (m.startsWith(s) || s.startsWith(m)) {
                    problems.add(Resolver.at(ConfigKey.META, explicit, source, "meta '" + meta + "' and scratch '" + scratch
                            + "' overlap; meta holds the job's catalog and must outlive a node: put it on persistent storage"));
                    return;
                }
            }
        }
        if (meta != null && canonical(meta).equals(p)) {
            problems.add(Resolver.at(ConfigKey.META, explicit, source, "meta is the persistent directory itself, whose "
                    + "sub-directories are checkpoint names; use a sub-directory such as " + persistent.resolve(".veloc4j")));
        }
    }

    /** The scratch directories of this host's virtual nodes. */
    static List<Path> scratchDirs(String template, int nodes) {
        List<Path> out = new ArrayList<>();
        for (int n = 0; n < Math.max(1, nodes); n++) {
            out.add(Path.of(template.replace("%n", Integer.toString(n)).replace("%h", HostName.get())));
        }
        return out;
    }

    /** The path with symbolic links of its existing part resolved, so /tmp/x and /private/tmp/x compare equal. */
    static Path canonical(Path path) {
        Path abs = path.toAbsolutePath().normalize();
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return abs;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(abs)).normalize();
        } catch (IOException e) {
            return abs;
        }
    }
}
