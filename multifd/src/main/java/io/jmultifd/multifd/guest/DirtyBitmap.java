package io.jmultifd.multifd.guest;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One dirty bit per page, in atomic 64-bit words.
 *
 * <p>Ordering contract (why no write is lost): a guest write stores the data FIRST and THEN sets the bit
 * with a release read-modify-write ({@link #markDirty}). The scanner clears a whole word with
 * {@link #fetchAndClearWord} (getAndSet, which has acquire semantics) and only then reads the pages whose
 * bits it found set. For any write W to page P one of two things holds:
 * <ul>
 *   <li>the scanner's getAndSet saw W's bit: then by release/acquire it also sees W's data, so the copy it
 *       sends contains W (or something newer);</li>
 *   <li>the scanner's getAndSet did not see W's bit: then W's bit is set after the clear and stays set,
 *       so P is sent again in the next round.</li>
 * </ul>
 * Setting the bit before storing would break this: the scanner could clear the bit and copy the page while
 * the store is still on its way, and nothing would send the page again.
 */
public final class DirtyBitmap {
    private final long pageCount;
    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);
    private final long[] words;

    public DirtyBitmap(long pageCount) {
        if (pageCount < 0 || (pageCount + 63) / 64 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("page count out of range: " + pageCount);
        }
        this.pageCount = pageCount;
        this.words = new long[(int) ((pageCount + 63) / 64)];
    }

    public long pageCount() {
        return pageCount;
    }

    /** Number of 64-bit words; word {@code w} covers pages {@code 64*w .. 64*w+63}. */
    public int wordCount() {
        return words.length;
    }

    /** Marks a page dirty with release semantics; call it after the page's data is stored. */
    public void markDirty(long page) {
        if (page < 0 || page >= pageCount) {
            throw new IndexOutOfBoundsException("page " + page + " of " + pageCount);
        }
        WORD.getAndBitwiseOrRelease(words, (int) (page >>> 6), 1L << (page & 63));
    }

    /** Marks the pages of {@code bits} in word {@code word} dirty (release), e.g. pages a hint just freed. */
    public void markWord(int word, long bits) {
        WORD.getAndBitwiseOrRelease(words, word, bits);
    }

    /** Marks every page dirty (the bulk round). */
    public void markAll() {
        int full = (int) (pageCount >>> 6);
        for (int w = 0; w < full; w++) {
            WORD.getAndBitwiseOrRelease(words, w, -1L);
        }
        int rest = (int) (pageCount & 63);
        if (rest != 0) {
            WORD.getAndBitwiseOrRelease(words, full, (1L << rest) - 1);
        }
    }

    /** The scanner's fetch-and-clear of one word (acquire): the bits returned are now the caller's to send. */
    public long fetchAndClearWord(int word) {
        return (long) WORD.getAndSet(words, word, 0L);
    }

    /** Clears one page's bit (acquire); true when it was set: the page is now the caller's to send. */
    public boolean fetchAndClear(long page) {
        long mask = 1L << (page & 63);
        return ((long) WORD.getAndBitwiseAnd(words, (int) (page >>> 6), ~mask) & mask) != 0;
    }

    /** Word {@code word} as it is now (acquire), without clearing it. */
    public long word(int word) {
        return (long) WORD.getAcquire(words, word);
    }

    public boolean isDirty(long page) {
        return (((long) WORD.getAcquire(words, (int) (page >>> 6))) & (1L << (page & 63))) != 0;
    }

    /** Pages currently marked dirty (a snapshot; the guest may add more meanwhile). */
    public long dirtyCount() {
        long n = 0;
        for (int w = 0; w < words.length; w++) {
            n += Long.bitCount((long) WORD.getAcquire(words, w));
        }
        return n;
    }

    /** Clears every bit (used when a migration starts over with a full bulk round anyway). */
    public void clear() {
        for (int w = 0; w < words.length; w++) {
            WORD.setVolatile(words, w, 0L);
        }
    }
}
