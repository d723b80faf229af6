package io.jmultifd.multifd.snapshot;

import io.jmultifd.multifd.Failure;
import io.jmultifd.multifd.MigrationParameters;
import io.jmultifd.multifd.channels.PageCounters;
import io.jmultifd.multifd.guest.DirtyBitmap;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.spi.MethodStatistics;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The save channels as the main thread sees them: {@link #round} fetches and clears the dirty bitmap (as
 * precopy's scan does, so a page dirtied during the round goes into the next one) and hands the pages out in
 * batches, then waits until every channel has written all of them: the round is closed on every channel before
 * the next starts, so a page is never written by two channels at once and a newer copy never loses to an older.
 */
public final class SaveChannels {
    private final List<SaveChannel> channels = new ArrayList<>();
    private final GuestMemory guest;
    private final Failure failure;
    private final Runnable afterBatch;
    private int next;

    /**
     * @param afterBatch   called after each batch handed out (progress reports in a long round)
     * @param batchWritten called by a channel after each batch it wrote (the stall watchdog's progress)
     */
    public SaveChannels(SnapshotWriter writer, GuestMemory guest, MigrationParameters params, PageCounters counters,
                        Failure failure, Runnable afterBatch, Runnable batchWritten) {
        this.guest = guest;
        this.failure = failure;
        this.afterBatch = afterBatch;
        for (int i = 0; i < params.channels(); i++) {
            channels.add(new SaveChannel(i, writer, guest.blocks(), params, counters, failure, batchWritten));
        }
    }

    /** Starts every channel's thread through {@code start} (name, body). */
    public void start(BiConsumer<String, Runnable> start) {
        for (SaveChannel c : channels) {
            start.accept("jmultifd-save-" + c.index(), c::run);
        }
    }

    /** Marks every page dirty: the first round saves them all. */
    public void markAll() {
        for (RamBlock b : guest.blocks()) {
            b.dirty().markAll();
        }
    }

    /** Saves the pages dirty now and returns when every channel has written them. */
    public void round() throws Failure.Stopped, InterruptedException {
        List<RamBlock> blocks = guest.blocks();
        for (int bi = 0; bi < blocks.size(); bi++) {
            DirtyBitmap bitmap = blocks.get(bi).dirty();
            SaveBatch batch = null;
            for (int w = 0; w < bitmap.wordCount(); w++) {
                long bits = bitmap.fetchAndClearWord(w);
                while (bits != 0) {
                    long page = ((long) w << 6) + Long.numberOfTrailingZeros(bits);
                    bits &= bits - 1;
                    if (batch == null) {
                        batch = acquireAny();
                        batch.block = bi;
                        batch.count = 0;
                    }
                    batch.pages[batch.count++] = page;
                    if (batch.count == batch.pages.length) {
                        dispatch(batch);
                        batch = null;
                        afterBatch.run();
                    }
                }
            }
            if (batch != null) {
                dispatch(batch);
            }
        }
        awaitIdle();
    }

    /** Ends every channel's thread (after the last round). */
    public void end() throws Failure.Stopped, InterruptedException {
        for (SaveChannel c : channels) {
            SaveBatch b = take(c);
            b.count = -1;
            dispatch(b);
        }
        awaitIdle();
    }

    private SaveBatch acquireAny() throws Failure.Stopped, InterruptedException {
        int n = channels.size();
        while (true) {
            for (int i = 0; i < n; i++) {
                SaveChannel c = channels.get((next + i) % n);
                SaveBatch b = c.free.poll();
                if (b != null) {
                    next = (c.index() + 1) % n;
                    return b;
                }
            }
            failure.check();
            SaveBatch b = channels.get(next).free.poll(20, TimeUnit.MILLISECONDS);
            if (b != null) {
                next = (next + 1) % n;
                return b;
            }
        }
    }

    private void dispatch(SaveBatch b) {
        if (!b.channel.work.offer(b)) {
            throw new IllegalStateException("save channel queue overflow"); // cannot happen: it holds all batches
        }
    }

    private SaveBatch take(SaveChannel c) throws Failure.Stopped, InterruptedException {
        while (true) {
            failure.check();
            SaveBatch b = c.free.poll(20, TimeUnit.MILLISECONDS);
            if (b != null) {
                return b;
            }
        }
    }

    /**
     * Returns once every batch is back in its free queue, i.e. every channel has written what it was given: takes
     * each channel's batches (woken as each comes back), then gives them back.
     */
    private void awaitIdle() throws Failure.Stopped, InterruptedException {
        SaveBatch[] idle = new SaveBatch[SaveChannel.BATCHES];
        for (SaveChannel c : channels) {
            for (int i = 0; i < idle.length; i++) {
                idle[i] = take(c);
            }
            for (SaveBatch b : idle) {
                c.free.add(b);
            }
        }
        failure.check();
    }

    public MethodStatistics statistics() {
        MethodStatistics s = MethodStatistics.EMPTY;
        for (SaveChannel c : channels) {
            s = s.plus(c.statistics());
        }
        return s;
    }
}
