package io.jmultifd.multifd.guest;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.LongAdder;

/**
 * One "free" bit per page of a block: set by a free-page hint, cleared by the next write of the page.
 *
 * <p>How it works with the {@link DirtyBitmap} so that a written page is never skipped (lock-free, any number of
 * threads; every operation is one atomic read-modify-write per 64-bit word):
 * <ul>
 *   <li>a guest write stores the data, THEN clears the page's free bit ({@link #clear}, release), THEN marks it
 *       dirty (release);</li>
 *   <li>a hint sets the free bits ({@link #set}) and THEN marks the newly free pages dirty, so that the scanner
 *       visits them and tells the destination;</li>
 *   <li>the scanner fetch-and-clears a dirty word (acquire) and only then reads the free word ({@link #word},
 *       acquire): of the pages it took, those free now go as free notices, the others as data.</li>
 * </ul>
 * A write W that comes after a hint H of its page clears H's bit (H's set precedes W's clear on the word). If the
 * scanner's fetch saw W's dirty bit, acquire/release makes it see W's clear too, so it sends the page with W's
 * data. If it did not, W's dirty bit is still set and the page goes in the next round. A hint and a write that
 * race on one page end with the write's clear after the hint's set (the page is sent) or before it (the write
 * happened before the hint: the guest freed the page after writing it). No operation ever clears a dirty bit
 * except the scanner's fetch, so a hint can never take back a write's dirty mark: a write whose clear the
 * scanner's free read missed still has its dirty bit pending, and the page is sent again.
 */
public final class FreePages {
    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);

    private final long pageCount;
    private final long[] words;
    private final LongAdder invalidated = new LongAdder();

    public FreePages(long pageCount) {
        if (pageCount < 0 || (pageCount + 63) / 64 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("page count out of range: " + pageCount);
        }
        this.pageCount = pageCount;
        this.words = new long[(int) ((pageCount + 63) / 64)];
    }

    public long pageCount() {
        return pageCount;
    }

    /**
     * Marks pages {@code first .. first+count-1} free and returns, per word touched, the pages that were not free
     * before: {@code newlyFree.accept(word, bits)} for each word with such pages.
     */
    public void set(long first, long count, WordBits newlyFree) {
        check(first, count);
        long end = first + count;
        long page = first;
        while (page < end) {
            int w = (int) (page >>> 6);
            int from = (int) (page & 63);
            int to = (int) Math.min(64, end - ((long) w << 6));
            long mask = (to == 64 ? -1L : (1L << to) - 1) & (-1L << from);
            long before = (long) WORD.getAndBitwiseOr(words, w, mask);
            long fresh = mask & ~before;
            if (fresh != 0) {
                newlyFree.accept(w, fresh);
            }
            page = ((long) w << 6) + to;
        }
    }

    /** Clears a page's free bit (release); true when it was set, i.e. the write invalidates a hint. */
    public boolean clear(long page) {
        int w = (int) (page >>> 6);
        long mask = 1L << (page & 63);
        // A plain read first: the common write (no hint on its page) costs no atomic operation here. A hint set
        // after this read is ordered after the write: see the class comment.
        if (((long) WORD.getAcquire(words, w) & mask) == 0) {
            return false;
        }
        if (((long) WORD.getAndBitwiseAndRelease(words, w, ~mask) & mask) == 0) {
            return false;
        }
        invalidated.increment();
        return true;
    }

    /** Pages whose free bit a write cleared since {@link #resetInvalidated()}. */
    public long invalidated() {
        return invalidated.sum();
    }

    public void resetInvalidated() {
        invalidated.reset();
    }

    /** The free bits of word {@code w} (acquire): pages {@code 64*w .. 64*w+63}. */
    public long word(int w) {
        return (long) WORD.getAcquire(words, w);
    }

    public boolean isFree(long page) {
        return (word((int) (page >>> 6)) & (1L << (page & 63))) != 0;
    }

    /** The first page at or after {@code from} that is free now, or {@link #pageCount()} when none is. */
    public long nextFree(long from) {
        return next(from, 0L);
    }

    /** The first page at or after {@code from} that is not free now, or {@link #pageCount()} when none is. */
    public long nextInUse(long from) {
        return next(from, -1L);
    }

    /** The first page at or after {@code from} whose bit differs from the bits of {@code flip}. */
    private long next(long from, long flip) {
        if (from >= pageCount) {
            return pageCount;
        }
        int w = (int) (from >>> 6);
        long bits = (word(w) ^ flip) & (-1L << (from & 63));
        while (bits == 0) {
            if (++w == words.length) {
                return pageCount;
            }
            bits = word(w) ^ flip;
        }
        // Bits past the last page are never set, so flipped they read as "in use": hence the min.
        return Math.min(pageCount, ((long) w << 6) + Long.numberOfTrailingZeros(bits));
    }

    /** Pages marked free now (a snapshot). */
    public long count() {
        long n = 0;
        for (int w = 0; w < words.length; w++) {
            n += Long.bitCount(word(w));
        }
        return n;
    }

    /** Forgets every hint (used before a migration that must send every page). */
    public void clearAll() {
        for (int w = 0; w < words.length; w++) {
            WORD.setVolatile(words, w, 0L);
        }
    }

    private void check(long first, long count) {
        if (first < 0 || count < 0 || first > pageCount - count) {
            throw new IndexOutOfBoundsException("pages " + first + " + " + count + " of " + pageCount);
        }
    }

    /** Receives the bits of one word. */
    @FunctionalInterface
    public interface WordBits {
        void accept(int word, long bits);
    }
}
