package io.jmultifd.multifd.ram;

import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.verify.PageDigests;
import io.jmultifd.multifd.wire.FreeRanges;
import io.jmultifd.multifd.wire.WireException;


/**
 * The destination's side of free-page hints: the pages of a FREE packet must read as zero, as both ends agreed
 * (the source counts them as zeros in its checksum, whatever stale bytes it holds). Like any page, each is in a
 * round at most once. The destination block's free bits record the pages that came as free last
 * ({@link ReceiveRounds#claim} takes the bit back when the page comes again).
 */
public final class FreePageReceiver {
    private final FreeRanges ranges;
    private final int pageSize;

    public FreePageReceiver(int packetPages, int pageSize) {
        this.ranges = new FreeRanges(packetPages);
        this.pageSize = pageSize;
    }

    /** Where the packet's {@code count} ranges are read into. */
    public java.nio.ByteBuffer expect(int count) {
        return ranges.expect(count);
    }

    /**
     * Zeroes the ranges read into {@link #expect}, after checking each is inside {@code block} and no page of it
     * came before in this round; their digests are those of zero pages.
     *
     * @return the number of pages
     */
    public long apply(RamBlock block, int blockIndex, int count, ReceiveRounds rounds, long round,
                      PageDigests.Recorder placed) throws WireException {
        long total = 0;
        for (int i = 0; i < count; i++) {
            long first = ranges.firstPage(i, block.name(), block.size(), pageSize);
            long pages = ranges.pages(i);
            long twice = rounds.claimRange(blockIndex, first, pages);
            if (twice >= 0) {
                throw new WireException(String.format("page offset 0x%x of block %s sent twice in round %d",
                        twice * pageSize, block.name(), round));
            }
            // Dropped rather than read and written: a fresh destination's pages stay untouched. Marked free, so
            // that the checksum counts them as the zeros they are without faulting them in.
            block.discard(first, pages);
            block.free().set(first, pages, (word, bits) -> { });
            placed.zeros(blockIndex, first, pages);
            total += pages;
        }
        return total;
    }
}
