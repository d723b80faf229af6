package io.jmultifd.multifd.wire;

import java.io.IOException;

/** What the destination sends on the main channel after accepting. */
public sealed interface DestinationMessage extends MainMessage
        permits Verdict, MemoryChecked, ErrorMessage, PageRequest, PostcopyRunning {

    /** Reads the next one; no postcopy message. */
    static DestinationMessage read(MessageReader r) throws IOException {
        return read(r, null, 0);
    }

    /**
     * Reads the next one; with {@code blockSizes} (each block's bytes; null for postcopy-ram=off) the postcopy
     * messages too, a {@link PageRequest} checked against the blocks and {@code pageSize}.
     */
    static DestinationMessage read(MessageReader r, long[] blockSizes, int pageSize) throws IOException {
        int type = r.u8("destination message");
        return switch (type) {
            case Wire.MSG_VERDICT -> Verdict.decodeBody(r);
            case Wire.MSG_MEMORY_CHECKED -> MemoryChecked.decodeBody(r);
            case Wire.MSG_ERROR -> new ErrorMessage(r.str("destination error"));
            case Wire.MSG_PAGE_REQUEST -> {
                if (blockSizes == null) {
                    throw new WireException("destination message: unexpected type " + type);
                }
                yield PageRequest.decodeBody(r, blockSizes, pageSize);
            }
            case Wire.MSG_POSTCOPY_RUNNING -> {
                if (blockSizes == null) {
                    throw new WireException("destination message: unexpected type " + type);
                }
                yield new PostcopyRunning();
            }
            default -> throw new WireException("destination message: unexpected type " + type);
        };
    }
}
