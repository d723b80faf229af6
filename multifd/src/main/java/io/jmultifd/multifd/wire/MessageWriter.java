package io.jmultifd.multifd.wire;

import io.jmultifd.multifd.transport.Connection;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Builds one main-stream message in a growable heap buffer, then sends it with one write. */
public final class MessageWriter {
    private ByteBuffer buf = ByteBuffer.allocate(256);

    private void ensure(int n) {
        if (buf.remaining() < n) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n));
            buf.flip();
            bigger.put(buf);
            buf = bigger;
        }
    }

    public MessageWriter u8(int v) { ensure(1); buf.put((byte) v); return this; }
    public MessageWriter u16(int v) { ensure(2); buf.putShort((short) v); return this; }
    public MessageWriter u32(long v) { ensure(4); buf.putInt((int) v); return this; }
    public MessageWriter u64(long v) { ensure(8); buf.putLong(v); return this; }

    public MessageWriter str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > Wire.MAX_STRING) {
            // Messages are for humans; cut rather than fail while reporting a failure.
            b = java.util.Arrays.copyOf(b, Wire.MAX_STRING);
        }
        u16(b.length);
        ensure(b.length);
        buf.put(b);
        return this;
    }

    public void send(Connection c) throws IOException {
        buf.flip();
        c.writeFully(buf);
        buf.clear();
    }

    /** The bytes so far (for tests that hand-craft streams). */
    public byte[] toBytes() {
        byte[] out = new byte[buf.position()];
        buf.duplicate().flip().get(out);
        return out;
    }
}
