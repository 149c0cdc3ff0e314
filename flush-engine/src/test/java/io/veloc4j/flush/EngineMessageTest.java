package io.veloc4j.flush;

import io.veloc4j.levels.persistent.AggregateInfo;
import io.veloc4j.levels.persistent.AggregatePart;
import io.veloc4j.levels.persistent.Member;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What engines send each other survives the wire; garbage is an IOException, never a crash. */
class EngineMessageTest {

    private static final AggregateInfo FILE = new AggregateInfo(3, "group-3.1f.vagg", 4096, 1234, 0x5eed,
            List.of(new Member(12, 0, 2048, 7), new Member(13, 2048, 2048, -1)), "lorenzo:2");

    @Test
    void everyMessageRoundTrips() throws Exception {
        List<EngineMessage> all = List.of(new EngineMessage.PartReady("heat", 40, 3, 2),
                new EngineMessage.PartFailed("heat", 40, 3, 2, "rank file corrupt"), new EngineMessage.Pull("heat", 40, 3, 1, 100_007),
                new EngineMessage.GroupWritten("heat", 40, FILE), new EngineMessage.GroupFailed("heat", 40, 3, "full", true),
                new EngineMessage.Committed("heat", 40, "aware-block", List.of(FILE, FILE)),
                new EngineMessage.VersionFailed("heat", 40, "group 3: full"), new EngineMessage.DueQuery("heat", 40, 5, EngineMessage.FLUSH),
                new EngineMessage.DueAnswer("heat", 40, true, EngineMessage.ERASURE),
                new EngineMessage.EcDescribe("heat", 40, 1, 3, "vh3", List.of(new io.veloc4j.levels.erasure.RankEntry(6, 4096, 77),
                        new io.veloc4j.levels.erasure.RankEntry(7, 100, -5))),
                new EngineMessage.EcAck("heat", 40, 1, 2, 1, 16),
                new EngineMessage.EcDone("heat", 40, 1, 2, 1, 8, 2, null),
                new EngineMessage.EcDone("heat", 40, 1, 2, 0, 8, 2, "disk full"),
                new EngineMessage.EcHeaderRequest("heat", 40, 1, 2, 5, 1_500_003),
                new EngineMessage.EcReadRequest("heat", 40, 1, 3, 2, 1L << 33, 65536, 5, 1_500_004));
        for (EngineMessage m : all) {
            assertEquals(m, EngineMessage.decode(EngineMessage.encode(m)), m.toString());
        }
    }

    @Test
    void aStripeRoundTripsWithItsBytes() throws Exception {
        byte[] bytes = {9, 8, 7, 6, 5};
        EngineMessage.EcStripe s = new EngineMessage.EcStripe("heat", 40, 1, 2, 1, 3, 17, 5, 0x1234, java.nio.ByteBuffer.wrap(bytes));
        EngineMessage.EcStripe back = (EngineMessage.EcStripe) EngineMessage.decode(EngineMessage.encode(s));
        assertEquals(List.of(s.name(), s.version(), s.setId(), s.codeword(), s.parityIndex(), s.dataSymbol(), s.stripe(),
                s.length(), s.dataCrc()), List.of(back.name(), back.version(), back.setId(), back.codeword(), back.parityIndex(),
                back.dataSymbol(), back.stripe(), back.length(), back.dataCrc()));
        assertArrayEquals(bytes, array(back.bytes()));
        // the engine's own path: encoded in place into a direct buffer, decoded as a view of it
        java.nio.ByteBuffer wire = java.nio.ByteBuffer.allocateDirect(EngineMessage.stripeCapacity(bytes.length));
        java.nio.ByteBuffer sent = EngineMessage.encodeStripe(s, wire);
        assertEquals(EngineMessage.encode(s), sent, "encodeStripe writes what encode writes");
        EngineMessage.EcStripe viewed = (EngineMessage.EcStripe) EngineMessage.decode(sent);
        assertArrayEquals(bytes, array(viewed.bytes()));
        assertArrayEquals(bytes, array(viewed.copy().bytes()));
        // a buffer too small for the stripe is replaced, not overrun
        assertArrayEquals(bytes, array(((EngineMessage.EcStripe) EngineMessage.decode(
                EngineMessage.encodeStripe(s, java.nio.ByteBuffer.allocateDirect(8)))).bytes()));
    }

    private static byte[] array(java.nio.ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    @Test
    void aPartHeaderCarriesThePartOrTheSendersError() throws Exception {
        AggregatePart p = new AggregatePart(new byte[] {1, 2, 3, 4}, 99, 1 << 20, 5 << 20);
        AggregatePart back = EngineMessage.decodePartHeader(EngineMessage.encodePartHeader(p, null), 1 << 10);
        assertArrayEquals(p.index(), back.index());
        assertEquals(p.indexCrc(), back.indexCrc());
        assertEquals(p.chunkBytes(), back.chunkBytes());
        IOException e = assertThrows(IOException.class,
                () -> EngineMessage.decodePartHeader(EngineMessage.encodePartHeader(null, "no spooled part"), 1 << 10));
        assertEquals("no spooled part", e.getMessage());
        assertThrows(IOException.class, () -> EngineMessage.decodePartHeader(EngineMessage.encodePartHeader(p, null), 2),
                "an index above the bound is refused before it is read");
    }

    @Test
    void garbageIsAnIOException() {
        Random rnd = new Random(15);
        for (int i = 0; i < 2000; i++) {
            byte[] b = new byte[rnd.nextInt(64)];
            rnd.nextBytes(b);
            try {
                EngineMessage.decode(ByteBuffer.wrap(b));
            } catch (IOException expected) {
                // fine
            } catch (RuntimeException e) {
                throw new AssertionError("case " + i + ": " + e, e);
            }
        }
        ByteBuffer ok = EngineMessage.encode(new EngineMessage.Committed("heat", 1, "none", List.of(FILE)));
        for (int cut = 0; cut < ok.remaining(); cut++) {
            ByteBuffer truncated = ok.duplicate().limit(cut);
            assertThrows(IOException.class, () -> EngineMessage.decode(truncated), "cut at " + cut);
        }
        assertTrue(true);
    }
}
