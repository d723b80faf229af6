package io.jmultifd.multifd.wire;

import java.io.IOException;

/** What the source sends on the main channel after the handshake. */
public sealed interface SourceMessage extends MainMessage
        permits StopCopy, Complete, MemoryChecked, ErrorMessage, PostcopyDiscard, PostcopyRun {

    /** Reads the next one; {@code blockCount} bounds the checksums of {@link Complete}; no postcopy message. */
    static SourceMessage read(MessageReader r, int blockCount) throws IOException {
        return read(r, blockCount, null);
    }

    /**
     * Reads the next one; {@code blockPages} (each block's page count) bounds the checksums of {@link Complete}
     * and the ranges of {@link PostcopyDiscard}; without it (postcopy-ram=off) a postcopy message is unexpected.
     */
    static SourceMessage read(MessageReader r, long[] blockPages) throws IOException {
        return read(r, blockPages.length, blockPages);
    }

    private static SourceMessage read(MessageReader r, int blockCount, long[] blockPages) throws IOException {
        int type = r.u8("main channel message");
        return switch (type) {
            case Wire.MSG_STOP_COPY -> new StopCopy();
            case Wire.MSG_ERROR -> new ErrorMessage(r.str("source error"));
            case Wire.MSG_COMPLETE -> Complete.decodeBody(r, blockCount);
            case Wire.MSG_MEMORY_CHECKED -> MemoryChecked.decodeBody(r);
            case Wire.MSG_POSTCOPY_DISCARD -> PostcopyDiscard.decodeBody(r, requirePostcopy(blockPages, type));
            case Wire.MSG_POSTCOPY_RUN -> {
                requirePostcopy(blockPages, type);
                yield PostcopyRun.decodeBody(r);
            }
            default -> throw new WireException("main channel: unexpected message type " + type);
        };
    }

    private static long[] requirePostcopy(long[] blockPages, int type) throws WireException {
        if (blockPages == null) {
            throw new WireException("main channel: unexpected message type " + type + " (a postcopy message while "
                    + "postcopy-ram=off)");
        }
        return blockPages;
    }
}
