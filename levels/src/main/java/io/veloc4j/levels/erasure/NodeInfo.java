package io.veloc4j.levels.erasure;

/**
 * What placement knows of a node.
 *
 * @param id            node id (every rank computes the same sets from the same list)
 * @param host          host name
 * @param failureDomain what fails together (VELOC's failure_domain: a host-name prefix, a rack, a
 *                      key given per node); two members of a set never share one
 * @param failures      times the host disappeared between launches ({@link FailureHistory})
 * @param load          how busy the node is (any non-negative measure, the same on every rank)
 */
public record NodeInfo(int id, String host, String failureDomain, int failures, double load) {

    public NodeInfo {
        if (id < 0 || failures < 0 || !(load >= 0) || Double.isInfinite(load)) {
            throw new IllegalArgumentException("node " + id + " with " + failures + " failures and load " + load
                    + ": id and failures must be ≥ 0, load finite and ≥ 0");
        }
        if (host.isEmpty() || failureDomain.isEmpty()) {
            throw new IllegalArgumentException("node " + id + ": empty host name or failure domain");
        }
    }
}
