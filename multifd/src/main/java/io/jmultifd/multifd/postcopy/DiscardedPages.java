package io.jmultifd.multifd.postcopy;

import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.transport.Connection;
import io.jmultifd.multifd.verify.PageDigests;
import io.jmultifd.multifd.wire.PostcopyDiscard;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * The source's record of the pages not valid at the destination at the switchover (the dirty pages then, one bit
 * each, per block): sent as DISCARD ranges, and kept, so that a resume after a postcopy pause knows what the
 * destination may lack. The source's memory is frozen from the switchover on, so the record stays true.
 */
final class DiscardedPages {
    private final List<RamBlock> blocks;
    private final long[][] bits;

    private DiscardedPages(List<RamBlock> blocks, long[][] bits) {
        this.blocks = blocks;
        this.bits = bits;
    }

    /** The pages dirty now, every block's, taken whole before the first DISCARD goes. */
    static DiscardedPages dirtyNow(List<RamBlock> blocks) {
        long[][] bits = new long[blocks.size()][];
        for (int b = 0; b < blocks.size(); b++) {
            var dirty = blocks.get(b).dirty();
            bits[b] = new long[dirty.wordCount()];
            for (int w = 0; w < bits[b].length; w++) {
                bits[b][w] = dirty.word(w);
            }
        }
        return new DiscardedPages(blocks, bits);
    }

    /** Sends them as DISCARD ranges, block by block, at most {@link PostcopyDiscard#MAX_RANGES} a message. */
    void send(Connection main) throws IOException {
        for (int b = 0; b < blocks.size(); b++) {
            send(main, b, bits[b], blocks.get(b).pageCount());
        }
    }

    private static void send(Connection main, int block, long[] bits, long pages) throws IOException {
        long[] first = new long[PostcopyDiscard.MAX_RANGES];
        long[] count = new long[PostcopyDiscard.MAX_RANGES];
        int[] n = {0};
        BitRuns.forEach(bits, pages, (start, length) -> {
            first[n[0]] = start;
            count[n[0]++] = length;
            if (n[0] == first.length) {
                new PostcopyDiscard(block, first, count).send(main);
                n[0] = 0;
            }
        });
        if (n[0] > 0) {
            new PostcopyDiscard(block, Arrays.copyOf(first, n[0]), Arrays.copyOf(count, n[0])).send(main);
        }
    }

    /**
     * A resume where the guest runs at the destination: the dirty bitmap becomes the discarded pages that
     * {@code received} (the destination's bitmap, 1 = valid there) does not have; the background round sends them.
     */
    void markMissing(long[][] received) {
        for (int b = 0; b < blocks.size(); b++) {
            var dirty = blocks.get(b).dirty();
            dirty.clear();
            for (int w = 0; w < bits[b].length; w++) {
                dirty.markWord(w, bits[b][w] & ~received[b][w]);
            }
        }
    }

    /**
     * A resume where the guest never started at the destination (RUN did not arrive): the switchover goes again, and
     * its DISCARDs name the pages of the first and every page whose digest there ({@code held}, of its memory as it
     * is) differs from what this side sent last ({@code sent}): a page of the last precopy round that the break left
     * unwritten or written halfway. The dirty bitmap becomes that set, and so does this record.
     */
    void markForAnotherSwitchover(int[][] held, PageDigests sent) {
        for (int b = 0; b < blocks.size(); b++) {
            for (int p = 0; p < held[b].length; p++) {
                if (held[b][p] != sent.digest(b, p)) {
                    bits[b][p >>> 6] |= 1L << (p & 63);
                }
            }
            var dirty = blocks.get(b).dirty();
            dirty.clear();
            for (int w = 0; w < bits[b].length; w++) {
                dirty.markWord(w, bits[b][w]);
            }
        }
    }
}
