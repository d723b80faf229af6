package io.jmultifd.multifd.channels;

import java.lang.foreign.MemorySegment;

/**
 * Where a receiver puts pages once the guest runs at the destination (postcopy): each page is placed atomically
 * (userfaultfd), never written in place, and a page placed already keeps what it has (the later copy is dropped).
 */
public interface PagePlacer {
    /** Places {@code page} (native, one page) at {@code offset} of block {@code block}; false when it was there. */
    boolean place(int block, long offset, MemorySegment page);

    /** Places a zero page; false when the page was there. */
    boolean placeZero(int block, long offset);
}
