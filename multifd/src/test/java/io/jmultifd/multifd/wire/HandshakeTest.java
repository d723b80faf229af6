package io.jmultifd.multifd.wire;

import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The source's hello and handshake: layout, round trip, every limit and every malformed field. The hello is read
 * first, as the destination's gate does, then the handshake after it.
 */
class HandshakeTest {
    static final Handshake SAMPLE = new Handshake(0x1122334455667788L, 4096, 2, 128, 2, "zstd",
            Map.of("multifd-zstd-level", "3"), List.of(new Handshake.Block("ram0", 1 << 20), new Handshake.Block("vga", 8192)), true);

    /** hello + handshake up to (not including) the method parameter count, with the given fields. */
    static MessageWriter head(long magic, int version, int type) {
        return new MessageWriter().u32(magic).u16(version).u64(7).u8(type).u32(4096).u16(2).u32(128).u8(2).str("none");
    }

    static Handshake decode(byte[] bytes) throws IOException {
        return decode(new ByteConnection(bytes));
    }

    static Handshake decode(ByteConnection c) throws IOException {
        ByteBuffer hello = ByteBuffer.allocate(MainHello.SIZE);
        c.readFully(hello, "main channel hello");
        return Handshake.decode((MainHello) Hello.decode(hello.flip()), new MessageReader(c));
    }

    @Test
    void encodesTheDocumentedLayout() {
        Handshake h = new Handshake(7, 4096, 2, 128, 1, "x", Map.of("k", "v"), List.of(new Handshake.Block("b", 8192)),
                true);
        ByteBuffer b = ByteBuffer.allocate(64);
        b.putInt(0x4A4D4644).putShort((short) 2).putLong(7).put((byte) 1).putInt(4096).putShort((short) 2).putInt(128)
                .put((byte) 1).putShort((short) 1).put((byte) 'x').putShort((short) 1)
                .putShort((short) 1).put((byte) 'k').putShort((short) 1).put((byte) 'v')
                .putInt(1).putShort((short) 1).put((byte) 'b').putLong(8192).put((byte) 1)
                .put((byte) 0); // capabilities: none
        byte[] expected = new byte[b.position()];
        b.flip().get(expected);
        assertArrayEquals(expected, h.toBytes());
    }

    @Test
    void roundTrip() throws IOException {
        ByteConnection c = new ByteConnection(SAMPLE.toBytes());
        assertEquals(SAMPLE, decode(c));
        assertEquals(0, c.unread(), "reads exactly the handshake");
    }

    @Test
    void u32FieldsKeepValuesAbove2To31() throws IOException {
        Handshake h = new Handshake(-1, 0xFFFF_FFFFL, 65535, 0x8000_0000L, 255, "m", Map.of(),
                List.of(new Handshake.Block("b", -4096)), false);
        assertEquals(h, decode(h.toBytes()));
    }

    @Test
    void otherVersionIsRefusedNamingBoth() {
        ByteConnection c = new ByteConnection(new MessageWriter().u32(Wire.MAGIC_MAIN).u16(1).u64(7).u8(1).toBytes());
        Refusal e = assertThrows(Refusal.class, () -> decode(c));
        assertEquals("version mismatch: source 1, destination 2", e.getMessage());
        assertEquals(1, c.unread(), "refused before reading the handshake");
    }

    @Test
    void otherMessageTypeIsRefused() {
        Refusal e = assertThrows(Refusal.class, () -> decode(head(Wire.MAGIC_MAIN, Wire.VERSION, Wire.MSG_COMPLETE).toBytes()));
        assertEquals("main channel: expected a handshake, got message type 5", e.getMessage());
    }

    @Test
    void methodParameterCountLimit() throws IOException {
        MessageWriter at = head(Wire.MAGIC_MAIN, Wire.VERSION, Wire.MSG_HANDSHAKE).u16(Wire.MAX_METHOD_PARAMETERS);
        Map<String, String> params = new TreeMap<>();
        for (int i = 0; i < Wire.MAX_METHOD_PARAMETERS; i++) {
            String k = String.format("k%03d", i);
            at.str(k).str("v");
            params.put(k, "v");
        }
        at.u32(1).str("b").u64(4096).u8(1).u8(0);
        assertEquals(params, decode(at.toBytes()).methodParameters(), "the limit itself is allowed");

        byte[] over = head(Wire.MAGIC_MAIN, Wire.VERSION, Wire.MSG_HANDSHAKE).u16(Wire.MAX_METHOD_PARAMETERS + 1).toBytes();
        Refusal e = assertThrows(Refusal.class, () -> decode(over));
        assertEquals("handshake: 257 method parameters exceed the limit 256", e.getMessage());
    }

    @Test
    void blockCountLimits() throws IOException {
        MessageWriter max = head(Wire.MAGIC_MAIN, Wire.VERSION, Wire.MSG_HANDSHAKE).u16(0).u32(Wire.MAX_BLOCKS);
        for (int i = 0; i < Wire.MAX_BLOCKS; i++) {
            max.str("b" + i).u64(4096);
        }
        max.u8(1).u8(0);
        assertEquals(Wire.MAX_BLOCKS, decode(max.toBytes()).blocks().size(), "the limit itself is allowed");

        for (long count : new long[] {0, Wire.MAX_BLOCKS + 1, 0xFFFF_FFFFL}) {
            byte[] b = head(Wire.MAGIC_MAIN, Wire.VERSION, Wire.MSG_HANDSHAKE).u16(0).u32(count).toBytes();
            Refusal e = assertThrows(Refusal.class, () -> decode(b), "block count " + count);
            assertEquals("handshake: block count " + count + " outside 1..4096", e.getMessage());
        }
    }

    @Test
    void stringOverItsLimitFailsBeforeItsBytesAreRead() {
        byte[] b = new MessageWriter().u32(Wire.MAGIC_MAIN).u16(Wire.VERSION).u64(7).u8(Wire.MSG_HANDSHAKE).u32(4096)
                .u16(2).u32(128).u8(2).u16(Wire.MAX_STRING + 1).toBytes();
        WireException e = assertThrows(WireException.class, () -> decode(b));
        assertFalse(e instanceof Refusal, "a bad string ends the connection without an answer");
        assertEquals("method name: length 4097 exceeds the limit 4096", e.getMessage());
    }

    @Test
    void invalidUtf8IsRejected() {
        byte[] b = new MessageWriter().u32(Wire.MAGIC_MAIN).u16(Wire.VERSION).u64(7).u8(Wire.MSG_HANDSHAKE).u32(4096)
                .u16(2).u32(128).u8(2).u16(2).u8(0xC3).u8(0x28).toBytes();
        WireException e = assertThrows(WireException.class, () -> decode(b));
        assertEquals("method name: not valid UTF-8", e.getMessage());
    }

    @Test
    void everyTruncationIsAnEndOfStreamNamingTheField() {
        byte[] full = SAMPLE.toBytes();
        List<String> fields = new ArrayList<>();
        for (int n = 0; n < full.length; n++) {
            byte[] cut = java.util.Arrays.copyOf(full, n);
            EOFException e = assertThrows(EOFException.class, () -> decode(cut), "cut at " + n);
            String m = e.getMessage();
            assertTrue(m.startsWith("connection closed by the peer after "), m);
            fields.add(m.substring(m.indexOf(" bytes of ") + 10));
        }
        for (String f : List.of("main channel hello", "handshake", "page size",
                "channel count", "packet pages", "zero-page mode", "method name length", "method name",
                "method parameter count", "method parameter name", "method parameter value", "block count",
                "block name", "block size", "free-page-hint")) {
            assertTrue(fields.contains(f), "a cut inside " + f + " names it: " + fields);
        }
    }

    @Test
    void freePageHintCodeOtherThanZeroOrOneIsRefused() throws IOException {
        byte[] ok = head(Wire.MAGIC_MAIN, Wire.VERSION, Wire.MSG_HANDSHAKE).u16(0).u32(1).str("b").u64(4096).u8(0).u8(0).toBytes();
        assertFalse(decode(ok).freePageHint());
        byte[] bad = head(Wire.MAGIC_MAIN, Wire.VERSION, Wire.MSG_HANDSHAKE).u16(0).u32(1).str("b").u64(4096).u8(2).toBytes();
        Refusal e = assertThrows(Refusal.class, () -> decode(bad));
        assertEquals("handshake: free-page-hint code 2 is neither 0 (off) nor 1 (on)", e.getMessage());
    }

    @Test
    void blocksAndParametersAreCopied() {
        List<Handshake.Block> blocks = new ArrayList<>(List.of(new Handshake.Block("a", 4096)));
        Handshake h = new Handshake(1, 4096, 1, 1, 0, "none", Map.of(), blocks, true);
        blocks.clear();
        assertEquals(1, h.blocks().size());
        assertThrows(UnsupportedOperationException.class, () -> h.methodParameters().put("x", "y"));
    }
}
