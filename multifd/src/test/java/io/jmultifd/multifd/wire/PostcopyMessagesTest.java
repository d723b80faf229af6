package io.jmultifd.multifd.wire;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The postcopy messages: layout, round trip, and every limit checked before anything is used. */
class PostcopyMessagesTest {
    private static final long[] BLOCK_PAGES = {256, 16};
    private static final long[] BLOCK_SIZES = {256 * 4096, 16 * 4096};

    private static SourceMessage readSource(byte[] bytes) throws IOException {
        return SourceMessage.read(new MessageReader(new ByteConnection(bytes)), BLOCK_PAGES);
    }

    private static DestinationMessage readDestination(byte[] bytes) throws IOException {
        return DestinationMessage.read(new MessageReader(new ByteConnection(bytes)), BLOCK_SIZES, 4096);
    }

    @Test
    void discardLayoutAndRoundTrip() throws IOException {
        PostcopyDiscard d = new PostcopyDiscard(1, new long[] {0, 5}, new long[] {2, 11});
        byte[] expected = ByteBuffer.allocate(1 + 4 + 4 + 4 * 8).put((byte) 8).putInt(1).putInt(2)
                .putLong(0).putLong(2).putLong(5).putLong(11).array();
        assertArrayEquals(expected, d.toBytes());
        assertEquals(d, readSource(d.toBytes()));
    }

    @Test
    void discardLimits() {
        String[] bad = {
            "postcopy discard: block index 2 of 2 blocks",
            "postcopy discard: range count 0 outside 1..65536",
            "postcopy discard: range count 65537 outside 1..65536",
            "postcopy discard: range 16+1 of block 1 (16 pages) is out of order or beyond it",
            "postcopy discard: range 10+7 of block 1 (16 pages) is out of order or beyond it",
            "postcopy discard: range 3+0 of block 1 (16 pages) is out of order or beyond it",
            "postcopy discard: range 4+1 of block 1 (16 pages) is out of order or beyond it",
        };
        byte[][] bytes = {
            new MessageWriter().u8(8).u32(2).u32(1).u64(0).u64(1).toBytes(),
            new MessageWriter().u8(8).u32(1).u32(0).toBytes(),
            new MessageWriter().u8(8).u32(1).u32(65537).toBytes(), // rejected before any range is read
            new MessageWriter().u8(8).u32(1).u32(1).u64(16).u64(1).toBytes(),
            new MessageWriter().u8(8).u32(1).u32(1).u64(10).u64(7).toBytes(),
            new MessageWriter().u8(8).u32(1).u32(1).u64(3).u64(0).toBytes(),
            new MessageWriter().u8(8).u32(1).u32(2).u64(3).u64(2).u64(4).u64(1).toBytes(), // overlaps
        };
        for (int i = 0; i < bad.length; i++) {
            byte[] b = bytes[i];
            assertEquals(bad[i], assertThrows(WireException.class, () -> readSource(b)).getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new PostcopyDiscard(0, new long[0], new long[0]));
    }

    @Test
    void runLayoutRoundTripAndLimit() throws IOException {
        PostcopyRun r = new PostcopyRun(3, 64_000_000, -5);
        byte[] expected = ByteBuffer.allocate(25).put((byte) 9).putLong(3).putLong(64_000_000).putLong(-5).array();
        assertArrayEquals(expected, r.toBytes());
        assertEquals(r, readSource(r.toBytes()));
        byte[] tooFast = new MessageWriter().u8(9).u64(3).u64((1L << 40) + 1).u64(0).toBytes();
        assertEquals("postcopy run: round 3 or workload rate 1099511627777 beyond its limit",
                assertThrows(WireException.class, () -> readSource(tooFast)).getMessage());
    }

    @Test
    void postcopyMessagesAreUnexpectedWithoutPostcopy() {
        byte[] run = new PostcopyRun(0, 0, 0).toBytes();
        assertEquals("main channel: unexpected message type 9 (a postcopy message while postcopy-ram=off)",
                assertThrows(WireException.class,
                        () -> SourceMessage.read(new MessageReader(new ByteConnection(run)), 2)).getMessage());
        byte[] request = new PageRequest(0, 4096).toBytes();
        assertEquals("destination message: unexpected type 10", assertThrows(WireException.class,
                () -> DestinationMessage.read(new MessageReader(new ByteConnection(request)))).getMessage());
    }

    @Test
    void pageRequestLayoutRoundTripAndLimits() throws IOException {
        PageRequest p = new PageRequest(1, 15 * 4096);
        assertArrayEquals(ByteBuffer.allocate(13).put((byte) 10).putInt(1).putLong(15 * 4096).array(), p.toBytes());
        assertEquals(p, readDestination(p.toBytes()));
        for (PageRequest bad : new PageRequest[] {new PageRequest(2, 0), new PageRequest(1, 16 * 4096),
                new PageRequest(0, 100), new PageRequest(0, -4096)}) {
            WireException e = assertThrows(WireException.class, () -> readDestination(bad.toBytes()));
            assertEquals(String.format("page request: offset 0x%x of block %d is not a page of the guest",
                    bad.offset(), bad.block()), e.getMessage());
        }
        assertInstanceOf(PostcopyRunning.class, readDestination(new PostcopyRunning().toBytes()));
        assertArrayEquals(new byte[] {11}, new PostcopyRunning().toBytes());
    }

    @Test
    void urgentPageHeaderLayoutRoundTripAndLimits() throws WireException {
        ByteBuffer b = ByteBuffer.allocate(UrgentPage.SIZE);
        new UrgentPage(UrgentPage.PAGE, 1, 4096).encode(b);
        assertArrayEquals(ByteBuffer.allocate(13).put((byte) 1).putInt(1).putLong(4096).array(), b.array());
        assertEquals(new UrgentPage(UrgentPage.PAGE, 1, 4096), UrgentPage.decode(b.flip(), BLOCK_SIZES, 4096));
        assertEquals(new UrgentPage(UrgentPage.END, 0, 0),
                UrgentPage.decode(ByteBuffer.allocate(13).put((byte) 2).putInt(0).putLong(0).flip(), BLOCK_SIZES, 4096));
        String[] bad = {"preempt channel: unknown message type 3",
                "preempt channel: offset 0x10000 of block 1 is not a page of the guest",
                "preempt channel: offset 0x1 of block 0 is not a page of the guest",
                "preempt channel: END with block 1, offset 0"};
        ByteBuffer[] headers = {
            ByteBuffer.allocate(13).put((byte) 3).putInt(0).putLong(0).flip(),
            ByteBuffer.allocate(13).put((byte) 1).putInt(1).putLong(16 * 4096).flip(),
            ByteBuffer.allocate(13).put((byte) 1).putInt(0).putLong(1).flip(),
            ByteBuffer.allocate(13).put((byte) 2).putInt(1).putLong(0).flip(),
        };
        for (int i = 0; i < bad.length; i++) {
            ByteBuffer h = headers[i];
            assertEquals(bad[i], assertThrows(WireException.class, () -> UrgentPage.decode(h, BLOCK_SIZES, 4096)).getMessage());
        }
    }
}
