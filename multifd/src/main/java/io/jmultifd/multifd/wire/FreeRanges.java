package io.jmultifd.multifd.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The payload of a FREE packet: ranges of pages of one block that the guest does not use (free-page hints); the
 * destination makes them read as zero. Each range is a u64 byte offset of its first page and a u64 page count.
 * One direct buffer per channel, allocated once for {@code packet-pages} ranges and reused for every packet.
 */
public final class FreeRanges {
    public static final int RANGE_BYTES = 16;

    private final ByteBuffer buffer;
    private int count;

    public FreeRanges(int maxRanges) {
        this.buffer = ByteBuffer.allocateDirect(maxRanges * RANGE_BYTES).order(ByteOrder.BIG_ENDIAN);
    }

    /** Starts a packet to send. */
    public void clear() {
        buffer.clear();
        count = 0;
    }

    public void add(long firstOffset, long pages) {
        buffer.putLong(firstOffset).putLong(pages);
        count++;
    }

    public int count() {
        return count;
    }

    /** The ranges added since {@link #clear()}, ready for the write. */
    public ByteBuffer flip() {
        return buffer.flip();
    }

    /** The buffer to read {@code ranges} ranges into (the count checked by {@link PacketHeader#checkFree}). */
    public ByteBuffer expect(int ranges) {
        count = ranges;
        return buffer.clear().limit(ranges * RANGE_BYTES);
    }

    /** The first page index of range {@code i} read, checked: page aligned, inside the block with its count. */
    public long firstPage(int i, String blockName, long blockSize, int pageSize) throws WireException {
        long off = buffer.getLong(i * RANGE_BYTES);
        long pages = buffer.getLong(i * RANGE_BYTES + 8);
        if (off < 0 || off >= blockSize || (off & (pageSize - 1)) != 0) {
            throw new WireException(String.format("free range at offset 0x%x is not a page of block %s (size %d)",
                    off, blockName, blockSize));
        }
        if (pages <= 0 || pages > (blockSize - off) / pageSize) {
            throw new WireException(String.format("free range at offset 0x%x of block %s: %s pages run beyond it",
                    off, blockName, Long.toUnsignedString(pages)));
        }
        return off / pageSize;
    }

    /** The page count of range {@code i} read (valid once {@link #firstPage} accepted it). */
    public long pages(int i) {
        return buffer.getLong(i * RANGE_BYTES + 8);
    }
}
