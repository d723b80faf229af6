package io.jmultifd.multifd.channels;

import java.util.concurrent.atomic.LongAdder;

/** The pages and payload bytes that all channels of one side moved, counted per packet. */
public final class PageCounters {
    private final LongAdder normalPages = new LongAdder();
    private final LongAdder zeroPages = new LongAdder();
    private final LongAdder compressedBytes = new LongAdder();
    private final LongAdder freePages = new LongAdder();

    public void add(long normal, long zero, long payload) {
        normalPages.add(normal);
        zeroPages.add(zero);
        compressedBytes.add(payload);
    }

    /** Pages sent or received as free (FREE packets): their bytes never moved. */
    public void addFree(long pages) {
        freePages.add(pages);
    }

    public long freePages() {
        return freePages.sum();
    }

    public long normalPages() {
        return normalPages.sum();
    }

    public long zeroPages() {
        return zeroPages.sum();
    }

    /** Normal and zero pages. */
    public long pages() {
        return normalPages.sum() + zeroPages.sum();
    }

    /** Payload bytes of the data pages (what the method produced). */
    public long compressedBytes() {
        return compressedBytes.sum();
    }
}
