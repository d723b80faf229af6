package io.jmultifd.multifd.wire;

import io.jmultifd.multifd.transport.Connection;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The first bytes of a data channel: magic, version, the migration's session id and the channel's index. The
 * destination checks the session and the index against its own state.
 */
public record ChannelHello(long sessionId, int index) implements MainMessage {
    public static final int SIZE = 4 + 2 + 8 + 2;

    @Override
    public void encode(MessageWriter w) {
        w.u32(Wire.MAGIC_CHANNEL).u16(Wire.VERSION).u64(sessionId).u16(index);
    }

    /** Reads and decodes one hello; {@code where} names the connection in errors. */
    public static ChannelHello read(Connection c, String where) throws IOException {
        ByteBuffer hello = ByteBuffer.allocate(SIZE);
        c.readFully(hello, "channel hello");
        return decode(hello.flip(), where);
    }

    public static ChannelHello decode(ByteBuffer src, String where) throws WireException {
        int magic = src.getInt();
        int version = src.getShort() & 0xFFFF;
        long session = src.getLong();
        int index = src.getShort() & 0xFFFF;
        if (magic != Wire.MAGIC_CHANNEL) {
            throw new WireException(String.format("%s: wrong magic 0x%08x (expected 0x%08x)", where, magic, Wire.MAGIC_CHANNEL));
        }
        if (version != Wire.VERSION) {
            throw new WireException(where + ": " + Wire.mismatch("version", version, Wire.VERSION));
        }
        return new ChannelHello(session, index);
    }
}
