package io.veloc4j.levels.catalog;

import net.openhft.chronicle.bytes.Bytes;

/** Binary form of {@link Event}s in a Chronicle excerpt: a type byte, then the fields in order. */
final class EventCodec {

    // 1 was Written: a rank's record is now its rank file on scratch
    private static final byte PERSISTED = 2;
    private static final byte FAILED = 3;
    private static final byte SKIPPED = 4;
    private static final byte COMMITTED = 5;
    private static final byte PRUNED = 6;
    private static final byte PROTECTED = 7;

    private EventCodec() {
    }

    static void write(Event e, Bytes<?> b) {
        if (e instanceof Event.Persisted p) {
            b.writeByte(PERSISTED).writeLong(p.session()).writeUtf8(p.name()).writeInt(p.version()).writeInt(p.group());
            ints(b, p.members());
            b.writeUtf8(p.file()).writeLong(p.rawBytes()).writeLong(p.storedBytes()).writeUtf8(p.scheme());
        } else if (e instanceof Event.FlushFailed f) {
            b.writeByte(FAILED).writeLong(f.session()).writeUtf8(f.name()).writeInt(f.version()).writeInt(f.group());
            ints(b, f.members());
            b.writeUtf8(f.reason());
        } else if (e instanceof Event.Skipped s) {
            b.writeByte(SKIPPED).writeLong(s.session()).writeUtf8(s.name()).writeInt(s.version()).writeInt(s.group());
            ints(b, s.members());
        } else if (e instanceof Event.Committed c) {
            b.writeByte(COMMITTED).writeUtf8(c.name()).writeInt(c.version()).writeInt(c.ranks())
                    .writeInt(c.files()).writeLong(c.rawBytes()).writeLong(c.storedBytes()).writeUtf8(c.scheme());
        } else if (e instanceof Event.Pruned p) {
            b.writeByte(PRUNED).writeUtf8(p.name()).writeInt(p.version()).writeUtf8(p.level()).writeInt(p.rank());
        } else if (e instanceof Event.Protected p) {
            b.writeByte(PROTECTED).writeUtf8(p.name()).writeInt(p.version()).writeInt(p.sets()).writeInt(p.parity());
        }
    }

    /** Null for a record type this version does not know (a newer writer): readers skip it. */
    static Event read(Bytes<?> b) {
        return switch (b.readByte()) {
            case PERSISTED -> new Event.Persisted(b.readLong(), b.readUtf8(), b.readInt(), b.readInt(), ints(b),
                    b.readUtf8(), b.readLong(), b.readLong(), b.readUtf8());
            case FAILED -> new Event.FlushFailed(b.readLong(), b.readUtf8(), b.readInt(), b.readInt(), ints(b), b.readUtf8());
            case SKIPPED -> new Event.Skipped(b.readLong(), b.readUtf8(), b.readInt(), b.readInt(), ints(b));
            case COMMITTED -> new Event.Committed(b.readUtf8(), b.readInt(), b.readInt(), b.readInt(), b.readLong(),
                    b.readLong(), b.readUtf8());
            case PRUNED -> new Event.Pruned(b.readUtf8(), b.readInt(), b.readUtf8(), b.readInt());
            case PROTECTED -> new Event.Protected(b.readUtf8(), b.readInt(), b.readInt(), b.readInt());
            default -> null;
        };
    }

    private static void ints(Bytes<?> b, int[] v) {
        b.writeInt(v.length);
        for (int x : v) {
            b.writeInt(x);
        }
    }

    private static int[] ints(Bytes<?> b) {
        int[] v = new int[b.readInt()];
        for (int i = 0; i < v.length; i++) {
            v[i] = b.readInt();
        }
        return v;
    }
}
