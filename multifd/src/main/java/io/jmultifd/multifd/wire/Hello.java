package io.jmultifd.multifd.wire;

import java.nio.ByteBuffer;

/**
 * The fixed-length opening of every connection a source makes: its magic says whether it is the main connection
 * ({@link MainHello}, the handshake follows) or a data connection ({@link ChannelHello}), and so how long the
 * hello is. The destination reads it before anything else, without waiting for a peer that sends nothing
 * (transport.Gate); bytes that open with neither magic come from something that is not a jmultifd peer
 * ({@link ForeignPeer}).
 */
public sealed interface Hello extends MainMessage permits MainHello, ChannelHello {
    int version();

    long sessionId();

    /** How many bytes the hello opening with {@code magic} has, or -1 when no hello opens so. */
    static int length(int magic) {
        return switch (magic) {
            case Wire.MAGIC_MAIN -> MainHello.SIZE;
            case Wire.MAGIC_CHANNEL -> ChannelHello.SIZE;
            default -> -1;
        };
    }

    /** Decodes a whole hello: {@link #length} bytes from position 0, magic included. */
    static Hello decode(ByteBuffer b) throws WireException {
        int magic = b.getInt(0);
        if (b.limit() != length(magic)) {
            throw new WireException(String.format("hello of %d bytes with magic 0x%08x", b.limit(), magic));
        }
        int version = b.getShort(4) & 0xFFFF;
        long session = b.getLong(6);
        return switch (magic) {
            case Wire.MAGIC_MAIN -> new MainHello(version, session);
            case Wire.MAGIC_CHANNEL -> new ChannelHello(version, session, b.getShort(14) & 0xFFFF);
            default -> throw new IllegalStateException("unreachable: length() knows no other magic");
        };
    }
}
