package io.jmultifd.multifd.wire;

import java.io.IOException;

/**
 * Destination to source, the last message: whether every block's checksum matched.
 *
 * @param message "checksums match", or which blocks differ with both checksums
 */
public record Verdict(boolean match, String message) implements DestinationMessage {
    @Override
    public void encode(MessageWriter w) {
        w.u8(Wire.MSG_VERDICT).u8(match ? 1 : 0).str(message);
    }

    static Verdict decodeBody(MessageReader r) throws IOException {
        boolean match = r.u8("verdict") == 1;
        return new Verdict(match, r.str("verdict message"));
    }
}
