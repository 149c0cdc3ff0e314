package io.veloc4j.flush;

import io.veloc4j.levels.persistent.AggregateWriter;
import io.veloc4j.levels.persistent.Scheme;

import java.util.List;

/**
 * This node's share of one group of one version, ready to go: every one of the group's ranks on
 * this node has its rank file on scratch. The group may have ranks on other nodes
 * ({@code partNodes}); its file is written by {@code writerNode}.
 *
 * @param members    this node's ranks of the group (their files are {@code sources})
 * @param allMembers every rank of the group
 * @param writerNode the node that writes the group's file
 * @param partNodes  the other nodes holding ranks of the group, whose parts the writer appends
 * @param groups     total groups (files) of the version, for the commit
 * @param ranks      ranks of the job
 */
public record FlushJob(long session, String name, int version, int group, int[] members, List<AggregateWriter.Source> sources,
                       int groups, int ranks, Scheme scheme, int[] allMembers, int writerNode, int[] partNodes) {
    public FlushJob {
        members = members.clone();
        sources = List.copyOf(sources);
        allMembers = allMembers.clone();
        partNodes = partNodes.clone();
    }

    @Override
    public int[] members() {
        return members.clone();
    }

    @Override
    public int[] allMembers() {
        return allMembers.clone();
    }

    @Override
    public int[] partNodes() {
        return partNodes.clone();
    }

    /** Whether this node writes the group's file. */
    boolean writesHere(int node) {
        return writerNode == node;
    }

    @Override
    public String toString() {
        return name + " v" + version + " group " + group;
    }
}
