package io.jmultifd.multifd.wire;

import java.io.IOException;

/** The destination's answer to the handshake: its hello, then ACCEPT or REFUSE with the reason. */
public sealed interface HandshakeReply extends MainMessage {

    record Accept() implements HandshakeReply {
        @Override
        public void encode(MessageWriter w) {
            w.u32(Wire.MAGIC_MAIN).u16(Wire.VERSION).u8(Wire.MSG_ACCEPT);
        }
    }

    /** @param reason names what differs or breaks a limit (cut to {@link Wire#MAX_STRING} bytes) */
    record Refuse(String reason) implements HandshakeReply {
        @Override
        public void encode(MessageWriter w) {
            w.u32(Wire.MAGIC_MAIN).u16(Wire.VERSION).u8(Wire.MSG_REFUSE).str(reason);
        }
    }

    static HandshakeReply decode(MessageReader r) throws IOException {
        long magic = r.u32("destination hello");
        if (magic != (Wire.MAGIC_MAIN & 0xFFFFFFFFL)) {
            throw new WireException(String.format("destination hello: wrong magic 0x%08x (expected 0x%08x)", magic, Wire.MAGIC_MAIN));
        }
        int version = r.u16("destination version");
        if (version != Wire.VERSION) {
            throw new WireException("version mismatch: source " + Wire.VERSION + ", destination " + version);
        }
        int answer = r.u8("handshake answer");
        return switch (answer) {
            case Wire.MSG_ACCEPT -> new Accept();
            case Wire.MSG_REFUSE -> new Refuse(r.str("refusal"));
            default -> throw new WireException("handshake answer: unexpected message type " + answer);
        };
    }
}
