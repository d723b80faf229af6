package io.jmultifd.multifd.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The u64 page offsets that follow a DATA header (normal pages first, then zero pages), in one direct buffer
 * per channel, allocated once for {@code packet-pages} offsets and reused for every packet.
 */
public final class PageOffsets {
    private final ByteBuffer buffer;

    public PageOffsets(int packetPages) {
        this.buffer = ByteBuffer.allocateDirect(packetPages * 8).order(ByteOrder.BIG_ENDIAN);
    }

    /** Starts a packet to send. */
    public void clear() {
        buffer.clear();
    }

    public void add(long offset) {
        buffer.putLong(offset);
    }

    /** The offsets added since {@link #clear()}, ready for the gathering write. */
    public ByteBuffer flip() {
        return buffer.flip();
    }

    /** The buffer to read {@code count} offsets into. */
    public ByteBuffer expect(int count) {
        return buffer.clear().limit(count * 8);
    }

    /** The {@code i}-th offset read. */
    public long get(int i) {
        return buffer.getLong(i * 8);
    }

    /** The {@code i}-th offset read, which must be a page of the block: inside it and page aligned. */
    public long page(int i, String blockName, long blockSize, int pageSize) throws WireException {
        long off = get(i);
        if (off < 0 || off >= blockSize) {
            throw new WireException(String.format("page offset 0x%x beyond block %s (size %d)", off, blockName, blockSize));
        }
        if ((off & (pageSize - 1)) != 0) {
            throw new WireException(String.format("page offset 0x%x in block %s is not page aligned (%d)",
                    off, blockName, pageSize));
        }
        return off;
    }
}
