package io.jmultifd.multifd.wire;

import java.io.IOException;

/** What the destination sends on the main channel after accepting. */
public sealed interface DestinationMessage extends MainMessage permits Verdict, MemoryChecked, ErrorMessage {

    static DestinationMessage read(MessageReader r) throws IOException {
        int type = r.u8("destination message");
        return switch (type) {
            case Wire.MSG_VERDICT -> Verdict.decodeBody(r);
            case Wire.MSG_MEMORY_CHECKED -> MemoryChecked.decodeBody(r);
            case Wire.MSG_ERROR -> new ErrorMessage(r.str("destination error"));
            default -> throw new WireException("destination message: unexpected type " + type);
        };
    }
}
