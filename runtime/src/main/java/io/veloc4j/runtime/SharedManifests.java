package io.veloc4j.runtime;

import io.veloc4j.comm.Comm;
import io.veloc4j.comm.CommException;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.persistent.Manifest;
import io.veloc4j.levels.persistent.ManifestSource;
import io.veloc4j.levels.persistent.PersistentStore;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What persistent storage holds of a checkpoint, read by rank 0 and shared with every rank
 * ({@link #share}, collective, at restartTest): the committed versions (one listing) and the
 * newest MANIFEST (one read), instead of every rank listing the directory, stating each version
 * and reading the MANIFEST twice. A version nobody shared (an older one, when the newest cannot
 * be restored) is read by the rank that needs it. What was shared is forgotten at the next
 * checkpoint, which changes what is committed.
 */
final class SharedManifests implements ManifestSource {

    private final Comm comm;
    private final PersistentStore store;
    private final Map<String, List<Integer>> committed = new HashMap<>();
    private final Map<String, Map<Integer, Manifest>> manifests = new HashMap<>();
    /** The newest version of each name committed before this launch's first checkpoint of it. */
    private final Map<String, Integer> newestBefore = new HashMap<>();

    SharedManifests(Comm comm, PersistentStore store) {
        this.comm = comm;
        this.store = store;
    }

    /** Collective: rank 0 reads, every rank learns. */
    void share(String name) throws CommException {
        byte[] mine = new byte[0];
        if (comm.rank() == 0) {
            List<Integer> versions = store.committed(name);
            byte[] newest = new byte[0];
            if (!versions.isEmpty()) {
                try {
                    newest = store.manifestBytes(name, versions.get(0));
                } catch (LevelException e) {
                    newest = new byte[0]; // every rank reads it itself and reports the damage
                }
            }
            mine = encode(versions, newest);
        }
        byte[] shared = comm.broadcastBytes(mine, 0);
        List<Integer> versions = new ArrayList<>();
        byte[] newest;
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(shared))) {
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                versions.add(in.readInt());
            }
            newest = in.readNBytes(in.readInt());
        } catch (IOException e) {
            throw new CommException("the committed versions rank 0 shared are malformed: " + e, e);
        }
        committed.put(name, List.copyOf(versions));
        Map<Integer, Manifest> m = new HashMap<>();
        if (newest.length > 0) {
            try {
                m.put(versions.get(0), Manifest.fromBytes(newest, store.versionDir(name, versions.get(0)).resolve(Manifest.FILE)));
            } catch (LevelException e) {
                // damaged: left out, so each rank reads it and the level reports the damage
            }
        }
        manifests.put(name, m);
    }

    /**
     * The newest version of {@code name} an earlier launch committed, learnt once per name (from
     * what was shared, else one listing): versions only grow within a launch, so later
     * checkpoints need no look at persistent storage.
     */
    int newestBefore(String name) {
        return newestBefore.computeIfAbsent(name, n -> {
            List<Integer> c = committed(n);
            return c.isEmpty() ? -1 : c.get(0);
        });
    }

    /** Forgets what was shared (a checkpoint changes what is committed). */
    void forget() {
        committed.clear();
        manifests.clear();
    }

    @Override
    public List<Integer> committed(String name) {
        List<Integer> c = committed.get(name);
        return c != null ? c : store.committed(name);
    }

    @Override
    public Manifest manifest(String name, int version) throws LevelException {
        Manifest m = manifests.getOrDefault(name, Map.of()).get(version);
        if (m != null) {
            return m;
        }
        m = store.manifest(name, version);
        manifests.computeIfAbsent(name, k -> new HashMap<>()).put(version, m);
        return m;
    }

    private static byte[] encode(List<Integer> versions, byte[] newest) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(newest.length + 8 + 4 * versions.size());
        try (DataOutputStream o = new DataOutputStream(b)) {
            o.writeInt(versions.size());
            for (int v : versions) {
                o.writeInt(v);
            }
            o.writeInt(newest.length);
            o.write(newest);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return b.toByteArray();
    }
}
