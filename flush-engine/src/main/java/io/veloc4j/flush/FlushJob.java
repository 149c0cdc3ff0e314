package io.veloc4j.flush;

import io.veloc4j.levels.persistent.AggregateWriter;
import io.veloc4j.levels.persistent.Scheme;

import java.util.List;

/**
 * One group's share of one version, ready to go to persistent storage: every member's rank file
 * is on scratch.
 *
 * @param groups total groups of the version (all nodes), for the commit
 * @param ranks  ranks of the job
 */
public record FlushJob(long session, String name, int version, int group, int[] members, List<AggregateWriter.Source> sources,
                       int groups, int ranks, Scheme scheme) {
    public FlushJob {
        members = members.clone();
        sources = List.copyOf(sources);
    }

    @Override
    public int[] members() {
        return members.clone();
    }

    @Override
    public String toString() {
        return name + " v" + version + " group " + group;
    }
}
