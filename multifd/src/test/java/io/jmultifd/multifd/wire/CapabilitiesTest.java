package io.jmultifd.multifd.wire;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The capability byte of the handshake: its bits, the round trip, and the combinations refused. */
class CapabilitiesTest {

    private static Capabilities decode(int bits) throws IOException {
        return Capabilities.decode(new MessageReader(new ByteConnection(new byte[] {(byte) bits})));
    }

    @Test
    void bitsAreTheDocumentedOnes() throws IOException {
        assertEquals(0, Capabilities.NONE.bits());
        assertEquals(1, new Capabilities(true, false).bits());
        assertEquals(3, new Capabilities(true, true).bits());
        for (Capabilities c : List.of(Capabilities.NONE, new Capabilities(true, false), new Capabilities(true, true))) {
            MessageWriter w = new MessageWriter();
            c.encode(w);
            assertArrayEquals(new byte[] {(byte) c.bits()}, w.toBytes());
            assertEquals(c, decode(c.bits()));
        }
    }

    @Test
    void unknownBitsAndPreemptWithoutPostcopyAreRefused() {
        assertEquals("handshake: unknown capability bits 0x04", assertThrows(Refusal.class, () -> decode(0x05)).getMessage());
        assertEquals("handshake: unknown capability bits 0x80", assertThrows(Refusal.class, () -> decode(0x80)).getMessage());
        assertEquals("handshake: postcopy-preempt without postcopy-ram",
                assertThrows(Refusal.class, () -> decode(0x02)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Capabilities(false, true));
    }

    @Test
    void theHandshakeCarriesThemLastAndRoundTrips() throws IOException {
        Handshake h = new Handshake(7, 4096, 2, 128, 1, "none", Map.of(), List.of(new Handshake.Block("b", 8192)),
                false, new Capabilities(true, true));
        byte[] bytes = h.toBytes();
        assertEquals(3, bytes[bytes.length - 1]);
        assertEquals(h, HandshakeTest.decode(bytes));
        byte[] noCapabilities = new Handshake(7, 4096, 2, 128, 1, "none", Map.of(), List.of(new Handshake.Block("b", 8192)),
                false).toBytes();
        assertEquals(0, noCapabilities[noCapabilities.length - 1]);
    }

    @Test
    void aHandshakeCutBeforeTheCapabilitiesIsAnEndOfStream() {
        byte[] bytes = new Handshake(7, 4096, 2, 128, 1, "none", Map.of(), List.of(new Handshake.Block("b", 8192)),
                true, new Capabilities(true, false)).toBytes();
        byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length - 1);
        assertThrows(java.io.EOFException.class, () -> HandshakeTest.decode(cut));
    }
}
