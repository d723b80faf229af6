package io.jmultifd.multifd.wire;

import java.io.IOException;

/**
 * Either way, after a matching {@link Verdict}, each side's last message: whether its whole memory matched its page
 * digests (the source: its frozen guest against the pages it sent last; the destination: the received guest against
 * the pages it placed). The migration completes only when both did.
 *
 * @param match   whether every page matched
 * @param message "memory matches", or the differing pages by block, page and offset
 */
public record MemoryChecked(boolean match, String message) implements SourceMessage, DestinationMessage {
    @Override
    public void encode(MessageWriter w) {
        w.u8(Wire.MSG_MEMORY_CHECKED).u8(match ? 1 : 0).str(message);
    }

    static MemoryChecked decodeBody(MessageReader r) throws IOException {
        int match = r.u8("memory check");
        if (match > 1) {
            throw new WireException("main channel: memory check " + match + " is neither 0 nor 1");
        }
        return new MemoryChecked(match == 1, r.str("memory check message"));
    }
}
