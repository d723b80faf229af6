package io.jmultifd.multifd.wire;

import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The destination's hello and answer, the channel hello and the messages after setup: round trips and malformed input. */
class MainMessagesTest {

    static MessageReader reader(byte[] b) {
        return ByteConnection.reader(b);
    }

    @Test
    void replyRoundTrips() throws IOException {
        assertArrayEquals(new byte[] {0x4A, 0x4D, 0x46, 0x44, 0, 2}, new DestinationHello(Wire.VERSION).toBytes());
        assertArrayEquals(new byte[] {2}, new HandshakeReply.Accept().toBytes());
        ByteConnection c = new ByteConnection(new MessageWriter().u32(Wire.MAGIC_MAIN).u16(Wire.VERSION).u8(2).toBytes());
        assertEquals(new DestinationHello(Wire.VERSION), DestinationHello.read(c));
        assertEquals(new HandshakeReply.Accept(), HandshakeReply.decode(new MessageReader(c)));
        HandshakeReply.Refuse refuse = new HandshakeReply.Refuse("method mismatch: source zstd, destination none");
        assertEquals(refuse, HandshakeReply.decode(reader(refuse.toBytes())));
    }

    @Test
    void replyFromSomethingElseOrWithWrongVersionOrType() {
        assertEquals("not a jmultifd peer (it sent 'HTTP/1.1 400')", assertThrows(WireException.class,
                () -> DestinationHello.read(new ByteConnection("HTTP/1.1 400\r\nServer: x".getBytes()))).getMessage());
        assertEquals("version mismatch: source 2, destination 3", assertThrows(WireException.class,
                () -> DestinationHello.read(new ByteConnection(new MessageWriter().u32(Wire.MAGIC_MAIN).u16(3).toBytes())))
                .getMessage());
        assertEquals("version mismatch: source 2, destination 1", assertThrows(WireException.class,
                () -> DestinationHello.read(new ByteConnection(new MessageWriter().u32(Wire.MAGIC_MAIN).u16(1).toBytes())))
                .getMessage(), "a destination of version 1");
        assertEquals("handshake answer: unexpected message type 7", assertThrows(WireException.class,
                () -> HandshakeReply.decode(reader(new byte[] {7}))).getMessage());
    }

    @Test
    void refusalIsCutToTheStringLimit() throws IOException {
        String longReason = "x".repeat(Wire.MAX_STRING + 100);
        HandshakeReply r = HandshakeReply.decode(reader(new HandshakeReply.Refuse(longReason).toBytes()));
        assertEquals(new HandshakeReply.Refuse("x".repeat(Wire.MAX_STRING)), r);
    }

    @Test
    void channelHello() throws IOException {
        ChannelHello hello = new ChannelHello(0x0102030405060708L, 65535);
        byte[] bytes = hello.toBytes();
        assertEquals(ChannelHello.SIZE, bytes.length);
        assertEquals(ChannelHello.SIZE, Hello.length(ByteBuffer.wrap(bytes).getInt()));
        assertEquals(hello, Hello.decode(ByteBuffer.wrap(bytes)));
        hello.checkVersion("data connection 0");
        ChannelHello other = (ChannelHello) Hello.decode(ByteBuffer.allocate(16).putInt(Wire.MAGIC_CHANNEL)
                .putShort((short) 9).putLong(1).putShort((short) 0).flip());
        assertEquals(new ChannelHello(9, 1, 0), other);
        assertEquals("data connection 0: version mismatch: source 9, destination 2",
                assertThrows(WireException.class, () -> other.checkVersion("data connection 0")).getMessage());
    }

    @Test
    void sourceMessagesRoundTrip() throws IOException {
        for (SourceMessage m : List.<SourceMessage>of(new StopCopy(), new ErrorMessage("cancelled by the source"),
                new Complete(3, List.of(0xABCDEFL, -1L)))) {
            ByteConnection c = new ByteConnection(m.toBytes());
            assertEquals(m, SourceMessage.read(new MessageReader(c), 2));
            assertEquals(0, c.unread());
        }
        assertArrayEquals(new byte[] {4}, new StopCopy().toBytes());
    }

    @Test
    void completionMustCarryOneChecksumPerBlockCheckedBeforeReadingThem() {
        // Only the count, no checksums: the count is refused before any checksum is read.
        byte[] b = new MessageWriter().u8(Wire.MSG_COMPLETE).u64(1).u32(0xFFFF_FFFFL).toBytes();
        assertEquals("main channel: completion carries 4294967295 checksums for 1 blocks",
                assertThrows(WireException.class, () -> SourceMessage.read(reader(b), 1)).getMessage());
        byte[] fewer = new Complete(1, List.of(1L)).toBytes();
        assertEquals("main channel: completion carries 1 checksums for 2 blocks",
                assertThrows(WireException.class, () -> SourceMessage.read(reader(fewer), 2)).getMessage());
        byte[] truncated = java.util.Arrays.copyOf(new Complete(1, List.of(1L, 2L)).toBytes(), 20);
        assertThrows(EOFException.class, () -> SourceMessage.read(reader(truncated), 2));
    }

    @Test
    void unexpectedTypes() {
        assertEquals("main channel: unexpected message type 6", assertThrows(WireException.class,
                () -> SourceMessage.read(reader(new Verdict(true, "x").toBytes()), 1)).getMessage());
        assertEquals("destination message: unexpected type 4", assertThrows(WireException.class,
                () -> DestinationMessage.read(reader(new StopCopy().toBytes()))).getMessage());
    }

    @Test
    void destinationMessagesRoundTrip() throws IOException {
        for (DestinationMessage m : List.<DestinationMessage>of(new Verdict(true, "checksums match"),
                new Verdict(false, "block ram0: source 0x00abcdef, destination 0x00000000"), new ErrorMessage("cancelled"))) {
            assertEquals(m, DestinationMessage.read(reader(m.toBytes())));
        }
        assertArrayEquals(new byte[] {6, 0, 0, 1, 'x'}, new Verdict(false, "x").toBytes());
        assertArrayEquals(new byte[] {7, 0, 2, 'n', 'o'}, new ErrorMessage("no").toBytes());
    }

    @Test
    void everyMainMessageTypeHasANumberOfItsOwn() throws IllegalAccessException {
        // Branches that each added messages must not have taken the same number (postcopy's and MEMORY_CHECKED did).
        java.util.Map<Integer, String> seen = new java.util.HashMap<>();
        for (java.lang.reflect.Field f : Wire.class.getFields()) {
            if (f.getName().startsWith("MSG_")) {
                String before = seen.put(f.getInt(null), f.getName());
                assertEquals(null, before, f.getName() + " has the number of " + before);
            }
        }
        assertEquals(16, seen.size()); // postcopy recovery's RESUME_STATE and HELD_PAGE_DIGESTS are 15 and 16
    }

    @Test
    void memoryCheckRoundTripsEitherWay() throws IOException {
        MemoryChecked differs = new MemoryChecked(false,
                "block ram0 page 5 (offset 0x5000): placed 0x00abcdef, memory 0x12345678");
        for (MemoryChecked m : List.of(new MemoryChecked(true, "memory matches"), differs)) {
            assertEquals(m, SourceMessage.read(reader(m.toBytes()), 1));
            assertEquals(m, DestinationMessage.read(reader(m.toBytes())));
        }
        assertArrayEquals(new byte[] {12, 1, 0, 2, 'o', 'k'}, new MemoryChecked(true, "ok").toBytes());
    }

    @Test
    void memoryCheckIsZeroOrOneAndNamesItsFieldsWhenCut() {
        byte[] b = new MessageWriter().u8(Wire.MSG_MEMORY_CHECKED).u8(2).str("?").toBytes();
        assertEquals("main channel: memory check 2 is neither 0 nor 1",
                assertThrows(WireException.class, () -> DestinationMessage.read(reader(b))).getMessage());
        assertEquals("connection closed by the peer after 0 of 1 bytes of memory check",
                assertThrows(EOFException.class, () -> SourceMessage.read(reader(new byte[] {12}), 1)).getMessage());
        assertEquals("connection closed by the peer after 1 of 2 bytes of memory check message length",
                assertThrows(EOFException.class, () -> DestinationMessage.read(reader(new byte[] {12, 1, 0}))).getMessage());
    }

    @Test
    void verdictOtherThanOneIsNoMatch() throws IOException {
        byte[] b = new MessageWriter().u8(Wire.MSG_VERDICT).u8(2).str("?").toBytes();
        assertEquals(new Verdict(false, "?"), DestinationMessage.read(reader(b)));
    }

    @Test
    void messagesNameTheirFieldsWhenCut() {
        assertEquals("connection closed by the peer after 0 of 1 bytes of main channel message",
                assertThrows(EOFException.class, () -> SourceMessage.read(reader(new byte[0]), 1)).getMessage());
        assertEquals("connection closed by the peer after 0 of 1 bytes of destination message",
                assertThrows(EOFException.class, () -> DestinationMessage.read(reader(new byte[0]))).getMessage());
        assertEquals("connection closed by the peer after 1 of 2 bytes of source error length",
                assertThrows(EOFException.class, () -> SourceMessage.read(reader(new byte[] {7, 0}), 1)).getMessage());
        assertEquals("connection closed by the peer after 0 of 1 bytes of verdict",
                assertThrows(EOFException.class, () -> DestinationMessage.read(reader(new byte[] {6}))).getMessage());
    }

    @Test
    void sendWritesTheEncodingInOneGo() throws IOException {
        ByteConnection c = new ByteConnection(new byte[0]);
        new ErrorMessage("why").send(c);
        assertArrayEquals(new ErrorMessage("why").toBytes(), c.written());
    }
}
