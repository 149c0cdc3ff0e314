package io.veloc4j.flush;

import io.veloc4j.levels.persistent.AggregateInfo;
import io.veloc4j.levels.persistent.AggregatePart;
import io.veloc4j.levels.persistent.Member;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * What the nodes' engines tell each other while the application computes: a node's part of a
 * group is ready (or cannot be), the writer wants it, a group's file is written (or not), a
 * version is committed (or failed). Small, immutable; encoded as a type byte and the fields.
 */
sealed interface EngineMessage {

    /** The checkpoint and version a message is about. */
    String name();

    int version();

    /** {@code node} has encoded its ranks' part of {@code group} into its spool; the writer may pull it. */
    record PartReady(String name, int version, int group, int node) implements EngineMessage {
    }

    /** {@code node} cannot provide its part of {@code group} (a rank file unreadable or corrupt, scratch full). */
    record PartFailed(String name, int version, int group, int node, String reason) implements EngineMessage {
    }

    /** The writer (on {@code node}) asks for the receiver's part of {@code group}, to be sent with message tag {@code tag}. */
    record Pull(String name, int version, int group, int node, int tag) implements EngineMessage {
    }

    /** A group's file is in place on persistent storage (to the committer). */
    record GroupWritten(String name, int version, AggregateInfo file) implements EngineMessage {
    }

    /** A group's file could not be written (to the committer); {@code committed}: the version already was. */
    record GroupFailed(String name, int version, int group, String reason, boolean committed) implements EngineMessage {
    }

    /** Every group is on persistent storage and the MANIFEST written (to every engine). */
    record Committed(String name, int version, String scheme, List<AggregateInfo> files) implements EngineMessage {
        public Committed {
            files = List.copyOf(files);
        }
    }

    /** The version will not be committed (to every engine): its ranks keep their scratch copies. */
    record VersionFailed(String name, int version, String reason) implements EngineMessage {
    }

    /**
     * persistent_interval (kind {@link #FLUSH}) or ec_interval (kind {@link #ERASURE}) &gt; 0: is
     * this version due? (to the committer, who decides once).
     */
    record DueQuery(String name, int version, int node, int kind) implements EngineMessage {
    }

    /** The committer's decision. */
    record DueAnswer(String name, int version, boolean due, int kind) implements EngineMessage {
    }

    int FLUSH = 0;
    int ERASURE = 1;

    /** A member of an erasure set says what its data stream of the version is (its ranks' files). */
    record EcDescribe(String name, int version, int setId, int node, String host,
                      List<io.veloc4j.levels.erasure.RankEntry> ranks) implements EngineMessage {
        public EcDescribe {
            ranks = List.copyOf(ranks);
        }
    }

    /** One stripe of a data member's contribution to parity {@code parityIndex} of {@code codeword}. */
    record EcStripe(String name, int version, int setId, int codeword, int parityIndex, int dataSymbol, int stripe,
                    int length, int dataCrc, ByteBuffer bytes) implements EngineMessage {

        /** The stripe with bytes of its own, for keeping past the receive buffer they were decoded from. */
        EcStripe copy() {
            ByteBuffer own = ByteBuffer.allocate(bytes.remaining());
            own.put(bytes.duplicate()).flip();
            return new EcStripe(name, version, setId, codeword, parityIndex, dataSymbol, stripe, length, dataCrc, own);
        }
    }

    /** The parity holder has written {@code completed} stripes of a parity piece: senders may go on. */
    record EcAck(String name, int version, int setId, int codeword, int parityIndex, int completed) implements EngineMessage {
    }

    /** A parity piece is written (or failed), to the committer: once all are, the version is protected. */
    record EcDone(String name, int version, int setId, int codeword, int parityIndex, int pieces, int parity, String error)
            implements EngineMessage {
    }

    /** A rebuild asks a survivor for the header of its parity file of {@code codeword}, answered on {@code tag}. */
    record EcHeaderRequest(String name, int version, int setId, int codeword, int node, int tag) implements EngineMessage {
    }

    /** A rebuild asks a survivor for bytes of member {@code member}'s symbol of {@code codeword}, answered on {@code tag}. */
    record EcReadRequest(String name, int version, int setId, int member, int codeword, long offset, int length, int node,
                         int tag) implements EngineMessage {
    }

    byte PART_READY = 1;
    byte PART_FAILED = 2;
    byte PULL = 3;
    byte GROUP_WRITTEN = 4;
    byte GROUP_FAILED = 5;
    byte COMMITTED = 6;
    byte VERSION_FAILED = 7;
    byte DUE_QUERY = 8;
    byte DUE_ANSWER = 9;
    byte EC_DESCRIBE = 10;
    byte EC_STRIPE = 11;
    byte EC_ACK = 12;
    byte EC_DONE = 13;
    byte EC_HEADER_REQUEST = 14;
    byte EC_READ_REQUEST = 15;

    /** The bytes of a message. */
    static ByteBuffer encode(EngineMessage m) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream o = new DataOutputStream(bytes)) {
            if (m instanceof PartReady p) {
                o.writeByte(PART_READY);
                head(o, m);
                o.writeInt(p.group());
                o.writeInt(p.node());
            } else if (m instanceof PartFailed p) {
                o.writeByte(PART_FAILED);
                head(o, m);
                o.writeInt(p.group());
                o.writeInt(p.node());
                o.writeUTF(clip(p.reason()));
            } else if (m instanceof Pull p) {
                o.writeByte(PULL);
                head(o, m);
                o.writeInt(p.group());
                o.writeInt(p.node());
                o.writeInt(p.tag());
            } else if (m instanceof GroupWritten g) {
                o.writeByte(GROUP_WRITTEN);
                head(o, m);
                info(o, g.file());
            } else if (m instanceof GroupFailed g) {
                o.writeByte(GROUP_FAILED);
                head(o, m);
                o.writeInt(g.group());
                o.writeUTF(clip(g.reason()));
                o.writeBoolean(g.committed());
            } else if (m instanceof Committed c) {
                o.writeByte(COMMITTED);
                head(o, m);
                o.writeUTF(c.scheme());
                o.writeInt(c.files().size());
                for (AggregateInfo f : c.files()) {
                    info(o, f);
                }
            } else if (m instanceof VersionFailed f) {
                o.writeByte(VERSION_FAILED);
                head(o, m);
                o.writeUTF(clip(f.reason()));
            } else if (m instanceof DueQuery q) {
                o.writeByte(DUE_QUERY);
                head(o, m);
                o.writeInt(q.node());
                o.writeInt(q.kind());
            } else if (m instanceof DueAnswer a) {
                o.writeByte(DUE_ANSWER);
                head(o, m);
                o.writeBoolean(a.due());
                o.writeInt(a.kind());
            } else if (m instanceof EcDescribe d) {
                o.writeByte(EC_DESCRIBE);
                head(o, m);
                o.writeInt(d.setId());
                o.writeInt(d.node());
                o.writeUTF(clip(d.host()));
                o.writeInt(d.ranks().size());
                for (io.veloc4j.levels.erasure.RankEntry r : d.ranks()) {
                    o.writeInt(r.rank());
                    o.writeLong(r.length());
                    o.writeInt(r.headerCrc());
                }
            } else if (m instanceof EcStripe t) {
                return encodeStripe(t, ByteBuffer.allocate(0));
            } else if (m instanceof EcAck a) {
                o.writeByte(EC_ACK);
                head(o, m);
                o.writeInt(a.setId());
                o.writeInt(a.codeword());
                o.writeInt(a.parityIndex());
                o.writeInt(a.completed());
            } else if (m instanceof EcDone d) {
                o.writeByte(EC_DONE);
                head(o, m);
                o.writeInt(d.setId());
                o.writeInt(d.codeword());
                o.writeInt(d.parityIndex());
                o.writeInt(d.pieces());
                o.writeInt(d.parity());
                o.writeBoolean(d.error() != null);
                if (d.error() != null) {
                    o.writeUTF(clip(d.error()));
                }
            } else if (m instanceof EcHeaderRequest r) {
                o.writeByte(EC_HEADER_REQUEST);
                head(o, m);
                o.writeInt(r.setId());
                o.writeInt(r.codeword());
                o.writeInt(r.node());
                o.writeInt(r.tag());
            } else if (m instanceof EcReadRequest r) {
                o.writeByte(EC_READ_REQUEST);
                head(o, m);
                o.writeInt(r.setId());
                o.writeInt(r.member());
                o.writeInt(r.codeword());
                o.writeLong(r.offset());
                o.writeInt(r.length());
                o.writeInt(r.node());
                o.writeInt(r.tag());
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + m, e); // an in-memory stream does not fail
        }
        return ByteBuffer.wrap(bytes.toByteArray());
    }

    /**
     * A stripe, into {@code into} (cleared first; a direct buffer is then sent in place): one copy
     * of the payload, no garbage. Returns {@code into}, flipped, or a new buffer of its kind if it
     * is too small (see {@link #stripeCapacity}).
     */
    static ByteBuffer encodeStripe(EcStripe t, ByteBuffer into) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream o = new DataOutputStream(bytes)) {
            o.writeByte(EC_STRIPE);
            head(o, t);
            o.writeInt(t.setId());
            o.writeInt(t.codeword());
            o.writeInt(t.parityIndex());
            o.writeInt(t.dataSymbol());
            o.writeInt(t.stripe());
            o.writeInt(t.length());
            o.writeInt(t.dataCrc());
            o.writeInt(t.bytes().remaining());
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + t, e); // an in-memory stream does not fail
        }
        int length = bytes.size() + t.bytes().remaining();
        ByteBuffer out = into.capacity() >= length ? into.clear() : into.isDirect() ? ByteBuffer.allocateDirect(length)
                : ByteBuffer.allocate(length);
        out.put(bytes.toByteArray()).put(t.bytes().duplicate()); // the header, then the payload
        return out.flip();
    }

    /** Bytes a stripe of {@code payload} bytes takes encoded, with a name of up to 2,000 bytes. */
    static int stripeCapacity(int payload) {
        return payload + 2048;
    }

    /**
     * A message from its bytes; IOException if they are not one (from a peer of another version,
     * or damaged). A stripe's bytes are a view of {@code b}, not a copy: valid as long as {@code b}
     * is (see {@link EcStripe#copy}).
     */
    static EngineMessage decode(ByteBuffer b) throws IOException {
        ByteBuffer src = b.duplicate();
        int total = src.remaining();
        try (DataInputStream in = new DataInputStream(new BufferInput(src))) {
            byte type = in.readByte();
            String name = in.readUTF();
            int version = in.readInt();
            return switch (type) {
                case PART_READY -> new PartReady(name, version, in.readInt(), in.readInt());
                case PART_FAILED -> new PartFailed(name, version, in.readInt(), in.readInt(), in.readUTF());
                case PULL -> new Pull(name, version, in.readInt(), in.readInt(), in.readInt());
                case GROUP_WRITTEN -> new GroupWritten(name, version, info(in));
                case GROUP_FAILED -> new GroupFailed(name, version, in.readInt(), in.readUTF(), in.readBoolean());
                case COMMITTED -> {
                    String scheme = in.readUTF();
                    int n = in.readInt();
                    if (n < 0 || n > total) {
                        throw new IOException("a Committed message with " + n + " files");
                    }
                    List<AggregateInfo> files = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        files.add(info(in));
                    }
                    yield new Committed(name, version, scheme, files);
                }
                case VERSION_FAILED -> new VersionFailed(name, version, in.readUTF());
                case DUE_QUERY -> new DueQuery(name, version, in.readInt(), in.readInt());
                case DUE_ANSWER -> new DueAnswer(name, version, in.readBoolean(), in.readInt());
                case EC_DESCRIBE -> {
                    int setId = in.readInt();
                    int node = in.readInt();
                    String host = in.readUTF();
                    int n = in.readInt();
                    if (n < 0 || n > total / 16) {
                        throw new IOException("an erasure member with " + n + " ranks");
                    }
                    List<io.veloc4j.levels.erasure.RankEntry> ranks = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        try {
                            ranks.add(new io.veloc4j.levels.erasure.RankEntry(in.readInt(), in.readLong(), in.readInt()));
                        } catch (IllegalArgumentException e) {
                            throw new IOException(e.getMessage());
                        }
                    }
                    yield new EcDescribe(name, version, setId, node, host, ranks);
                }
                case EC_STRIPE -> {
                    int setId = in.readInt();
                    int codeword = in.readInt();
                    int parityIndex = in.readInt();
                    int symbol = in.readInt();
                    int stripe = in.readInt();
                    int length = in.readInt();
                    int crc = in.readInt();
                    int n = in.readInt();
                    if (n < 0 || n > src.remaining()) {
                        throw new IOException(n < 0 ? "a stripe of " + n + " bytes" : "a truncated stripe");
                    }
                    ByteBuffer bytes = src.slice(src.position(), n);
                    yield new EcStripe(name, version, setId, codeword, parityIndex, symbol, stripe, length, crc, bytes);
                }
                case EC_ACK -> new EcAck(name, version, in.readInt(), in.readInt(), in.readInt(), in.readInt());
                case EC_DONE -> new EcDone(name, version, in.readInt(), in.readInt(), in.readInt(), in.readInt(), in.readInt(),
                        in.readBoolean() ? in.readUTF() : null);
                case EC_HEADER_REQUEST -> new EcHeaderRequest(name, version, in.readInt(), in.readInt(), in.readInt(),
                        in.readInt());
                case EC_READ_REQUEST -> new EcReadRequest(name, version, in.readInt(), in.readInt(), in.readInt(), in.readLong(),
                        in.readInt(), in.readInt(), in.readInt());
                default -> throw new IOException("unknown engine message type " + type);
            };
        }
    }

    /** The first message of a part's transfer: the part's index, or why it cannot be sent. */
    static ByteBuffer encodePartHeader(AggregatePart part, String error) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(part == null ? 64 : part.index().length + 64);
        try (DataOutputStream o = new DataOutputStream(bytes)) {
            o.writeBoolean(part != null);
            if (part == null) {
                o.writeUTF(clip(error));
            } else {
                o.writeInt(part.indexCrc());
                o.writeLong(part.chunkBytes());
                o.writeLong(part.rawBytes());
                byte[] index = part.index();
                o.writeInt(index.length);
                o.write(index);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return ByteBuffer.wrap(bytes.toByteArray());
    }

    /** The part announced by a transfer's first message; IOException carrying the sender's error if it has none. */
    static AggregatePart decodePartHeader(ByteBuffer b, int maxIndex) throws IOException {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(a))) {
            if (!in.readBoolean()) {
                throw new IOException(in.readUTF());
            }
            int crc = in.readInt();
            long chunkBytes = in.readLong();
            long raw = in.readLong();
            int n = in.readInt();
            if (n < 0 || n > maxIndex || n > a.length) {
                throw new IOException("a part index of " + n + " bytes");
            }
            byte[] index = in.readNBytes(n);
            if (index.length != n || chunkBytes < 0 || raw < 0) {
                throw new IOException("a truncated part header");
            }
            return new AggregatePart(index, crc, chunkBytes, raw);
        }
    }

    private static void head(DataOutputStream o, EngineMessage m) throws IOException {
        o.writeUTF(m.name());
        o.writeInt(m.version());
    }

    private static void info(DataOutputStream o, AggregateInfo f) throws IOException {
        o.writeInt(f.group());
        o.writeUTF(f.file());
        o.writeLong(f.rawBytes());
        o.writeLong(f.storedBytes());
        o.writeInt(f.crc());
        o.writeUTF(f.codecs());
        o.writeInt(f.members().size());
        for (Member m : f.members()) {
            o.writeInt(m.rank());
            o.writeLong(m.rawOffset());
            o.writeLong(m.rawLength());
            o.writeInt(m.rankFileCrc());
        }
    }

    private static AggregateInfo info(DataInputStream in) throws IOException {
        int group = in.readInt();
        String file = in.readUTF();
        long raw = in.readLong();
        long stored = in.readLong();
        int crc = in.readInt();
        String codecs = in.readUTF();
        int n = in.readInt();
        if (n < 0 || n > (1 << 24)) {
            throw new IOException("a file with " + n + " members");
        }
        List<Member> members = new ArrayList<>(Math.min(n, 4096));
        for (int i = 0; i < n; i++) {
            members.add(new Member(in.readInt(), in.readLong(), in.readLong(), in.readInt()));
        }
        return new AggregateInfo(group, file, raw, stored, crc, members, codecs);
    }

    /** writeUTF takes at most 65535 bytes: reasons are cut well below. */
    private static String clip(String s) {
        String t = s == null ? "" : s;
        return t.length() > 8000 ? t.substring(0, 8000) + "…" : t;
    }

    /** Reads a buffer from its position on, advancing it: a DataInputStream over received bytes without copying them. */
    final class BufferInput extends java.io.InputStream {
        private final ByteBuffer b;

        BufferInput(ByteBuffer b) {
            this.b = b;
        }

        @Override
        public int read() {
            return b.hasRemaining() ? b.get() & 0xFF : -1;
        }

        @Override
        public int read(byte[] dst, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (!b.hasRemaining()) {
                return -1;
            }
            int n = Math.min(len, b.remaining());
            b.get(dst, off, n);
            return n;
        }
    }
}
