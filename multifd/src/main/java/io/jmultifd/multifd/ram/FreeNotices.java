package io.jmultifd.multifd.ram;

import io.jmultifd.multifd.Failure;
import io.jmultifd.multifd.channels.PageBatch;
import io.jmultifd.multifd.channels.SendChannels;

/**
 * The scan's free pages of one block in one round, as ranges: consecutive free pages make one range, and the
 * ranges go to the channels in FREE batches of at most packet-pages ranges. Pages arrive in ascending order.
 */
final class FreeNotices {
    private final SendChannels channels;
    private final int pageSize;
    private PageBatch batch;
    private int block;
    private long round;
    private long first = -1; // the open range: first page and page count
    private long count;
    private long pages;

    FreeNotices(SendChannels channels, int pageSize) {
        this.channels = channels;
        this.pageSize = pageSize;
    }

    /** Starts a block's pages of a round. */
    void start(int block, long round) {
        this.block = block;
        this.round = round;
        this.first = -1;
        this.count = 0;
    }

    /** Adds the free pages of {@code bits}, in word {@code word}. */
    void add(int word, long bits) throws Failure.Stopped, InterruptedException {
        pages += Long.bitCount(bits);
        // Run by run, not page by page: a word of a long free range is one step.
        while (bits != 0) {
            int start = Long.numberOfTrailingZeros(bits);
            int length = Long.numberOfTrailingZeros(~(bits >>> start));
            long page = ((long) word << 6) + start;
            if (first >= 0 && page == first + count) {
                count += length;
            } else {
                flushRange();
                first = page;
                count = length;
            }
            bits = start + length == 64 ? 0 : bits & (-1L << (start + length));
        }
    }

    /** Sends what is left of the block. */
    void finish() throws Failure.Stopped, InterruptedException {
        flushRange();
        if (batch != null) {
            channels.dispatch(batch);
            batch = null;
        }
    }

    /** Pages handed out as free so far. */
    long pages() {
        return pages;
    }

    private void flushRange() throws Failure.Stopped, InterruptedException {
        if (first < 0) {
            return;
        }
        if (batch == null) {
            batch = channels.acquireAny();
            batch.startFree(block, round);
        }
        if (batch.addFreeRange(first * pageSize, count)) {
            channels.dispatch(batch);
            batch = null;
        }
        first = -1;
        count = 0;
    }
}
