package io.jmultifd.multifd.wire;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** FREE packets: header limits and range checks, each refused before anything is applied. */
class FreeRangesTest {
    @Test
    void headerRoundTripAndLimits() throws WireException {
        PacketHeader h = PacketHeader.free(3, 1, 2, 5);
        ByteBuffer b = ByteBuffer.allocateDirect(PacketHeader.SIZE);
        PacketHeader back = PacketHeader.decode(h.encode(b));
        assertEquals(h, back);
        assertEquals(5, back.checkFree(3, 16));
        assertEquals("block index 2 beyond the 2 blocks", assertThrows(WireException.class, () -> back.checkFree(2, 16)).getMessage());
        assertEquals("FREE payload length 80 is not 1..4 ranges of 16 bytes",
                assertThrows(WireException.class, () -> back.checkFree(3, 4)).getMessage());
        PacketHeader odd = new PacketHeader(Wire.PACKET_FREE, 0, 0, 0, 0, 0, 17);
        assertThrows(WireException.class, () -> odd.checkFree(1, 16));
        PacketHeader none = new PacketHeader(Wire.PACKET_FREE, 0, 0, 0, 0, 0, 0);
        assertThrows(WireException.class, () -> none.checkFree(1, 16));
        PacketHeader withPages = new PacketHeader(Wire.PACKET_FREE, 0, 0, 0, 1, 0, 16);
        assertEquals("FREE packet with page offsets", assertThrows(WireException.class, () -> withPages.checkFree(1, 16)).getMessage());
        assertEquals("FREE", Wire.typeName(Wire.PACKET_FREE));
    }

    @Test
    void rangesAreCheckedAgainstTheBlock() throws WireException {
        FreeRanges sent = new FreeRanges(4);
        sent.add(8192, 2);
        sent.add(4096, 1);
        sent.add(4097, 1);
        sent.add(12288, 2);
        ByteBuffer bytes = sent.flip();
        FreeRanges read = new FreeRanges(4);
        read.expect(4).put(bytes);
        long size = 4 * 4096;
        assertEquals(2, read.firstPage(0, "b", size, 4096));
        assertEquals(2, read.pages(0));
        assertEquals(1, read.firstPage(1, "b", size, 4096));
        assertEquals("free range at offset 0x1001 is not a page of block b (size 16384)",
                assertThrows(WireException.class, () -> read.firstPage(2, "b", size, 4096)).getMessage());
        assertEquals("free range at offset 0x3000 of block b: 2 pages run beyond it",
                assertThrows(WireException.class, () -> read.firstPage(3, "b", size, 4096)).getMessage());
    }
}
