package io.jmultifd.multifd.wire;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The messages of a postcopy resume: layout, round trip, and every limit checked before anything is used. */
class ResumeMessagesTest {

    private static MainHello hello(byte[] bytes) throws WireException {
        return (MainHello) Hello.decode(ByteBuffer.wrap(bytes, 0, MainHello.SIZE).slice());
    }

    @Test
    void resumeLayoutAndRoundTrip() throws IOException {
        byte[] bytes = new PostcopyResume(0x0102030405060708L).toBytes();
        byte[] expected = ByteBuffer.allocate(MainHello.SIZE + 1).putInt(0x4A4D4644).putShort((short) 2)
                .putLong(0x0102030405060708L).put((byte) 13).array();
        assertArrayEquals(expected, bytes);
        MessageReader r = ByteConnection.reader(Arrays.copyOfRange(bytes, MainHello.SIZE, bytes.length));
        assertEquals(new PostcopyResume(0x0102030405060708L), PostcopyResume.decode(hello(bytes), r));
    }

    @Test
    void aPausedDestinationRefusesANewMigrationAnotherVersionOrAnotherMessage() throws IOException {
        byte[] handshake = new MessageWriter().u8(Wire.MSG_HANDSHAKE).toBytes();
        assertEquals("the destination is in postcopy-paused: it takes only the resume of the migration it holds, "
                + "not a new one", assertThrows(Refusal.class, () -> PostcopyResume.decode(new MainHello(2, 7),
                ByteConnection.reader(handshake))).getMessage());
        assertEquals("the destination is in postcopy-paused: expected a resume, got message type 99",
                assertThrows(Refusal.class, () -> PostcopyResume.decode(new MainHello(2, 7),
                        ByteConnection.reader(new byte[] {99}))).getMessage());
        assertEquals("version mismatch: source 1, destination 2", assertThrows(Refusal.class,
                () -> PostcopyResume.decode(new MainHello(1, 7), ByteConnection.reader(new byte[] {13}))).getMessage());
    }

    @Test
    void bitmapLayoutAndRoundTripOverSeveralMessages() throws IOException {
        long[] pages = {64L * ReceivedBitmap.MAX_WORDS + 70, 3};
        long[][] bits = {new long[ReceivedBitmap.MAX_WORDS + 2], {0b101}};
        bits[0][0] = 0x8000_0000_0000_0001L;
        bits[0][ReceivedBitmap.MAX_WORDS] = -1L;
        bits[0][ReceivedBitmap.MAX_WORDS + 1] = 0x3F; // pages 64*MAX_WORDS+64 .. +69, the block's last
        ByteConnection out = new ByteConnection(new byte[0]);
        ReceivedBitmap.sendAll(out, bits);
        byte[] sent = out.written();
        // three messages: MAX_WORDS words and 2 words of block 0, one word of block 1
        assertEquals(3 * (1 + 4 + 8 + 4) + 8L * (ReceivedBitmap.MAX_WORDS + 2 + 1), sent.length);
        byte[] last = Arrays.copyOfRange(sent, sent.length - 25, sent.length);
        assertArrayEquals(ByteBuffer.allocate(25).put((byte) 14).putInt(1).putLong(0).putInt(1).putLong(0b101).array(),
                last);
        long[][] read = ReceivedBitmap.readAll(ByteConnection.reader(sent), pages);
        assertEquals(2, read.length);
        assertArrayEquals(bits[0], read[0]);
        assertArrayEquals(bits[1], read[1]);
    }

    @Test
    void bitmapLimits() {
        long[] pages = {130, 3}; // 3 words, 1 word
        String[] bad = {
            "received bitmap: unexpected message type 11",
            "received bitmap: words 0+1 of block 1, expected words from 0 of block 0 (3 words, at most 8192 a message)",
            "received bitmap: words 1+1 of block 0, expected words from 0 of block 0 (3 words, at most 8192 a message)",
            "received bitmap: words 0+0 of block 0, expected words from 0 of block 0 (3 words, at most 8192 a message)",
            "received bitmap: words 0+4 of block 0, expected words from 0 of block 0 (3 words, at most 8192 a message)",
            "received bitmap: words 0+4294967295 of block 0, expected words from 0 of block 0 (3 words, at most 8192 a "
                    + "message)",
            "received bitmap: words 2+1 of block 0, expected words from 1 of block 0 (3 words, at most 8192 a message)",
            "received bitmap: bits beyond the last page of block 0 (130 pages)",
        };
        byte[][] bytes = {
            new MessageWriter().u8(11).toBytes(),
            new MessageWriter().u8(14).u32(1).u64(0).u32(1).u64(0).toBytes(),
            new MessageWriter().u8(14).u32(0).u64(1).u32(1).u64(0).toBytes(),
            new MessageWriter().u8(14).u32(0).u64(0).u32(0).toBytes(),
            new MessageWriter().u8(14).u32(0).u64(0).u32(4).toBytes(), // rejected before any word is read
            new MessageWriter().u8(14).u32(0).u64(0).u32(0xFFFF_FFFFL).toBytes(),
            new MessageWriter().u8(14).u32(0).u64(0).u32(1).u64(0).u8(14).u32(0).u64(2).u32(1).u64(0).toBytes(),
            new MessageWriter().u8(14).u32(0).u64(0).u32(3).u64(0).u64(0).u64(0b100).toBytes(),
        };
        for (int i = 0; i < bad.length; i++) {
            byte[] b = bytes[i];
            assertEquals(bad[i], assertThrows(WireException.class,
                    () -> ReceivedBitmap.readAll(ByteConnection.reader(b), pages)).getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new ReceivedBitmap(0, 0, new long[0]));
        assertThrows(IllegalArgumentException.class, () -> new ReceivedBitmap(0, 0, new long[ReceivedBitmap.MAX_WORDS + 1]));
    }

    @Test
    void resumeStateLayoutRoundTripAndLimits() throws IOException {
        assertArrayEquals(new byte[] {15, 1}, new ResumeState(true).toBytes());
        assertArrayEquals(new byte[] {15, 0}, new ResumeState(false).toBytes());
        assertEquals(new ResumeState(true), ResumeState.read(ByteConnection.reader(new byte[] {15, 1})));
        assertEquals(new ResumeState(false), ResumeState.read(ByteConnection.reader(new byte[] {15, 0})));
        assertEquals("resume: expected the destination's resume state, got message type 14", assertThrows(
                WireException.class, () -> ResumeState.read(ByteConnection.reader(new byte[] {14, 1}))).getMessage());
        assertEquals("resume state: running code 2 is neither 0 (no) nor 1 (yes)", assertThrows(WireException.class,
                () -> ResumeState.read(ByteConnection.reader(new byte[] {15, 2}))).getMessage());
    }

    @Test
    void heldDigestsLayoutAndRoundTripOverSeveralMessages() throws IOException {
        long[] pages = {HeldPageDigests.MAX_PAGES + 2, 1};
        int[][] digests = {new int[HeldPageDigests.MAX_PAGES + 2], {0x89ABCDEF}};
        for (int i = 0; i < digests[0].length; i++) {
            digests[0][i] = i * 0x9E3779B9;
        }
        ByteConnection out = new ByteConnection(new byte[0]);
        HeldPageDigests.sendAll(out, digests);
        byte[] sent = out.written();
        // three messages: MAX_PAGES and 2 digests of block 0, one of block 1
        assertEquals(3 * (1 + 4 + 8 + 4) + 4L * (HeldPageDigests.MAX_PAGES + 2 + 1), sent.length);
        byte[] last = Arrays.copyOfRange(sent, sent.length - 21, sent.length);
        assertArrayEquals(ByteBuffer.allocate(21).put((byte) 16).putInt(1).putLong(0).putInt(1).putInt(0x89ABCDEF)
                .array(), last);
        int[][] read = HeldPageDigests.readAll(ByteConnection.reader(sent), pages);
        assertArrayEquals(digests[0], read[0]);
        assertArrayEquals(digests[1], read[1]);
    }

    @Test
    void heldDigestsLimits() {
        long[] pages = {3, 1};
        String[] bad = {
            "held page digests: unexpected message type 14",
            "held page digests: pages 0+1 of block 1, expected pages from 0 of block 0 (3 pages, at most 16384 a message)",
            "held page digests: pages 1+1 of block 0, expected pages from 0 of block 0 (3 pages, at most 16384 a message)",
            "held page digests: pages 0+0 of block 0, expected pages from 0 of block 0 (3 pages, at most 16384 a message)",
            "held page digests: pages 0+4 of block 0, expected pages from 0 of block 0 (3 pages, at most 16384 a message)",
            "held page digests: pages 0+4294967295 of block 0, expected pages from 0 of block 0 (3 pages, at most 16384 "
                    + "a message)",
            "held page digests: pages 2+1 of block 0, expected pages from 1 of block 0 (3 pages, at most 16384 a message)",
        };
        byte[][] bytes = {
            new MessageWriter().u8(14).toBytes(),
            new MessageWriter().u8(16).u32(1).u64(0).u32(1).u32(0).toBytes(),
            new MessageWriter().u8(16).u32(0).u64(1).u32(1).u32(0).toBytes(),
            new MessageWriter().u8(16).u32(0).u64(0).u32(0).toBytes(),
            new MessageWriter().u8(16).u32(0).u64(0).u32(4).toBytes(), // rejected before any digest is read
            new MessageWriter().u8(16).u32(0).u64(0).u32(0xFFFF_FFFFL).toBytes(),
            new MessageWriter().u8(16).u32(0).u64(0).u32(1).u32(0).u8(16).u32(0).u64(2).u32(1).u32(0).toBytes(),
        };
        for (int i = 0; i < bad.length; i++) {
            byte[] b = bytes[i];
            assertEquals(bad[i], assertThrows(WireException.class,
                    () -> HeldPageDigests.readAll(ByteConnection.reader(b), pages)).getMessage());
        }
        assertEquals("held page digests: block 0 has 2147483640 pages, more than digests can be kept for",
                assertThrows(WireException.class, () -> HeldPageDigests.readAll(ByteConnection.reader(new byte[0]),
                        new long[] {Integer.MAX_VALUE - 7})).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new HeldPageDigests(0, 0, new int[0]));
        assertThrows(IllegalArgumentException.class, () -> new HeldPageDigests(0, 0, new int[HeldPageDigests.MAX_PAGES + 1]));
    }
}
