package io.jmultifd.multifd.wire;

import io.jmultifd.multifd.transport.Connection;

import java.io.IOException;

/**
 * A message of the main channel, or the hello that opens a connection: it encodes itself and is sent with one
 * write.
 */
public interface MainMessage {
    void encode(MessageWriter w);

    /** The message's bytes (tests hand-craft streams from them). */
    default byte[] toBytes() {
        MessageWriter w = new MessageWriter();
        encode(w);
        return w.toBytes();
    }

    default void send(Connection c) throws IOException {
        MessageWriter w = new MessageWriter();
        encode(w);
        w.send(c);
    }
}
