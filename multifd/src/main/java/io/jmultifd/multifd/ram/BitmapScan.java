package io.jmultifd.multifd.ram;

import io.jmultifd.multifd.Failure;
import io.jmultifd.multifd.guest.DirtyBitmap;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.channels.PageBatch;
import io.jmultifd.multifd.channels.SendChannels;

import java.util.List;

/**
 * The source's main thread in a round: fetch-and-clear every dirty word of every block and hand the pages to
 * the channels in batches of at most packet-pages. Fetching clears the bits, so a page dirtied again while the
 * round runs goes in the next round, and no page is in a round twice.
 */
public final class BitmapScan {
    private final GuestMemory guest;
    private final SendChannels channels;
    private final boolean legacyZero;
    private final Runnable afterBatch;
    private final FreeNotices freeNotices;
    private boolean freePageHints;

    /**
     * @param legacyZero {@code multifd-zero-page=legacy}: this thread checks zero pages while it scans
     * @param afterBatch called after each full batch (progress reports during a long round)
     */
    public BitmapScan(GuestMemory guest, SendChannels channels, boolean legacyZero, Runnable afterBatch) {
        this.guest = guest;
        this.channels = channels;
        this.legacyZero = legacyZero;
        this.afterBatch = afterBatch;
        this.freeNotices = new FreeNotices(channels, guest.pageSize());
    }

    /**
     * {@code free-page-hint=on}: the pages hinted free when the scan takes them go as FREE ranges, their bytes
     * unread; off: every page goes as data, hints or not.
     */
    public void freePageHints(boolean on) {
        this.freePageHints = on;
    }

    /** Pages sent as free (never read) so far. */
    public long freePagesSkipped() {
        return freeNotices.pages();
    }

    /** Marks every page dirty: the bulk round sends them all. */
    public void markAll() {
        for (RamBlock b : guest.blocks()) {
            b.dirty().markAll();
        }
    }

    /** Sends the pages dirty now as {@code round}; the caller closes the round with a SYNC. */
    public void send(long round) throws Failure.Stopped, InterruptedException {
        int pageSize = guest.pageSize();
        List<RamBlock> blocks = guest.blocks();
        for (int bi = 0; bi < blocks.size(); bi++) {
            RamBlock block = blocks.get(bi);
            DirtyBitmap bitmap = block.dirty();
            PageBatch batch = null;
            int words = bitmap.wordCount();
            freeNotices.start(bi, round);
            for (int w = 0; w < words; w++) {
                long bits = bitmap.fetchAndClearWord(w);
                if (freePageHints && bits != 0) {
                    long free = bits & block.free().word(w); // read after the fetch: see FreePages
                    if (free != 0) {
                        freeNotices.add(w, free);
                        bits &= ~free;
                    }
                }
                while (bits != 0) {
                    long page = ((long) w << 6) + Long.numberOfTrailingZeros(bits);
                    bits &= bits - 1;
                    if (batch == null) {
                        batch = channels.acquireAny();
                        batch.startData(bi, round);
                    }
                    long offset = page * pageSize;
                    boolean zero = legacyZero && ZeroPages.isZero(block.memory().asSlice(offset, pageSize));
                    if (batch.add(offset, zero)) {
                        channels.dispatch(batch);
                        batch = null;
                        afterBatch.run();
                    }
                }
            }
            if (batch != null) {
                channels.dispatch(batch);
            }
            freeNotices.finish();
        }
    }
}
