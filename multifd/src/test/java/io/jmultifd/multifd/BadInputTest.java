package io.jmultifd.multifd;

import io.jmultifd.multifd.wire.MessageWriter;
import io.jmultifd.multifd.wire.Wire;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Map;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real destination fed hand-crafted streams by a fake source. Each bad input must end in FAILED with a
 * message naming what is wrong (and for packets the channel and packet), without allocating what a bogus
 * length asks for (the test JVM runs with a small heap, see the module's pom).
 */
class BadInputTest {
    static final int PAGE = 4096;
    static final long RAM0 = 1 << 20;

    static MigrationParameters params(String method) {
        return MigrationParameters.from(Map.of("multifd-channels", "1", "packet-pages", "16",
                "multifd-compression", method, "max-guest-size", "64M", "peer-timeout", "20000"));
    }

    /** Runs a destination, lets {@code script} talk to it, returns the destination's result. */
    interface Script {
        void run(FakeSource src, int port) throws IOException;
    }

    static MigrationResult feed(MigrationParameters p, Script script) throws Exception {
        try (Harness.Incoming in = new Harness.Incoming(p, true)) {
            int port = ((Endpoint.Tcp) in.sourceTarget).port();
            try (FakeSource src = new FakeSource(port)) {
                script.run(src, port);
                MigrationResult r = in.await();
                // the destination tells the source why, when it still can
                return r;
            }
        }
    }

    /** A valid setup: handshake accepted, data channel 0 open. */
    static void setUp(FakeSource src, int port, MigrationParameters p) throws IOException {
        src.sendMain(FakeSource.handshake(Wire.VERSION, p, "ram0", RAM0));
        assertEquals("ACCEPT", src.readAnswer());
        src.openData(port, 0);
    }

    static void assertFailed(MigrationResult r, String... fragments) {
        assertEquals(MigrationStatus.FAILED, r.status(), "status; error " + r.error());
        for (String f : fragments) {
            assertTrue(r.error().contains(f), "error should contain [" + f + "]: " + r.error());
        }
    }

    @Test
    void newerVersionIsRefusedNamingBoth() throws Exception {
        MigrationParameters p = params("none");
        MigrationResult r = feed(p, (src, port) -> {
            src.sendMain(FakeSource.handshake(3, p, "ram0", RAM0));
            assertEquals("REFUSE version mismatch: source 3, destination 2", src.readAnswer());
        });
        assertFailed(r, "version mismatch: source 3, destination 2");
    }

    @Test
    void aVersionOneSourceIsRefusedAtTheHandshakeNamingBoth() throws Exception {
        // Version 1's handshake ended after the blocks, or after free-page-hint: the hello is enough to refuse it.
        MigrationParameters p = params("none");
        MigrationResult r = feed(p, (src, port) -> {
            MessageWriter v1 = new MessageWriter().u32(Wire.MAGIC_MAIN).u16(1).u64(7).u8(Wire.MSG_HANDSHAKE)
                    .u32(PAGE).u16(p.channels()).u32(p.packetPages()).u8(Wire.zeroModeCode(p.zeroPageMode()))
                    .str("none").u16(0).u32(1).str("ram0").u64(RAM0);
            src.sendMain(v1);
            assertEquals("REFUSE version mismatch: source 1, destination 2", src.readAnswer());
        });
        assertFailed(r, "version mismatch: source 1, destination 2");
    }

    @Test
    void blockSizeBeyondTheLimitIsRefusedBeforeAllocating() throws Exception {
        MigrationParameters p = params("none");
        MigrationResult r = feed(p, (src, port) -> {
            src.sendMain(FakeSource.handshake(Wire.VERSION, p, "ram0", 1L << 40));
            assertTrue(src.readAnswer().startsWith("REFUSE block ram0"));
        });
        assertFailed(r, "block ram0: size 1099511627776 brings the guest beyond max-guest-size 67108864");
    }

    @Test
    void negativeBlockSizeIsRefused() throws Exception {
        MigrationParameters p = params("none");
        MigrationResult r = feed(p, (src, port) -> {
            src.sendMain(FakeSource.handshake(Wire.VERSION, p, "ram0", -4096L));
            src.readAnswer();
        });
        assertFailed(r, "block ram0: size 18446744073709547520 is not a positive multiple of the page size 4096");
    }

    @Test
    void blockCountBeyondTheLimitIsRefused() throws Exception {
        MigrationParameters p = params("none");
        MigrationResult r = feed(p, (src, port) -> {
            MessageWriter w = FakeSource.handshake(Wire.VERSION, p);
            byte[] b = w.toBytes();
            // patch the block count (the last u32) to 2^31
            b[b.length - 4] = (byte) 0x80;
            src.send(src.main, b);
        });
        assertFailed(r, "block count 2147483648 outside 1..4096");
    }

    @Test
    void wrongPacketMagic() throws Exception {
        MigrationParameters p = params("none");
        MigrationResult r = feed(p, (src, port) -> {
            setUp(src, port, p);
            src.sendData(FakeSource.header(0xDEADBEEF, Wire.VERSION, Wire.PACKET_DATA, 0, 0, 0, 1, 0, PAGE));
        });
        assertFailed(r, "channel 0, packet 0: wrong magic 0xdeadbeef");
    }

    @Test
    void newerPacketVersion() throws Exception {
        MigrationParameters p = params("none");
        MigrationResult r = feed(p, (src, port) -> {
            setUp(src, port, p);
            src.sendData(FakeSource.header(Wire.MAGIC_PACKET, 3, Wire.PACKET_DATA, 0, 0, 0, 1, 0, PAGE));
        });
        assertFailed(r, "channel 0, packet 0: version mismatch: source 3, destination 2");
    }

    @Test
    void pageCountAbovePacketPages() throws Exception {
        MigrationParameters p = params("none");
        MigrationResult r = feed(p, (src, port) -> {
            setUp(src, port, p);
            src.sendData(FakeSource.header(Wire.PACKET_DATA, 0, 0, 0, 0x7FFF_FFFFL, 0, 0));
        });
        assertFailed(r, "channel 0, packet 0: page count 2147483647 + 0 outside 1..packet-pages (16)");
    }

    @Test
    void rawPayloadLongerThanItsPages() throws Exception {
        MigrationParameters p = params("none");
        MigrationResult r = feed(p, (src, port) -> {
            setUp(src, port, p);
            src.sendData(FakeSource.header(Wire.PACKET_DATA, 0, 0, 0, 1, 0, 1L << 31));
        });
        assertFailed(r, "channel 0, packet 0: payload length 2147483648 for 1 raw pages (expected 4096)");
    }

    @Test
    void methodPayloadAboveMaxPayloadSizeFailsWithoutAllocating() throws Exception {
        MigrationParameters p = params(XorMethod.NAME);
        MigrationResult r = feed(p, (src, port) -> {
            setUp(src, port, p);
            src.sendData(FakeSource.header(Wire.PACKET_DATA, 0, 0, 0, 1, 0, 1L << 31));
        });
        assertFailed(r, "channel 0, packet 0: payload length 2147483648 exceeds the limit 4100 for 1 pages of method test-xor");
    }

    @Test
    void offsetBeyondTheBlock() throws Exception {
        MigrationParameters p = params("none");
        MigrationResult r = feed(p, (src, port) -> {
            setUp(src, port, p);
            src.sendData(FakeSource.header(Wire.PACKET_DATA, 0, 0, 0, 0, 1, 0).u64(RAM0));
        });
        assertFailed(r, "channel 0, packet 0: page offset 0x100000 beyond block ram0 (size 1048576)");
    }

    @Test
    void offsetNotPageAligned() throws Exception {
        MigrationParameters p = params("none");
        MigrationResult r = feed(p, (src, port) -> {
            setUp(src, port, p);
            src.sendData(FakeSource.header(Wire.PACKET_DATA, 0, 0, 0, 0, 1, 0).u64(100));
        });
        assertFailed(r, "channel 0, packet 0: page offset 0x64 in block ram0 is not page aligned");
    }

    @Test
    void blockIndexBeyondTheBlocks() throws Exception {
        MigrationParameters p = params("none");
        MigrationResult r = feed(p, (src, port) -> {
            setUp(src, port, p);
            src.sendData(FakeSource.header(Wire.PACKET_DATA, 0, 0, 7, 0, 1, 0).u64(0));
        });
        assertFailed(r, "channel 0, packet 0: block index 7 beyond the 1 blocks");
    }

    @Test
    void duplicatePageInOnePacket() throws Exception {
        MigrationParameters p = params("none");
        MigrationResult r = feed(p, (src, port) -> {
            setUp(src, port, p);
            src.sendData(FakeSource.header(Wire.PACKET_DATA, 0, 0, 0, 0, 2, 0).u64(8192).u64(8192));
        });
        assertFailed(r, "channel 0, packet 0: page offset 0x2000 of block ram0 sent twice in round 0");
    }

    @Test
    void duplicatePageInTwoPacketsOfOneRound() throws Exception {
        MigrationParameters p = params("none");
        MigrationResult r = feed(p, (src, port) -> {
            setUp(src, port, p);
            src.sendData(FakeSource.header(Wire.PACKET_DATA, 0, 0, 0, 0, 1, 0).u64(8192));
            src.sendData(FakeSource.header(Wire.PACKET_DATA, 1, 0, 0, 0, 1, 0).u64(8192));
        });
        assertFailed(r, "channel 0, packet 1: page offset 0x2000 of block ram0 sent twice in round 0");
    }

    /** A FREE range is claimed a word at a time: a page of it that came before in the round is still found. */
    @Test
    void freeRangeOverAPageOfTheRound() throws Exception {
        MigrationParameters p = params("none");
        MigrationResult r = feed(p, (src, port) -> {
            setUp(src, port, p);
            src.sendData(FakeSource.header(Wire.PACKET_DATA, 0, 0, 0, 0, 1, 0).u64(70 * PAGE)); // a zero page
            src.sendData(FakeSource.header(Wire.PACKET_FREE, 1, 0, 0, 0, 0, 16).u64(60 * PAGE).u64(20));
        });
        assertFailed(r, "channel 0, packet 1: page offset 0x46000 of block ram0 sent twice in round 0");
    }

    @Test
    void twoFreeRangesOverlapping() throws Exception {
        MigrationParameters p = params("none");
        MigrationResult r = feed(p, (src, port) -> {
            setUp(src, port, p);
            src.sendData(FakeSource.header(Wire.PACKET_FREE, 0, 0, 0, 0, 0, 32)
                    .u64(0).u64(130).u64(129 * PAGE).u64(3));
        });
        assertFailed(r, "channel 0, packet 0: page offset 0x81000 of block ram0 sent twice in round 0");
    }

    @Test
    void wrongSequenceNumber() throws Exception {
        MigrationParameters p = params("none");
        MigrationResult r = feed(p, (src, port) -> {
            setUp(src, port, p);
            src.sendData(FakeSource.header(Wire.PACKET_DATA, 5, 0, 0, 0, 1, 0).u64(0));
        });
        assertFailed(r, "channel 0, packet 0: sequence number 5 (expected 0)");
    }

    @Test
    void truncatedPacket() throws Exception {
        MigrationParameters p = params("none");
        MigrationResult r = feed(p, (src, port) -> {
            setUp(src, port, p);
            MessageWriter w = FakeSource.header(Wire.PACKET_DATA, 0, 0, 0, 2, 0, 2 * PAGE).u64(0).u64(PAGE);
            for (int i = 0; i < 5000; i++) {
                w.u8(0x55);
            }
            src.sendData(w);
            src.data.close();
        });
        assertFailed(r, "channel 0, packet 0: connection closed by the peer after 5000 of 8192 bytes of the payload");
    }

    @Test
    void corruptPageStream() throws Exception {
        MigrationParameters p = params(XorMethod.NAME);
        MigrationResult r = feed(p, (src, port) -> {
            setUp(src, port, p);
            MessageWriter w = FakeSource.header(Wire.PACKET_DATA, 0, 0, 0, 1, 0, PAGE + 4).u64(0).u32(0x12345678);
            for (int i = 0; i < PAGE; i++) {
                w.u8(i);
            }
            src.sendData(w);
            assertTrue(src.readMessage().startsWith("ERROR channel 0, packet 0: page 0 of packet: CRC mismatch"));
        });
        assertFailed(r, "channel 0, packet 0: page 0 of packet: CRC mismatch");
    }

    @Test
    void syncForTheWrongRound() throws Exception {
        MigrationParameters p = params("none");
        MigrationResult r = feed(p, (src, port) -> {
            setUp(src, port, p);
            src.sendData(FakeSource.header(Wire.PACKET_SYNC, 0, 3, 0, 0, 0, 0));
        });
        assertFailed(r, "channel 0, packet 0: SYNC for round 3 while receiving round 0");
    }

    /**
     * Positive control for the validators above: a correct hand-made stream that sends the same page in two
     * rounds (allowed: a SYNC separates them) and a zero page completes, and the newer copy wins.
     */
    @Test
    void aCorrectHandMadeStreamCompletesAndTheNewerCopyWins() throws Exception {
        MigrationParameters p = params("none");
        byte[] older = new byte[PAGE];
        byte[] newer = new byte[PAGE];
        java.util.Arrays.fill(older, (byte) 1);
        java.util.Arrays.fill(newer, (byte) 2);
        byte[] expected = new byte[(int) RAM0];
        System.arraycopy(newer, 0, expected, 8192, PAGE);
        CRC32C crc = new CRC32C();
        crc.update(expected);
        long checksum = crc.getValue();
        String[] verdict = new String[2];
        MigrationResult r = feed(p, (src, port) -> {
            setUp(src, port, p);
            MessageWriter w = FakeSource.header(Wire.PACKET_DATA, 0, 0, 0, 1, 1, PAGE).u64(8192).u64(0);
            for (byte b : older) {
                w.u8(b);
            }
            src.sendData(w);
            src.sendData(FakeSource.header(Wire.PACKET_SYNC, 1, 0, 0, 0, 0, 0));
            MessageWriter w2 = FakeSource.header(Wire.PACKET_DATA, 2, 1, 0, 1, 0, PAGE).u64(8192);
            for (byte b : newer) {
                w2.u8(b);
            }
            src.sendData(w2);
            src.sendData(FakeSource.header(Wire.PACKET_SYNC, 3, 1, 0, 0, 0, 0));
            src.sendData(FakeSource.header(Wire.PACKET_END, 4, 2, 0, 0, 0, 0));
            src.sendMain(new MessageWriter().u8(Wire.MSG_COMPLETE).u64(2).u32(1).u64(checksum));
            verdict[0] = src.readMessage();
            src.sendMain(new MessageWriter().u8(Wire.MSG_MEMORY_CHECKED).u8(1).str("memory matches"));
            verdict[1] = src.readMessage();
        });
        assertEquals(MigrationStatus.COMPLETED, r.status(), r.error());
        assertEquals("VERDICT 1 checksums match", verdict[0]);
        assertEquals("MEMORY_CHECKED 1 memory matches", verdict[1]);
        assertEquals(2, r.ram().normalPages());
        assertEquals(1, r.ram().zeroPages());
    }

    @Test
    void checksumMismatchFails() throws Exception {
        MigrationParameters p = params("none");
        String[] verdict = new String[1];
        MigrationResult r = feed(p, (src, port) -> {
            setUp(src, port, p);
            src.sendData(FakeSource.header(Wire.PACKET_END, 0, 0, 0, 0, 0, 0));
            src.sendMain(new MessageWriter().u8(Wire.MSG_COMPLETE).u64(0).u32(1).u64(0xABCDEF));
            verdict[0] = src.readMessage();
        });
        assertFailed(r, "checksum mismatch: block ram0: source 0x00abcdef");
        assertTrue(verdict[0].startsWith("VERDICT 0 block ram0: source 0x00abcdef"), verdict[0]);
        assertTrue(!r.checksumMatch());
    }
}
