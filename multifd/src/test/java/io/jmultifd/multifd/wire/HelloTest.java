package io.jmultifd.multifd.wire;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The source's hellos, told apart by their magic, and how a peer that is not jmultifd is quoted. */
class HelloTest {

    @Test
    void theMagicSaysWhichHelloAndItsLength() {
        assertEquals(14, Hello.length(Wire.MAGIC_MAIN));
        assertEquals(16, Hello.length(Wire.MAGIC_CHANNEL));
        assertEquals(-1, Hello.length(ByteBuffer.wrap("GET ".getBytes(StandardCharsets.US_ASCII)).getInt()));
        assertEquals(-1, Hello.length(Wire.MAGIC_PACKET), "a packet opens no connection");
    }

    @Test
    void mainHelloLayoutAndRoundTrip() throws WireException {
        MainHello hello = new MainHello(1, 0x1122334455667788L);
        assertArrayEquals(new byte[] {0x4A, 0x4D, 0x46, 0x44, 0, 1, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, (byte) 0x88},
                hello.toBytes());
        assertEquals(hello, Hello.decode(ByteBuffer.wrap(hello.toBytes())));
    }

    @Test
    void aHelloOfTheWrongLengthForItsMagicIsNotDecoded() {
        byte[] cut = java.util.Arrays.copyOf(new MainHello(1, 7).toBytes(), 10);
        assertEquals("hello of 10 bytes with magic 0x4a4d4644", assertThrows(WireException.class,
                () -> Hello.decode(ByteBuffer.wrap(cut))).getMessage());
    }

    @Test
    void anotherVersionOfTheMainHelloIsRefusedNamingBoth() {
        assertEquals("version mismatch: source 1, destination 2",
                assertThrows(Refusal.class, () -> new MainHello(1, 7).checkVersion()).getMessage());
    }

    @Test
    void aForeignPeerIsQuotedByItsFirstLine() {
        byte[] http = "HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals("not a jmultifd peer (it sent 'HTTP/1.0 400 Bad Request')", ForeignPeer.describe(http, http.length));
    }

    @Test
    void bytesOutsidePrintableAsciiAndQuotesAreEscaped() {
        byte[] b = {(byte) 0xDE, (byte) 0xAD, 'o', 'k', '\'', '\\', 0};
        assertEquals("not a jmultifd peer (it sent '\\xDE\\xADok\\x27\\x5C\\x00')", ForeignPeer.describe(b, b.length));
    }

    @Test
    void aLongLineIsCutAtTheExcerpt() {
        byte[] b = "x".repeat(ForeignPeer.EXCERPT + 1).getBytes(StandardCharsets.US_ASCII);
        assertEquals("not a jmultifd peer (it sent '" + "x".repeat(ForeignPeer.EXCERPT) + "...')",
                ForeignPeer.describe(b, b.length));
        assertEquals("not a jmultifd peer (it sent '" + "x".repeat(ForeignPeer.EXCERPT) + "')",
                ForeignPeer.describe(b, ForeignPeer.EXCERPT), "exactly the excerpt: nothing was cut");
    }

    @Test
    void onTheSourceTheDestinationHelloQuotesWhatElseHasArrived() {
        ByteConnection c = new ByteConnection("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals("not a jmultifd peer (it sent 'SSH-2.0-OpenSSH_9.2p1 Debian-2')",
                assertThrows(WireException.class, () -> DestinationHello.read(c)).getMessage());
    }
}
