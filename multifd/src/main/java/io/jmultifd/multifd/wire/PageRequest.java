package io.jmultifd.multifd.wire;

import java.io.IOException;

/**
 * Destination to source on the return path (the main connection) during postcopy: the guest faulted on this page
 * (QEMU's MIG_RP_MSG_REQ_PAGES); the source sends it at once.
 *
 * <pre>u8 10, u32 block index, u64 page offset (page-aligned, inside the block)</pre>
 */
public record PageRequest(int block, long offset) implements DestinationMessage {
    @Override
    public void encode(MessageWriter w) {
        w.u8(Wire.MSG_PAGE_REQUEST).u32(block).u64(offset);
    }

    /** {@code blockSizes}: each block's size in bytes, against which the page is checked. */
    static PageRequest decodeBody(MessageReader r, long[] blockSizes, int pageSize) throws IOException {
        long block = r.u32("requested block");
        long offset = r.u64("requested offset");
        if (block >= blockSizes.length || offset < 0 || offset >= blockSizes[(int) block] || offset % pageSize != 0) {
            throw new WireException(String.format("page request: offset 0x%x of block %d is not a page of the guest",
                    offset, block));
        }
        return new PageRequest((int) block, offset);
    }
}
