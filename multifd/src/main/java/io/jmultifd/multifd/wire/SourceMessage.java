package io.jmultifd.multifd.wire;

import java.io.IOException;

/** What the source sends on the main channel after the handshake. */
public sealed interface SourceMessage extends MainMessage permits StopCopy, Complete, MemoryChecked, ErrorMessage {

    /** Reads the next one; {@code blockCount} bounds the checksums of {@link Complete}. */
    static SourceMessage read(MessageReader r, int blockCount) throws IOException {
        int type = r.u8("main channel message");
        return switch (type) {
            case Wire.MSG_STOP_COPY -> new StopCopy();
            case Wire.MSG_ERROR -> new ErrorMessage(r.str("source error"));
            case Wire.MSG_COMPLETE -> Complete.decodeBody(r, blockCount);
            case Wire.MSG_MEMORY_CHECKED -> MemoryChecked.decodeBody(r);
            default -> throw new WireException("main channel: unexpected message type " + type);
        };
    }
}
