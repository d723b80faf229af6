package io.jmultifd.multifd.wire;

import java.nio.ByteBuffer;

/**
 * The header of one message of the preempt channel (postcopy-preempt=on): a requested page, sent raw after it, or
 * the END that closes the channel. The channel opens with a {@link ChannelHello} whose index is the channel count.
 *
 * <pre>u8 type (1 PAGE, 2 END), u32 block index, u64 page offset; PAGE: then page-size bytes</pre>
 */
public record UrgentPage(int type, int block, long offset) {
    public static final int SIZE = 1 + 4 + 8;
    public static final int PAGE = 1;
    public static final int END = 2;

    public void encode(ByteBuffer b) {
        b.put((byte) type).putInt(block).putLong(offset);
    }

    /** Reads a header and checks it against the guest ({@code blockSizes}, the page size). */
    public static UrgentPage decode(ByteBuffer b, long[] blockSizes, int pageSize) throws WireException {
        int type = b.get() & 0xFF;
        long block = b.getInt() & 0xFFFFFFFFL;
        long offset = b.getLong();
        if (type == END) {
            if (block != 0 || offset != 0) {
                throw new WireException("preempt channel: END with block " + block + ", offset " + offset);
            }
            return new UrgentPage(END, 0, 0);
        }
        if (type != PAGE) {
            throw new WireException("preempt channel: unknown message type " + type);
        }
        if (block >= blockSizes.length || offset < 0 || offset >= blockSizes[(int) block] || offset % pageSize != 0) {
            throw new WireException(String.format("preempt channel: offset 0x%x of block %d is not a page of the guest",
                    offset, block));
        }
        return new UrgentPage(PAGE, (int) block, offset);
    }
}
