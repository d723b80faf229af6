package io.jmultifd.multifd.snapshot;

/**
 * Constants of the snapshot file (all integers big-endian), the layout of {@code file:} migrations.
 *
 * <pre>
 * offset 0           header ({@link SnapshotHeader}): u32 MAGIC_HEADER, u16 VERSION, u16 layout (RAW|COMPRESSED),
 *                    u32 header length, u32 page size, str method, u16 n, n x (str key, str value), u32 blocks,
 *                    blocks x (str name, u64 size, u64 table offset, u64 pages offset), u64 completion offset,
 *                    u64 data offset, u32 CRC32C of every byte before it
 * completion offset  completion record ({@link SnapshotCompletion}), written last and synced: u32 MAGIC_COMPLETION,
 *                    u16 VERSION, u32 blocks, u64 file length, u64 rounds,
 *                    blocks x (u64 CRC32C of the block's memory, u32 CRC32C of its table, u64 pages stored),
 *                    u32 CRC32C of every byte before it
 * table offset       one table per block ({@link BlockTable}): the bitmap of stored pages, ceil(pages / 64) x u64
 *                    (bit i of word w is page 64w + i), then per page:
 *                      RAW:        u32 CRC32C of the page
 *                      COMPRESSED: u64 offset, u32 length, u32 CRC32C of the stored bytes (the index)
 * pages offset       RAW: the block's page i at pages offset + i x page size, pages offset aligned to 1 MiB;
 *                    a page whose bit is clear is a zero page and left as a hole (the file is sparse)
 * data offset        COMPRESSED: the pages' method payloads (one page each, decodable alone), where the index says
 * str = u16 length + UTF-8 bytes, at most MAX_STRING bytes.
 * </pre>
 */
public final class SnapshotFormat {
    private SnapshotFormat() {}

    public static final int MAGIC_HEADER = 0x4A4D534E;     // "JMSN"
    public static final int MAGIC_COMPLETION = 0x4A4D5343; // "JMSC"
    public static final int VERSION = 1;

    /** Pages at fixed offsets: the page itself, or a hole for a zero page. */
    public static final int LAYOUT_RAW = 1;
    /** Pages compressed one by one by the method, found through the index. */
    public static final int LAYOUT_COMPRESSED = 2;

    /** Where page regions (and the compressed data region) start: QEMU's mapped-ram alignment. */
    public static final long REGION_ALIGNMENT = 1L << 20;
    /** O_DIRECT transfers: offset, length and buffer address are multiples of this. */
    public static final int IO_ALIGNMENT = 4096;

    public static final int MAX_HEADER_LENGTH = 16 << 20;
    public static final int MAX_STRING = 4096;
    public static final int MAX_METHOD_PARAMETERS = 256;
    public static final int MAX_BLOCKS = 4096;
    /** Per-page table entry sizes. */
    public static final int RAW_ENTRY = 4;
    public static final int INDEX_ENTRY = 16;

    /**
     * Bytes of one transfer of pages (a save batch, a restore chunk): O_DIRECT reaches the disk's bandwidth with
     * transfers of a few MiB, and each costs a fixed latency that small ones cannot hide.
     */
    public static final long TRANSFER_BYTES = 4L << 20;
    /**
     * With O_DIRECT, a run of zero pages at most this long between stored pages of one transfer is moved with them
     * (written as zeros, read through) instead of splitting the transfer in two: one more transfer costs about the
     * disk's time for this many bytes. The bitmap still marks such pages as not stored, so restore zeroes them.
     */
    public static final long DIRECT_IO_GAP_BYTES = 128 << 10;

    /** Pages in one transfer of {@link #TRANSFER_BYTES} (at least one). */
    public static int transferPages(int pageSize) {
        return (int) Math.max(1, TRANSFER_BYTES / pageSize);
    }

    /** Zero pages a transfer may carry inside it: {@link #DIRECT_IO_GAP_BYTES} with O_DIRECT, none without. */
    public static int gapPages(int pageSize, boolean direct) {
        return direct ? (int) (DIRECT_IO_GAP_BYTES / pageSize) : 0;
    }

    public static long alignUp(long value, long alignment) {
        return (value + alignment - 1) / alignment * alignment;
    }

    public static String layoutName(int layout) {
        return switch (layout) {
            case LAYOUT_RAW -> "mapped-ram";
            case LAYOUT_COMPRESSED -> "compressed";
            default -> "unknown layout " + layout;
        };
    }
}
