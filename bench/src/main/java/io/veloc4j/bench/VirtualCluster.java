package io.veloc4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * K simulated hosts on one machine for {@code mpirun}: Open MPI starts its daemon on each "host"
 * through an agent script (in place of ssh) that runs it in a UTS + mount namespace of its own:
 * its own host name, and at {@link #scratch()} a private node-local scratch that no other host can
 * see (the host's directory under {@code <root>/hosts/} bind-mounted there, and {@code hosts/}
 * itself hidden under an empty tmpfs). Ranks talk over TCP on loopback only. From outside (the
 * test or the demo) every host's scratch is {@link #hostScratch}, and it survives a relaunch, as
 * a node's local disk does. Needs root (namespaces and mounts); {@link #unavailable} says why not.
 *
 * @param root  the cluster's directory: agent script, hosts' scratch, shared storage
 * @param hosts host names, in rank order
 * @param slots ranks per host
 */
public record VirtualCluster(Path root, List<String> hosts, int slots) {

    public VirtualCluster {
        hosts = List.copyOf(hosts);
    }

    /** A cluster of {@code count} hosts named vh0, vh1, … with {@code slots} ranks each, under {@code root}. */
    public static VirtualCluster create(Path root, int count, int slots) throws IOException {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add("vh" + i);
        }
        VirtualCluster c = new VirtualCluster(root.toAbsolutePath(), names, slots);
        Files.createDirectories(c.scratch());
        Files.createDirectories(c.shared());
        for (String h : names) {
            Files.createDirectories(c.hostScratch(h));
        }
        Files.writeString(c.agent(), agentScript(c.root()));
        Files.setPosixFilePermissions(c.agent(), PosixFilePermissions.fromString("rwx------"));
        return c;
    }

    /**
     * Why this machine cannot run a virtual cluster (not root, no unshare, namespaces refused), or
     * null if it can: probed by creating the namespaces once.
     */
    public static String unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "the virtual cluster needs root (UTS and mount namespaces, bind mounts); running as "
                    + System.getProperty("user.name");
        }
        try {
            Process p = new ProcessBuilder("unshare", "--uts", "--mount", "--propagation", "private", "sh", "-c",
                    "hostname vcluster-probe && mount -t tmpfs none /mnt").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return "namespaces are refused here (unshare --uts --mount: " + out + ")";
            }
        } catch (IOException e) {
            return "unshare(1) is missing (util-linux): " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while probing namespaces";
        }
        return null;
    }

    /** The scratch path every host sees (its own private directory). */
    public Path scratch() {
        return root.resolve("scratch");
    }

    /** Host {@code host}'s scratch as seen from outside the cluster. */
    public Path hostScratch(String host) {
        return root.resolve("hosts").resolve(host);
    }

    /** Storage every host sees: put persistent and meta here. */
    public Path shared() {
        return root.resolve("shared");
    }

    Path agent() {
        return root.resolve("agent.sh");
    }

    public int ranks() {
        return hosts.size() * slots;
    }

    /** The host rank {@code r} runs on (ranks fill hosts in order, {@link #slots} each). */
    public String hostOf(int rank) {
        return hosts.get(rank / slots);
    }

    /**
     * {@code mpirun} options that start the job's ranks on the cluster's hosts: the agent in place
     * of ssh, no tree spawn (every daemon from mpirun, through the agent), TCP and the daemons'
     * wire on loopback only, and the host list with its slots.
     */
    public List<String> mpirunOptions() {
        List<String> o = new ArrayList<>(List.of("--mca", "plm_rsh_agent", agent().toString(),
                "--mca", "plm_rsh_no_tree_spawn", "1",
                "--mca", "btl", "self,vader,tcp", "--mca", "btl_tcp_if_include", "lo",
                "--mca", "oob_tcp_if_include", "lo"));
        StringBuilder list = new StringBuilder();
        for (String h : hosts) {
            list.append(list.length() == 0 ? "" : ",").append(h).append(':').append(slots);
        }
        o.addAll(List.of("--host", list.toString()));
        return o;
    }

    /**
     * The agent: Open MPI calls it as it would ssh, {@code agent HOST COMMAND...}; it runs COMMAND
     * in new UTS and mount namespaces after naming the host and mounting its scratch. Private
     * propagation: nothing mounted there shows elsewhere.
     */
    private static String agentScript(Path root) {
        return """
                #!/usr/bin/env bash
                # veloc4j virtual cluster: Open MPI's plm_rsh_agent (in place of ssh). $1 = host, the rest = command.
                set -euo pipefail
                host=$1; shift
                root='%s'
                exec unshare --uts --mount --propagation private bash -c '
                  set -e
                  host=$0 root=$1 cmd=$2
                  hostname "$host"
                  mkdir -p "$root/hosts/$host"
                  mount --bind "$root/hosts/$host" "$root/scratch"
                  mount -t tmpfs -o size=1m,mode=0700 veloc4j-hidden "$root/hosts"
                  exec bash -c "$cmd"' "$host" "$root" "$*"
                """.formatted(root.toString().replace("'", "'\\''"));
    }
}
