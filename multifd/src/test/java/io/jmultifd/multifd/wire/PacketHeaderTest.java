package io.jmultifd.multifd.wire;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The data-channel packet header: layout, round trip, and each check with its limit. */
class PacketHeaderTest {

    static ByteBuffer raw(int magic, int version, int type, long seq, long round, int block, int normal, int zero, long payload) {
        return ByteBuffer.allocate(44).putInt(magic).putShort((short) version).putShort((short) type).putLong(seq)
                .putLong(round).putInt(block).putInt(normal).putInt(zero).putLong(payload).flip();
    }

    static String error(org.junit.jupiter.api.function.Executable e) {
        return assertThrows(WireException.class, e).getMessage();
    }

    @Test
    void encodesTheDocumentedLayout() {
        assertEquals(44, PacketHeader.SIZE);
        ByteBuffer b = PacketHeader.data(5, 3, 1, 2, 1, 8192).encode(ByteBuffer.allocate(44));
        assertEquals(raw(Wire.MAGIC_PACKET, 2, Wire.PACKET_DATA, 5, 3, 1, 2, 1, 8192), b);
        assertEquals(0, b.position(), "flipped, ready to write");
    }

    @Test
    void roundTrip() throws WireException {
        ByteBuffer buf = ByteBuffer.allocate(PacketHeader.SIZE);
        for (PacketHeader h : new PacketHeader[] {
                PacketHeader.data(0, 0, 0, 128, 0, 128 * 4096),
                PacketHeader.marker(Wire.PACKET_SYNC, 9, 2),
                PacketHeader.marker(Wire.PACKET_END, 10, 3)}) {
            assertEquals(h, PacketHeader.decode(h.encode(buf)));
        }
    }

    @Test
    void u32FieldsDecodeUnsigned() throws WireException {
        PacketHeader h = PacketHeader.decode(raw(Wire.MAGIC_PACKET, 2, Wire.PACKET_DATA, 0, 0, -1, 0x8000_0000, -1, 0));
        assertEquals(0xFFFF_FFFFL, h.block());
        assertEquals(0x8000_0000L, h.normalPages());
        assertEquals(0xFFFF_FFFFL + 0x8000_0000L, h.pageCount());
    }

    @Test
    void wrongMagicAndVersion() {
        assertEquals("wrong magic 0xdeadbeef (expected 0x4d464450)",
                error(() -> PacketHeader.decode(raw(0xDEADBEEF, 1, 1, 0, 0, 0, 1, 0, 0))));
        assertEquals("version mismatch: source 1, destination 2",
                error(() -> PacketHeader.decode(raw(Wire.MAGIC_PACKET, 1, 1, 0, 0, 0, 1, 0, 0))));
    }

    @Test
    void sequenceAndRound() {
        PacketHeader h = PacketHeader.data(5, 3, 0, 1, 0, 0);
        assertDoesNotThrow(() -> h.checkOrder(5, 3));
        assertEquals("sequence number 5 (expected 4)", error(() -> h.checkOrder(4, 3)));
        assertEquals("DATA for round 3 while receiving round 2", error(() -> h.checkOrder(5, 2)));
        assertEquals("sequence number 18446744073709551615 (expected 0)",
                error(() -> PacketHeader.marker(Wire.PACKET_SYNC, -1, 0).checkOrder(0, 0)));
        assertEquals("unknown type 9 for round 1 while receiving round 0",
                error(() -> new PacketHeader(9, 0, 1, 0, 0, 0, 0).checkOrder(0, 0)));
    }

    @Test
    void markersCarryNothing() {
        assertDoesNotThrow(() -> PacketHeader.marker(Wire.PACKET_END, 0, 0).checkMarker());
        assertEquals("SYNC packet with pages or payload", error(() -> new PacketHeader(Wire.PACKET_SYNC, 0, 0, 1, 0, 0, 0).checkMarker()));
        assertEquals("END packet with pages or payload", error(() -> new PacketHeader(Wire.PACKET_END, 0, 0, 0, 1, 0, 0).checkMarker()));
        assertEquals("SYNC packet with pages or payload", error(() -> new PacketHeader(Wire.PACKET_SYNC, 0, 0, 0, 0, 1, 0).checkMarker()));
        assertEquals("SYNC packet with pages or payload", error(() -> new PacketHeader(Wire.PACKET_SYNC, 0, 0, 0, 0, 0, 1).checkMarker()));
    }

    @Test
    void dataNamesABlockAndCarriesOneToPacketPagesPages() {
        assertDoesNotThrow(() -> PacketHeader.data(0, 0, 1, 16, 0, 0).checkData(2, 16));
        assertDoesNotThrow(() -> PacketHeader.data(0, 0, 0, 0, 1, 0).checkData(1, 16));
        assertEquals("block index 2 beyond the 2 blocks", error(() -> PacketHeader.data(0, 0, 2, 1, 0, 0).checkData(2, 16)));
        assertEquals("page count 0 + 0 outside 1..packet-pages (16)", error(() -> PacketHeader.data(0, 0, 0, 0, 0, 0).checkData(1, 16)));
        assertEquals("page count 10 + 7 outside 1..packet-pages (16)", error(() -> PacketHeader.data(0, 0, 0, 10, 7, 0).checkData(1, 16)));
        assertEquals("page count 4294967295 + 4294967295 outside 1..packet-pages (16)",
                error(() -> new PacketHeader(Wire.PACKET_DATA, 0, 0, 0, 0xFFFF_FFFFL, 0xFFFF_FFFFL, 0).checkData(1, 16)));
    }

    @Test
    void rawPayloadIsExactlyTheNormalPages() {
        assertDoesNotThrow(() -> PacketHeader.data(0, 0, 0, 2, 1, 8192).checkRawPayload(4096));
        assertEquals("payload length 8191 for 2 raw pages (expected 8192)",
                error(() -> PacketHeader.data(0, 0, 0, 2, 1, 8191).checkRawPayload(4096)));
        assertEquals("payload length 18446744073709551615 for 1 raw pages (expected 4096)",
                error(() -> PacketHeader.data(0, 0, 0, 1, 0, -1).checkRawPayload(4096)));
    }

    @Test
    void methodPayloadWithinTheLimitAndTheBuffer() {
        assertDoesNotThrow(() -> PacketHeader.data(0, 0, 0, 1, 0, 4100).checkPayload(4100, 4100, "m"));
        assertEquals("payload length 4101 exceeds the limit 4100 for 1 pages of method m",
                error(() -> PacketHeader.data(0, 0, 0, 1, 0, 4101).checkPayload(4100, 8192, "m")));
        assertEquals("payload length 4100 exceeds the limit 4100 for 1 pages of method m",
                error(() -> PacketHeader.data(0, 0, 0, 1, 0, 4100).checkPayload(4100, 4099, "m")));
        assertEquals("payload length 9223372036854775808 exceeds the limit 4100 for 1 pages of method m",
                error(() -> PacketHeader.data(0, 0, 0, 1, 0, Long.MIN_VALUE).checkPayload(4100, 8192, "m")));
    }

    @Test
    void pageOffsetsRoundTripAndStayInsideTheBlock() throws WireException {
        PageOffsets out = new PageOffsets(4);
        out.clear();
        out.add(0);
        out.add(8192);
        ByteBuffer bytes = out.flip();
        assertEquals(16, bytes.remaining());
        PageOffsets in = new PageOffsets(4);
        in.expect(2).put(bytes);
        assertEquals(0, in.page(0, "ram0", 12288, 4096));
        assertEquals(8192, in.page(1, "ram0", 12288, 4096));

        PageOffsets bad = new PageOffsets(3);
        bad.expect(3).putLong(12288).putLong(100).putLong(-4096);
        assertEquals("page offset 0x3000 beyond block ram0 (size 12288)", error(() -> bad.page(0, "ram0", 12288, 4096)));
        assertEquals("page offset 0x64 in block ram0 is not page aligned (4096)", error(() -> bad.page(1, "ram0", 12288, 4096)));
        assertEquals("page offset 0xfffffffffffff000 beyond block ram0 (size 12288)", error(() -> bad.page(2, "ram0", 12288, 4096)));
    }

    @Test
    void pageOffsetsBufferHoldsPacketPages() {
        PageOffsets o = new PageOffsets(2);
        assertEquals(16, o.expect(2).remaining());
        assertThrows(IllegalArgumentException.class, () -> o.expect(3), "no more than packet-pages offsets");
    }

    @Test
    void typeNames() {
        assertArrayEquals(new String[] {"DATA", "SYNC", "END", "unknown type 0"},
                new String[] {Wire.typeName(1), Wire.typeName(2), Wire.typeName(3), Wire.typeName(0)});
    }
}
