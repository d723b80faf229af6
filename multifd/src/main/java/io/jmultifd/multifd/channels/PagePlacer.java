package io.jmultifd.multifd.channels;

import io.jmultifd.multifd.verify.PageDigests;

import java.lang.foreign.MemorySegment;

/**
 * Where a receiver puts pages once the guest runs at the destination (postcopy): each page is placed atomically
 * (userfaultfd), never written in place, and a page placed already keeps what it has (the later copy is dropped).
 * The placer records the digest of each page it places with the caller's recorder, so that the verification sees
 * every page the destination placed, whichever thread placed it.
 */
public interface PagePlacer {
    /**
     * Places {@code page} (native, one page) at {@code offset} of block {@code block} and records its digest with
     * {@code placed}; false (nothing recorded) when it was there.
     */
    boolean place(int block, long offset, MemorySegment page, PageDigests.Recorder placed);

    /** Places a zero page and records it with {@code placed}; false when the page was there. */
    boolean placeZero(int block, long offset, PageDigests.Recorder placed);
}
