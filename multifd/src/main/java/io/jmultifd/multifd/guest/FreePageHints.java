package io.jmultifd.multifd.guest;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The guest side of free-page hinting (QEMU's virtio-balloon free page hints): during a migration the guest, or
 * the application that owns the memory, reports ranges it does not use with {@link #hintFree}, and the source
 * sends them as free instead of sending their bytes; the destination zeroes them. A hinted page that is written
 * again is sent again (see {@link FreePages} for why no write can be lost, on any number of threads).
 *
 * <p>Hints count only while a migration with {@code free-page-hint=on} has the window open: from its bulk round
 * until its stop-and-copy round. Outside the window {@link #hintFree} does nothing and returns false; closing
 * waits for the hints in flight, so no hint changes the free pages once the last round has begun. When the window
 * opens the {@link Reporter}s are asked for every range free at that moment, as QEMU asks the balloon driver.
 */
public final class FreePageHints {
    /** A guest that knows its free memory (a balloon driver): reports it when asked. */
    @FunctionalInterface
    public interface Reporter {
        /** A migration opened the window: report the free ranges with {@link #hintFree}, now or soon. */
        void hintsRequested(FreePageHints hints);
    }

    private static final long CLOSED = Long.MIN_VALUE; // the sign bit; the rest counts hints in flight

    private final GuestMemory guest;
    private final AtomicLong state = new AtomicLong(CLOSED);
    private final List<Reporter> reporters = new CopyOnWriteArrayList<>();
    private final LongAdder hints = new LongAdder();
    private final LongAdder pagesHinted = new LongAdder();

    FreePageHints(GuestMemory guest) {
        this.guest = guest;
    }

    /** Adds a guest that reports its free memory whenever a migration opens the window. */
    public void addReporter(Reporter r) {
        reporters.add(r);
    }

    /**
     * Reports the bytes {@code offset .. offset+length-1} of {@code block} as unused. Only whole pages inside the
     * range count (a page partly in use is in use). Lock-free; any thread.
     *
     * @return true when the hint was taken, false when no migration takes hints now
     * @throws IllegalArgumentException for an unknown block or a range outside it
     */
    public boolean hintFree(String block, long offset, long length) {
        return hintFree(guest.block(block), offset, length);
    }

    /** {@link #hintFree(String, long, long)} for a block of this guest. */
    public boolean hintFree(RamBlock block, long offset, long length) {
        if (offset < 0 || length < 0 || offset > block.size() - length) {
            throw new IllegalArgumentException("hint of " + length + " bytes at " + offset + " outside block "
                    + block.name() + " of " + block.size() + " bytes");
        }
        long ps = block.pageSize();
        long first = (offset + ps - 1) / ps;
        long end = (offset + length) / ps;
        if (!enter()) {
            return false;
        }
        try {
            hints.increment();
            if (end > first) {
                DirtyBitmap dirty = block.dirty();
                block.free().set(first, end - first, (w, bits) -> {
                    dirty.markWord(w, bits); // after the free bits: the scanner sends them as free notices
                    pagesHinted.add(Long.bitCount(bits));
                });
            }
            return true;
        } finally {
            state.decrementAndGet();
        }
    }

    private boolean enter() {
        while (true) {
            long s = state.get();
            if (s < 0) {
                return false;
            }
            if (state.compareAndSet(s, s + 1)) {
                return true;
            }
        }
    }

    /** Opens the window (a migration's bulk round starts), resets the counters and asks the reporters. */
    public void open() {
        hints.reset();
        pagesHinted.reset();
        for (RamBlock b : guest.blocks()) {
            b.free().resetInvalidated();
        }
        state.compareAndSet(CLOSED, 0);
        for (Reporter r : reporters) {
            r.hintsRequested(this);
        }
    }

    /** Closes the window and waits until no hint is in flight: the free pages stay as they are from now on. */
    public void close() {
        while (true) {
            long s = state.get();
            if (s < 0 || state.compareAndSet(s, s | CLOSED)) {
                break;
            }
        }
        while (state.get() != CLOSED) {
            Thread.onSpinWait(); // a hint in flight finishes in microseconds
        }
    }

    public boolean isOpen() {
        return state.get() >= 0;
    }

    /** Hints taken since the window last opened. */
    public long hintsReceived() {
        return hints.sum();
    }

    /** Pages that became free by those hints. */
    public long pagesHinted() {
        return pagesHinted.sum();
    }

    /** Hinted pages written again since the window last opened (each is sent again). */
    public long hintsInvalidated() {
        long n = 0;
        for (RamBlock b : guest.blocks()) {
            n += b.free().invalidated();
        }
        return n;
    }
}
