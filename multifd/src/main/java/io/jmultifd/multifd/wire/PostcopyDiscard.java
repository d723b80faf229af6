package io.jmultifd.multifd.wire;

import java.io.IOException;

/**
 * Source to destination at the switchover to postcopy: pages of one block that are not valid at the destination
 * (dirtied after they were last sent), as ranges; the destination discards them so that the guest faults on them
 * (QEMU's postcopy discard). A block with many ranges takes several messages.
 *
 * <pre>u8 8, u32 block index, u32 n (1..MAX_RANGES), n x (u64 first page, u64 page count)</pre>
 *
 * @param firstPages page indexes, ascending, each range inside the block and after the previous one
 * @param pageCounts the length of each range, at least 1
 */
public record PostcopyDiscard(int block, long[] firstPages, long[] pageCounts) implements SourceMessage {
    public static final int MAX_RANGES = 1 << 16;

    public PostcopyDiscard {
        if (firstPages.length != pageCounts.length || firstPages.length == 0 || firstPages.length > MAX_RANGES) {
            throw new IllegalArgumentException("1.." + MAX_RANGES + " ranges, got " + firstPages.length);
        }
    }

    public int ranges() {
        return firstPages.length;
    }

    @Override
    public void encode(MessageWriter w) {
        w.u8(Wire.MSG_POSTCOPY_DISCARD).u32(block).u32(firstPages.length);
        for (int i = 0; i < firstPages.length; i++) {
            w.u64(firstPages[i]).u64(pageCounts[i]);
        }
    }

    /**
     * The fields after the type; {@code blockPages} holds the page count of each block. A block index, range count or
     * range outside its limits (or out of order) is a {@link WireException} before the ranges are allocated or used.
     */
    static PostcopyDiscard decodeBody(MessageReader r, long[] blockPages) throws IOException {
        long block = r.u32("discard block");
        if (block >= blockPages.length) {
            throw new WireException("postcopy discard: block index " + block + " of " + blockPages.length + " blocks");
        }
        long n = r.u32("discard range count");
        if (n == 0 || n > MAX_RANGES) {
            throw new WireException("postcopy discard: range count " + n + " outside 1.." + MAX_RANGES);
        }
        long pages = blockPages[(int) block];
        long[] first = new long[(int) n];
        long[] count = new long[(int) n];
        long end = 0;
        for (int i = 0; i < n; i++) {
            first[i] = r.u64("discard first page");
            count[i] = r.u64("discard page count");
            if (first[i] < end || first[i] >= pages || count[i] <= 0 || count[i] > pages - first[i]) {
                throw new WireException(String.format("postcopy discard: range %s+%s of block %d (%d pages) is out "
                        + "of order or beyond it", Long.toUnsignedString(first[i]), Long.toUnsignedString(count[i]),
                        block, pages));
            }
            end = first[i] + count[i];
        }
        return new PostcopyDiscard((int) block, first, count);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PostcopyDiscard d && d.block == block && java.util.Arrays.equals(d.firstPages, firstPages)
                && java.util.Arrays.equals(d.pageCounts, pageCounts);
    }

    @Override
    public int hashCode() {
        return block * 31 + java.util.Arrays.hashCode(firstPages);
    }

    @Override
    public String toString() {
        return "PostcopyDiscard[block=" + block + ", ranges=" + firstPages.length + "]";
    }
}
