package io.jmultifd.multifd.wire;

import java.io.IOException;

/**
 * The destination's answer to the handshake, after its {@link DestinationHello}: ACCEPT once the guest is
 * allocated, or REFUSE with the reason.
 */
public sealed interface HandshakeReply extends MainMessage {

    record Accept() implements HandshakeReply {
        @Override
        public void encode(MessageWriter w) {
            w.u8(Wire.MSG_ACCEPT);
        }
    }

    /** @param reason names what differs or breaks a limit (cut to {@link Wire#MAX_STRING} bytes) */
    record Refuse(String reason) implements HandshakeReply {
        @Override
        public void encode(MessageWriter w) {
            w.u8(Wire.MSG_REFUSE).str(reason);
        }
    }

    static HandshakeReply decode(MessageReader r) throws IOException {
        int answer = r.u8("handshake answer");
        return switch (answer) {
            case Wire.MSG_ACCEPT -> new Accept();
            case Wire.MSG_REFUSE -> new Refuse(r.str("refusal"));
            default -> throw new WireException("handshake answer: unexpected message type " + answer);
        };
    }
}
