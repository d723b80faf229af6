package io.jmultifd.multifd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@code zstd} on migration channels: one stream per channel (the engine tells the method that a channel delivers
 * its packets in order), and the stream mode in the handshake, so that a peer that sends or expects a frame per
 * packet (a jmultifd from before {@code zstd-stream}) is refused by name rather than failing on the first packet.
 */
class ZstdStreamMigrationTest {
    private static final int DISTINCT_PAGES = 64; // 256 KiB: inside level 1's window, more than a packet

    static MigrationParameters params(String... kv) {
        Map<String, String> m = new HashMap<>(Map.of("multifd-compression", "zstd", "multifd-channels", "1",
                "packet-pages", "32"));
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return MigrationParameters.from(m);
    }

    /** 4 MiB of random pages where page i holds the content of page i mod 64: repeats only across packets. */
    private static GuestMemory repeatingGuest() {
        GuestMemory g = GuestMemory.of(RamBlock.anonymous("ram0", 4L << 20, 4096));
        MemorySegment m = g.block("ram0").memory();
        SplittableRandom r = new SplittableRandom(11);
        for (long i = 0; i < DISTINCT_PAGES * 4096L; i += 8) {
            m.set(ValueLayout.JAVA_LONG_UNALIGNED, i, r.nextLong());
        }
        for (long p = DISTINCT_PAGES; p < g.block("ram0").pageCount(); p++) {
            m.asSlice(p * 4096, 4096).copyFrom(m.asSlice(p % DISTINCT_PAGES * 4096, 4096));
        }
        return g;
    }

    private static long migratedBytes(MigrationParameters p) throws Exception {
        try (GuestMemory guest = repeatingGuest(); Harness.Incoming in = new Harness.Incoming(p, true)) {
            MigrationResult sent = new MigrationSource(guest, null, p).migrate(in.sourceTarget, null);
            Harness.assertCompleted(sent, "source");
            Harness.assertCompleted(in.await(), "destination");
            Harness.assertSameMemory(guest, in.destination.received());
            return sent.multifd().compressedBytes();
        }
    }

    @Test
    void aChannelStreamReachesBackIntoEarlierPackets() throws Exception {
        long perChannel = migratedBytes(params());
        long perPacket = migratedBytes(params("zstd-stream", "packet"));
        // A frame per packet finds no repeat inside a packet of 32 distinct random pages; the channel's stream
        // finds every page after the first 64 in its window.
        assertTrue(perPacket > (4L << 20), "a frame per packet: " + perPacket + " bytes");
        assertTrue(perChannel * 4 < perPacket, "one stream per channel: " + perChannel + " bytes, a frame per "
                + "packet " + perPacket);
        Harness.assertNoEngineThreads();
    }

    private static void refused(MigrationParameters src, MigrationParameters dst, String expected) throws Exception {
        try (GuestMemory guest = GuestMemory.of(RamBlock.anonymous("ram0", 1 << 20, 4096));
             Harness.Incoming in = new Harness.Incoming(dst, false)) {
            MigrationResult sent = new MigrationSource(guest, null, src).migrate(in.sourceTarget, null);
            MigrationResult got = in.await();
            assertEquals(MigrationStatus.FAILED, sent.status());
            assertEquals("destination refused the migration: " + expected, sent.error());
            assertEquals(expected, got.error());
        }
        Harness.assertNoEngineThreads();
    }

    /** A source with zstd-stream=packet says nothing of it, as a jmultifd from before the parameter. */
    @Test
    void aSourceThatSendsAFramePerPacketIsRefusedByName() throws Exception {
        refused(params("zstd-stream", "packet"), params(), "zstd-stream mismatch: source (absent), destination channel");
    }

    @Test
    void aDestinationThatExpectsAFramePerPacketRefusesByName() throws Exception {
        refused(params(), params("zstd-stream", "packet"), "zstd-stream mismatch: source channel, destination (absent)");
    }
}
