package io.veloc4j.flush;

import io.veloc4j.comm.Comm;
import io.veloc4j.comm.CommException;
import io.veloc4j.levels.FileIo;
import io.veloc4j.levels.LevelException;
import io.veloc4j.levels.erasure.Contribution;
import io.veloc4j.levels.erasure.ContributionEncoder;
import io.veloc4j.levels.erasure.DataStream;
import io.veloc4j.levels.erasure.ErasureLayout;
import io.veloc4j.levels.erasure.ErasureSet;
import io.veloc4j.levels.erasure.Member;
import io.veloc4j.levels.erasure.ParityAccumulator;
import io.veloc4j.levels.erasure.ParityFile;
import io.veloc4j.levels.erasure.ParityHeader;
import io.veloc4j.levels.erasure.Placement;
import io.veloc4j.levels.erasure.RankEntry;
import io.veloc4j.levels.erasure.Rebuild;
import io.veloc4j.levels.erasure.RebuildReport;
import io.veloc4j.levels.erasure.SymbolSource;
import io.veloc4j.levels.scratch.ScratchEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The erasure level in the engine (issue #12): once every rank of this node has written a version
 * (every {@code ec_interval}), this node and the other members of its erasure set describe their
 * data to each other, then each member streams its contributions (coefficient × stripe of its
 * rank files, which stay where they are: no second copy) to the parity holders of each codeword,
 * which accumulate them into parity files on their own scratch. Senders stay within a window of
 * stripes of each holder's progress (acknowledgements), so no holder ever buffers more than
 * {@link #WINDOW} stripes per parity piece. At restart, a member whose scratch lost the version is
 * rebuilt from the survivors' symbols, read over the engines' communicator.
 */
final class Protection implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Protection.class);
    /**
     * Bytes per stripe, the unit of every message and of a holder's window: 1 MiB, half a core's
     * L2 here, so a contribution is still computed in cache. The messages, not the arithmetic,
     * set the pace: 8 × 64 MiB protected over 8 ranks on 2 cores took 13.5 s with 256 KiB stripes,
     * 8.4 s with 1 MiB (each message costs a few scheduling round trips at both ends).
     */
    static final int STRIPE = 1 << 20;
    /** Stripes a sender may be ahead of a parity holder's written prefix (8 MiB per parity piece). */
    static final int WINDOW = 8;
    /** Stripes of each fragment a rebuild asks for ahead of the one it decodes. */
    static final int READ_AHEAD = 2;
    private static final int REPLY_BASE = 1_500_000;

    private final int node;
    private final String host;
    private final long session;
    private final int parity;
    private final Path scratch;
    private final EngineLink link;
    private final Comm comm;
    private final Placement.PlacedSet mySet;
    private final long timeoutMillis;
    private final ExecutorService senders;
    private final ExecutorService servers;
    private final Map<Key, Round> rounds = new ConcurrentHashMap<>();
    private final AtomicInteger replies = new AtomicInteger();
    private volatile boolean stopping;

    record Key(String name, int version) {
    }

    /** One version's protection on this node. */
    private final class Round {
        final Key key;
        final Map<Integer, EngineMessage.EcDescribe> described = new HashMap<>();
        final List<EngineMessage.EcStripe> early = new ArrayList<>();
        final Map<Long, ParityAccumulator> accumulators = new HashMap<>();
        final Map<Long, Integer> acked = new HashMap<>();
        ErasureSet set;
        List<RankEntry> mine;
        boolean sending;
        boolean sent;
        String failed;

        Round(Key key) {
            this.key = key;
        }

        synchronized boolean finished() {
            return failed != null || (sent && accumulators.isEmpty());
        }
    }

    private static long slot(int codeword, int parityIndex) {
        return ((long) codeword << 32) | parityIndex;
    }

    Protection(int node, String host, long session, int parity, Path scratch, EngineLink link, Comm comm,
               Placement.PlacedSet mySet, long timeoutMillis) {
        this.node = node;
        this.host = host;
        this.session = session;
        this.parity = parity;
        this.scratch = scratch;
        this.link = link;
        this.comm = comm;
        this.mySet = mySet;
        this.timeoutMillis = timeoutMillis;
        this.senders = Executors.newFixedThreadPool(1, FlushEngine.daemon("veloc4j-protect-" + node));
        // a thread per request: an answer's send blocks until its asker receives it, and askers
        // receive their read-aheads in their own order; a bounded pool deadlocks across nodes
        // (every thread sending an answer asked ahead, the one awaited queued behind them)
        this.servers = Executors.newCachedThreadPool(FlushEngine.daemon("veloc4j-rebuild-serve-" + node));
    }

    private Path versionDir(Key k) {
        return scratch.resolve(k.name()).resolve(Integer.toString(k.version()));
    }

    // ---- protecting ----------------------------------------------------------------------

    /** Every rank of this node has written {@code version}: describe this node's data to the set. */
    void nodeComplete(String name, int version, List<ScratchEntry> files) {
        if (mySet == null) {
            return; // no placement this launch: serving and rebuilding only
        }
        forget(name, version - 16);
        Key k = new Key(name, version);
        Round r = rounds.computeIfAbsent(k, Round::new);
        List<RankEntry> mine = files.stream().sorted(java.util.Comparator.comparingInt(ScratchEntry::rank))
                .map(e -> new RankEntry(e.rank(), e.bytes(), e.headerCrc())).toList();
        EngineMessage.EcDescribe d = new EngineMessage.EcDescribe(name, version, mySet.id(), node, host, mine);
        synchronized (r) {
            r.mine = mine;
        }
        for (int n : mySet.nodeIds()) {
            try {
                if (n == node) {
                    onDescribe(d);
                } else {
                    link.send(n, d);
                }
            } catch (CommException e) {
                fail(r, "cannot describe this node's data to node " + n + ": " + e.getMessage());
            }
        }
    }

    private void onDescribe(EngineMessage.EcDescribe d) {
        if (mySet == null || d.setId() != mySet.id()) {
            LOG.warn("node {}: node {} describes {} v{} to set {}, which this node is not in; ignored", node, d.node(),
                    d.name(), d.version(), d.setId());
            return;
        }
        Round r = rounds.computeIfAbsent(new Key(d.name(), d.version()), Round::new);
        boolean start = false;
        synchronized (r) {
            r.described.put(d.node(), d);
            if (r.set == null && r.described.size() == mySet.members().size()) {
                List<Member> members = new ArrayList<>();
                for (int n : mySet.nodeIds()) {
                    EngineMessage.EcDescribe m = r.described.get(n);
                    members.add(new Member(n, m.host(), m.ranks()));
                }
                try {
                    r.set = new ErasureSet(d.name(), d.version(), session, mySet.id(), parity, STRIPE, members);
                    openAccumulators(r);
                } catch (LevelException | RuntimeException e) {
                    failLocked(r, e.getMessage());
                    return;
                }
                start = r.mine != null;
            } else if (r.set != null && r.mine != null && !r.sending) {
                start = true;
            }
            if (start) {
                r.sending = true;
            }
        }
        for (EngineMessage.EcStripe s : drainEarly(r)) {
            onStripe(s);
        }
        if (start) {
            senders.execute(() -> send(r));
        }
    }

    private List<EngineMessage.EcStripe> drainEarly(Round r) {
        synchronized (r) {
            if (r.set == null) {
                return List.of();
            }
            List<EngineMessage.EcStripe> out = new ArrayList<>(r.early);
            r.early.clear();
            return out;
        }
    }

    private void openAccumulators(Round r) throws LevelException {
        ErasureLayout layout = r.set.layout();
        int me = r.set.memberOfNode(node);
        for (int j = 0; j < layout.parity(); j++) {
            int c = layout.parityCodeword(me, j);
            r.accumulators.put(slot(c, j), ParityAccumulator.create(versionDir(r.key), r.set, c, j, WINDOW + 1));
        }
    }

    /** Streams this member's contributions, stripe after stripe, within the holders' windows. */
    private void send(Round r) {
        ErasureSet set = r.set;
        ErasureLayout layout = set.layout();
        int me = set.memberOfNode(node);
        try (DataStream stream = DataStream.open(versionDir(r.key), set, me)) {
            ContributionEncoder enc = new ContributionEncoder(set, me, stream);
            ByteBuffer[] out = new ByteBuffer[layout.parity()];
            int stripe = (int) Math.min(layout.stripeSize(), Math.max(8, layout.pieceLength()));
            for (int j = 0; j < out.length; j++) {
                out[j] = ByteBuffer.allocate(stripe);
            }
            // each message is encoded here and sent from here: one copy, no garbage per stripe
            ByteBuffer wire = ByteBuffer.allocateDirect(EngineMessage.stripeCapacity(stripe));
            // stripe-major: every member finishes stripe t of all its pieces before t + 1, so no
            // holder waits for a member that waits for another holder (piece-major deadlocks once
            // a piece has more stripes than the window)
            for (int t = 0; t < enc.stripes(); t++) {
                for (int p = 0; p < enc.pieces(); p++) {
                    int c = enc.codeword(p);
                    for (int j = 0; j < layout.parity(); j++) {
                        awaitWindow(r, c, j, t);
                        out[j].clear();
                    }
                    Contribution ct = enc.contribute(p, t, out);
                    for (int j = 0; j < layout.parity(); j++) {
                        out[j].flip();
                        int holder = set.member(layout.parityHolder(c, j)).node();
                        EngineMessage.EcStripe s = new EngineMessage.EcStripe(r.key.name(), r.key.version(), set.setId(), c, j,
                                ct.dataSymbol(), ct.stripe(), ct.length(), ct.dataCrc(), out[j]);
                        if (holder == node) {
                            onStripe(s);
                        } else {
                            wire = EngineMessage.encodeStripe(s, wire);
                            link.sendEncoded(holder, wire);
                        }
                    }
                }
            }
            synchronized (r) {
                r.sent = true;
                r.notifyAll();
            }
        } catch (LevelException | CommException | RuntimeException e) {
            fail(r, "sending this node's contributions failed: " + e.getMessage());
        }
    }

    private void awaitWindow(Round r, int codeword, int parityIndex, int stripe) throws LevelException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        synchronized (r) {
            while (r.failed == null && stripe >= r.acked.getOrDefault(slot(codeword, parityIndex), 0) + WINDOW) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0 || stopping) {
                    throw new LevelException("the holder of parity " + parityIndex + " of codeword " + codeword + " of "
                            + r.key.name() + " v" + r.key.version() + " did not take stripe " + stripe + " within "
                            + timeoutMillis / 1000 + " s");
                }
                try {
                    r.wait(Math.min(left, 1000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new LevelException("interrupted while protecting " + r.key.name() + " v" + r.key.version());
                }
            }
            if (r.failed != null) {
                throw new LevelException(r.failed);
            }
        }
    }

    private void onStripe(EngineMessage.EcStripe s) {
        Round r = rounds.computeIfAbsent(new Key(s.name(), s.version()), Round::new);
        ParityAccumulator acc;
        int prefix;
        boolean complete;
        synchronized (r) {
            if (r.failed != null) {
                return;
            }
            if (r.set == null) {
                r.early.add(s.copy()); // a faster member: this node has not heard from every member yet
                return;
            }
            acc = r.accumulators.get(slot(s.codeword(), s.parityIndex()));
            if (acc == null) {
                return;
            }
            try {
                acc.add(new Contribution(s.codeword(), s.dataSymbol(), s.stripe(), s.length(), s.dataCrc()),
                        s.bytes().duplicate());
            } catch (LevelException | RuntimeException e) {
                failLocked(r, e.getMessage());
                return;
            }
            prefix = acc.completedPrefix();
            complete = acc.complete();
        }
        ack(r, s.codeword(), s.parityIndex(), prefix);
        if (complete) {
            finish(r, acc);
        }
    }

    /** Tells the codeword's data members how far the parity piece is written (every few stripes). */
    private void ack(Round r, int codeword, int parityIndex, int prefix) {
        ErasureLayout layout = r.set.layout();
        if (prefix % (WINDOW / 2) != 0 && prefix != layout.stripes()) {
            return;
        }
        EngineMessage.EcAck a = new EngineMessage.EcAck(r.key.name(), r.key.version(), r.set.setId(), codeword, parityIndex,
                prefix);
        for (int s = 0; s < layout.dataSymbols(); s++) {
            int n = r.set.member(layout.holder(codeword, s)).node();
            try {
                if (n == node) {
                    onAck(a);
                } else {
                    link.send(n, a);
                }
            } catch (CommException e) {
                LOG.warn("node {}: cannot acknowledge stripes to node {}: {}", node, n, e.getMessage());
            }
        }
    }

    private void onAck(EngineMessage.EcAck a) {
        Round r = rounds.get(new Key(a.name(), a.version()));
        if (r == null) {
            return;
        }
        if (a.completed() < 0) {
            fail(r, "a member of set " + a.setId() + " gave up on this version (see its log)");
            return;
        }
        synchronized (r) {
            r.acked.merge(slot(a.codeword(), a.parityIndex()), a.completed(), Math::max);
            r.notifyAll();
        }
    }

    private void finish(Round r, ParityAccumulator acc) {
        String error = null;
        try {
            acc.finish();
        } catch (LevelException e) {
            error = e.getMessage();
        } finally {
            acc.close();
        }
        // reported before the round counts as finished: drain (at close) then knows the committer was told
        try {
            link.send(FlushEngine.COMMITTER, new EngineMessage.EcDone(r.key.name(), r.key.version(), r.set.setId(),
                    acc.codeword(), acc.parityIndex(), r.set.size() * r.set.parity(), r.set.parity(), error));
        } catch (CommException e) {
            LOG.warn("node {}: cannot report a parity piece to the committer: {}", node, e.getMessage());
        }
        synchronized (r) {
            r.accumulators.remove(slot(acc.codeword(), acc.parityIndex()));
            if (error != null) {
                failLocked(r, error);
            }
            r.notifyAll();
        }
    }

    /** Versions whose protection this node finished without error. */
    List<Key> protectedHere() {
        List<Key> out = new ArrayList<>();
        for (Round r : rounds.values()) {
            synchronized (r) {
                if (r.failed == null && r.sent && r.accumulators.isEmpty()) {
                    out.add(r.key);
                }
            }
        }
        return out;
    }

    private void fail(Round r, String why) {
        synchronized (r) {
            failLocked(r, why);
        }
    }

    private void failLocked(Round r, String why) {
        if (r.failed == null) {
            r.failed = why;
            LOG.warn("node {}: {} v{} is not erasure-protected: {}", node, r.key.name(), r.key.version(), why);
            r.accumulators.values().forEach(ParityAccumulator::close);
            r.accumulators.clear();
            if (r.set != null && !stopping) {
                // the others would wait for this node's acknowledgements until they time out
                ErasureSet set = r.set;
                servers.execute(() -> tellGaveUp(r.key, set));
            }
        }
        r.notifyAll();
    }

    private void tellGaveUp(Key k, ErasureSet set) {
        EngineMessage.EcAck gaveUp = new EngineMessage.EcAck(k.name(), k.version(), set.setId(), -1, -1, -1);
        for (int i = 0; i < set.size(); i++) {
            int n = set.member(i).node();
            if (n != node) {
                try {
                    link.send(n, gaveUp);
                } catch (CommException e) {
                    LOG.debug("node {}: cannot tell node {} that it gave up on {} v{}: {}", node, n, k.name(), k.version(),
                            e.getMessage());
                }
            }
        }
    }

    /** Waits until every protection this node started is done (at close: its peers are still up until the barrier). */
    void drain(long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        for (Round r : rounds.values()) {
            synchronized (r) {
                while (r.mine != null && !r.finished() && System.currentTimeMillis() < deadline) {
                    try {
                        r.wait(200);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }

    /** Forgets versions older than {@code keep} of a name (their parity goes with their rank files). */
    void forget(String name, int keep) {
        rounds.keySet().removeIf(k -> k.name().equals(name) && k.version() < keep && rounds.get(k).finished());
    }

    // ---- messages --------------------------------------------------------------------------

    boolean onMessage(EngineMessage m) {
        if (m instanceof EngineMessage.EcDescribe d) {
            onDescribe(d);
        } else if (m instanceof EngineMessage.EcStripe s) {
            onStripe(s);
        } else if (m instanceof EngineMessage.EcAck a) {
            onAck(a);
        } else if (m instanceof EngineMessage.EcHeaderRequest q) {
            servers.execute(() -> serveHeader(q));
        } else if (m instanceof EngineMessage.EcReadRequest q) {
            servers.execute(() -> serveRead(q));
        } else {
            return false;
        }
        return true;
    }

    // ---- rebuilding ------------------------------------------------------------------------

    /**
     * Rebuilds member {@code lost} of {@code set} (this node's ranks) into this node's scratch,
     * from the other members' symbols, read over the network. {@code unavailable}: members known
     * to have lost the version too.
     */
    RebuildReport rebuild(ErasureSet set, int lost, Collection<Integer> unavailable, boolean fsync) throws LevelException {
        Key k = new Key(set.name(), set.version());
        try (Remote remote = new Remote(set)) {
            return Rebuild.rebuild(set, lost, unavailable, remote, versionDir(k), fsync);
        }
    }

    /**
     * A survivor's symbols, asked for over the engines' communicator (its own, read in place).
     * Rebuild reads each fragment stripe after stripe, so a read also asks for the next
     * {@link #READ_AHEAD} stripes of that fragment: the survivors read and send them while this
     * node decodes, instead of one round trip per stripe. Answers nobody used (a fragment found
     * damaged, the last stripes) are received and dropped at close.
     */
    private final class Remote implements SymbolSource, AutoCloseable {
        private final ErasureSet set;
        private final ErasureLayout layout;
        /** Where answers to reads land (an error answer is shorter than the read). */
        private ByteBuffer received;
        /** Per fragment (member, codeword): the stripes asked for and not yet read, oldest first. */
        private final Map<Long, java.util.ArrayDeque<Asked>> ahead = new HashMap<>();

        /** A read request on its way: its answer comes on {@code tag} from {@code node}. */
        private record Asked(int node, int tag, long offset, int length) {
        }

        Remote(ErasureSet set) {
            this.set = set;
            this.layout = set.layout();
        }

        @Override
        public ParityHeader parityHeader(int member, int codeword) throws LevelException {
            int n = set.member(member).node();
            int tag = REPLY_BASE + (replies.getAndIncrement() & 0xFFFFF);
            ask(n, new EngineMessage.EcHeaderRequest(set.name(), set.version(), set.setId(), codeword, node, tag));
            ByteBuffer reply = answer(n, tag);
            try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes(reply)))) {
                if (!in.readBoolean()) {
                    throw new LevelException("node " + n + " has no parity of codeword " + codeword + ": " + in.readUTF());
                }
                long length = in.readLong();
                byte[] header = in.readNBytes(in.readInt());
                return ParityFile.headerOf(header, length, "node " + n);
            } catch (IOException e) {
                throw new LevelException("node " + n + " answered a parity header malformed: " + e, e);
            }
        }

        @Override
        public void read(int member, int codeword, long offset, ByteBuffer dst) throws LevelException {
            int n = set.member(member).node();
            java.util.ArrayDeque<Asked> queue = ahead.computeIfAbsent(((long) member << 32) | codeword,
                    x -> new java.util.ArrayDeque<>());
            Asked mine = null;
            while (mine == null && !queue.isEmpty()) {
                Asked a = queue.poll();
                if (a.offset() == offset && a.length() == dst.remaining()) {
                    mine = a;
                } else {
                    drop(a); // asked for a read the rebuild did not make
                }
            }
            if (mine == null) {
                mine = request(n, member, codeword, offset, dst.remaining());
            }
            askAhead(queue, n, member, codeword, offset);
            ByteBuffer reply = answerInto(n, mine.tag(), 1 + dst.remaining());
            if (reply.remaining() < 1 || reply.get() == 0) {
                byte[] why = new byte[reply.remaining()];
                reply.get(why);
                throw new LevelException("node " + n + " cannot read its symbol of codeword " + codeword + ": "
                        + new String(why, java.nio.charset.StandardCharsets.UTF_8));
            }
            if (reply.remaining() != dst.remaining()) {
                throw new LevelException("node " + n + " sent " + reply.remaining() + " bytes for " + dst.remaining());
            }
            dst.put(reply);
        }

        /** Keeps the next READ_AHEAD stripes after the one at {@code offset} asked for, as Rebuild will read them. */
        private void askAhead(java.util.ArrayDeque<Asked> queue, int n, int member, int codeword, long offset)
                throws LevelException {
            int symbol = layout.symbolOf(codeword, member);
            long stripe = layout.stripeSize();
            int t = (int) (offset / stripe);
            for (int next = t + 1 + queue.size(); next <= t + READ_AHEAD && next < layout.stripes(); next++) {
                long at = next * stripe;
                int length = layout.stripeLength(next);
                if (layout.isData(symbol)) {
                    length = layout.realBytes(member, symbol, at, length);
                }
                if (length == 0) {
                    return; // past the end of the member's stream: the rebuild reads no padding
                }
                queue.add(request(n, member, codeword, at, length));
            }
        }

        private Asked request(int n, int member, int codeword, long offset, int length) throws LevelException {
            int tag = REPLY_BASE + (replies.getAndIncrement() & 0xFFFFF);
            ask(n, new EngineMessage.EcReadRequest(set.name(), set.version(), set.setId(), member, codeword, offset, length,
                    node, tag));
            return new Asked(n, tag, offset, length);
        }

        /** The answer to a read, in this source's one receive buffer (valid until the next). */
        private ByteBuffer answerInto(int n, int tag, int expected) throws LevelException {
            if (received == null || received.capacity() < expected) {
                received = ByteBuffer.allocateDirect(Math.max(expected, 1 + STRIPE));
            }
            received.clear();
            try {
                comm.receiveInto(link.engineRank(n), tag, received, timeoutMillis);
            } catch (CommException e) {
                throw new LevelException("node " + n + " did not answer a rebuild's request: " + e.getMessage(), e);
            }
            return received.flip();
        }

        /** Receives an answer nobody will read: it must not stay queued in MPI. */
        private void drop(Asked a) {
            try {
                answerInto(a.node(), a.tag(), 1 + a.length());
            } catch (LevelException e) {
                LOG.debug("node {}: an unused read-ahead from node {} did not come: {}", node, a.node(), e.getMessage());
            }
        }

        @Override
        public void close() {
            ahead.values().forEach(q -> q.forEach(this::drop));
            ahead.clear();
        }

        private void ask(int n, EngineMessage m) throws LevelException {
            try {
                link.send(n, m);
            } catch (CommException e) {
                throw new LevelException("cannot ask node " + n + " for its symbols: " + e.getMessage(), e);
            }
        }

        private ByteBuffer answer(int n, int tag) throws LevelException {
            try {
                return comm.receive(link.engineRank(n), tag, timeoutMillis).data();
            } catch (CommException e) {
                throw new LevelException("node " + n + " did not answer a rebuild's request: " + e.getMessage(), e);
            }
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    private void serveHeader(EngineMessage.EcHeaderRequest q) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DataOutputStream o = new DataOutputStream(out)) {
            Path p = versionDir(new Key(q.name(), q.version())).resolve(ParityFile.fileName(q.setId(), q.codeword()));
            try (ParityFile f = ParityFile.open(p)) {
                byte[] h = f.headerBytes();
                o.writeBoolean(true);
                o.writeLong(f.fileLength());
                o.writeInt(h.length);
                o.write(h);
            } catch (LevelException e) {
                o.writeBoolean(false);
                o.writeUTF(e.getMessage().length() > 4000 ? e.getMessage().substring(0, 4000) : e.getMessage());
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        reply(q.node(), q.tag(), ByteBuffer.wrap(out.toByteArray()));
    }

    private void serveRead(EngineMessage.EcReadRequest q) {
        ByteBuffer pooled = replyBuffers.poll();
        if (pooled == null || pooled.capacity() < 1 + Math.max(0, q.length())) {
            pooled = ByteBuffer.allocateDirect(Math.max(1 + STRIPE, 1 + Math.max(0, q.length())));
        }
        ByteBuffer out = pooled.clear().limit(1 + Math.max(0, q.length()));
        try {
            Key k = new Key(q.name(), q.version());
            ParityHeader any = servedHeader(k, q.setId());
            ErasureSet set = any.set();
            ErasureLayout layout = set.layout();
            int symbol = layout.symbolOf(q.codeword(), q.member());
            out.put((byte) 1);
            ByteBuffer dst = out.slice(1, q.length());
            if (layout.isData(symbol)) {
                try (DataStream s = DataStream.open(versionDir(k), set, q.member())) {
                    s.read(layout.pieceOffset(symbol) + q.offset(), dst);
                }
            } else {
                try (ParityFile f = ParityFile.open(versionDir(k).resolve(ParityFile.fileName(q.setId(), q.codeword())))) {
                    f.read(q.offset(), dst);
                }
            }
            out.position(0).limit(1 + q.length());
        } catch (LevelException | RuntimeException e) {
            byte[] why = String.valueOf(e.getMessage()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            out = ByteBuffer.allocate(1 + Math.min(why.length, 4000));
            out.put((byte) 0).put(why, 0, out.remaining()).flip();
        }
        if (reply(q.node(), q.tag(), out)) {
            replyBuffers.offer(pooled); // not after a failed send: MPI may still be reading it
        }
    }

    /** The set a read asks about, as this node's parity files describe it; one lookup per version, not per read. */
    private ParityHeader servedHeader(Key k, int setId) throws LevelException {
        ServedSet last = lastServed;
        if (last != null && last.key().equals(k) && last.setId() == setId) {
            return last.header();
        }
        ParityHeader h = anyHeader(k, setId);
        lastServed = new ServedSet(k, setId, h);
        return h;
    }

    private record ServedSet(Key key, int setId, ParityHeader header) {
    }

    /** What the last read served was of (reads come stripe after stripe of one version). */
    private volatile ServedSet lastServed;
    /** Direct buffers for answers to reads, reused: a rebuild asks for thousands. */
    private final java.util.concurrent.ConcurrentLinkedQueue<ByteBuffer> replyBuffers = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** The set as this node's parity files describe it. */
    private ParityHeader anyHeader(Key k, int setId) throws LevelException {
        for (ParityHeader h : ParityFile.list(versionDir(k), (p, e) -> { })) {
            if (h.set().setId() == setId) {
                return h;
            }
        }
        throw new LevelException("node " + node + " holds no parity of set " + setId + " of " + k.name() + " v" + k.version());
    }

    private boolean reply(int toNode, int tag, ByteBuffer b) {
        try {
            comm.send(link.engineRank(toNode), tag, b);
            return true;
        } catch (CommException e) {
            LOG.warn("node {}: cannot answer node {}'s rebuild: {}", node, toNode, e.getMessage());
            return false;
        }
    }

    // ---- what this node holds, for restartTest ------------------------------------------

    /**
     * This node's erasure state of {@code name}, as bytes for the collective at restartTest: per
     * version with parity files here, each intact parity file's set (header), and its codeword
     * and parity index.
     */
    byte[] holdings(String name) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (DataOutputStream o = new DataOutputStream(b)) {
            List<Path> versions = new ArrayList<>();
            try (java.nio.file.DirectoryStream<Path> ds = java.nio.file.Files.newDirectoryStream(scratch.resolve(name))) {
                ds.forEach(versions::add);
            } catch (IOException e) {
                // nothing of this name here
            }
            List<byte[]> entries = new ArrayList<>();
            for (Path v : versions) {
                try {
                    for (java.nio.file.Path p : listParity(v)) {
                        try (ParityFile f = ParityFile.open(p)) {
                            byte[] h = f.headerBytes();
                            ByteArrayOutputStream e = new ByteArrayOutputStream();
                            try (DataOutputStream eo = new DataOutputStream(e)) {
                                eo.writeLong(f.fileLength());
                                eo.writeInt(h.length);
                                eo.write(h);
                            }
                            entries.add(e.toByteArray());
                        } catch (LevelException damaged) {
                            LOG.warn("node {}: {}; that parity piece is left out", node, damaged.getMessage());
                        }
                    }
                } catch (IOException e) {
                    // a version directory gone meanwhile
                }
            }
            o.writeInt(entries.size());
            for (byte[] e : entries) {
                o.write(e);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return b.toByteArray();
    }

    private static List<Path> listParity(Path versionDir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (java.nio.file.DirectoryStream<Path> ds = java.nio.file.Files.newDirectoryStream(versionDir)) {
            for (Path p : ds) {
                if (ParityFile.isParityFile(p.getFileName().toString())) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    /** The parity headers in a node's {@link #holdings}. */
    static List<ParityHeader> decodeHoldings(byte[] bytes, String from) {
        List<ParityHeader> out = new ArrayList<>();
        if (bytes.length == 0) {
            return out;
        }
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
            int n = in.readInt();
            for (int i = 0; i < n && i < bytes.length; i++) {
                long length = in.readLong();
                byte[] h = in.readNBytes(in.readInt());
                try {
                    out.add(ParityFile.headerOf(h, length, from));
                } catch (LevelException e) {
                    LOG.warn("{}; left out", e.getMessage());
                }
            }
        } catch (IOException e) {
            LOG.warn("the erasure holdings {} sent are malformed ({}); ignored", from, e.toString());
        }
        return out;
    }

    @Override
    public void close() {
        stopping = true;
        senders.shutdownNow();
        servers.shutdownNow();
        try {
            // none of them may call into MPI once the job finalizes it
            senders.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
            servers.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Round r : rounds.values()) {
            synchronized (r) {
                r.accumulators.values().forEach(FileIo::closeQuietly);
                r.accumulators.clear();
                r.notifyAll();
            }
        }
    }
}
