package io.jmultifd.multifd.wire;

import io.jmultifd.multifd.transport.Connection;

import java.io.IOException;

/**
 * The destination's first bytes on the main connection: u32 MAGIC_MAIN, u16 version. It sends them as soon as
 * it has read the handshake, before it works on its {@link HandshakeReply}, so that the source knows from then
 * on that a jmultifd destination is answering.
 */
public record DestinationHello(int version) implements MainMessage {
    public static final int SIZE = 4 + 2;

    @Override
    public void encode(MessageWriter w) {
        w.u32(Wire.MAGIC_MAIN).u16(version);
    }

    /**
     * Reads it on the source. A peer whose first bytes are no jmultifd magic is named with what it sent
     * ({@link ForeignPeer}); a destination of another version is named with both versions.
     */
    public static DestinationHello read(Connection main) throws IOException {
        MessageReader r = new MessageReader(main);
        int magic = (int) r.u32("destination hello");
        if (magic != Wire.MAGIC_MAIN) {
            throw new WireException(ForeignPeer.describe(main, magic));
        }
        int version = r.u16("destination version");
        if (version != Wire.VERSION) {
            throw new WireException(Wire.mismatch("version", Wire.VERSION, version));
        }
        return new DestinationHello(version);
    }
}
