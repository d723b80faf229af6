package io.jmultifd.multifd.wire;

/**
 * The opening of a data connection: u32 MAGIC_CHANNEL, u16 version, u64 session id, u16 channel index. The
 * destination matches the session id to the migration it accepted and checks the index against its own state.
 */
public record ChannelHello(int version, long sessionId, int index) implements Hello {
    public static final int SIZE = 4 + 2 + 8 + 2;

    /** This version's hello. */
    public ChannelHello(long sessionId, int index) {
        this(Wire.VERSION, sessionId, index);
    }

    @Override
    public void encode(MessageWriter w) {
        w.u32(Wire.MAGIC_CHANNEL).u16(version).u64(sessionId).u16(index);
    }

    /** A data connection of another version breaks the migration; {@code where} names the connection. */
    public void checkVersion(String where) throws WireException {
        if (version != Wire.VERSION) {
            throw new WireException(where + ": " + Wire.mismatch("version", version, Wire.VERSION));
        }
    }
}
