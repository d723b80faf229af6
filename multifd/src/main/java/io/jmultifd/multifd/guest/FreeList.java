package io.jmultifd.multifd.guest;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The free memory of a synthetic guest, in chunks of whole pages (as a guest kernel's buddy allocator hands out
 * large free blocks; Linux's balloon driver reports blocks of 4 MiB): each chunk is free, in use, or held by the
 * balloon driver while it reports it. The {@link Workload} allocates from it and frees to it; as a
 * {@link FreePageHints.Reporter} it answers a migration's request by reporting every free chunk (on a thread of
 * its own, like the driver's work queue), and while the window is open each chunk the workload frees is
 * reported at once. A chunk being reported cannot be allocated, so no hint reports a page that is in use.
 * The chunk states change with compare-and-set only.
 */
public final class FreeList implements FreePageHints.Reporter {
    private static final int FREE = 0;
    private static final int USED = 1;
    private static final int REPORTING = 2;

    private record Chunk(RamBlock block, long firstPage, long pages) {}

    private final List<Chunk> chunks;
    private final AtomicIntegerArray state;
    private volatile FreePageHints hints;

    private FreeList(List<Chunk> chunks) {
        this.chunks = chunks;
        this.state = new AtomicIntegerArray(chunks.size());
    }

    /**
     * A free list over {@code guest} with {@code percent} of its chunks free (chosen with {@code seed}), registered
     * with the guest's hints and as the guest's {@link GuestMemory#freeList()} (a {@link Workload} uses it). Chunks are up to 1024 pages (4 MiB of 4 KiB pages), smaller in a small guest so that
     * it still has 64 of them.
     */
    public static FreeList create(GuestMemory guest, int percent, long seed) {
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("free=" + percent + ": a percentage must be between 0 and 100");
        }
        long chunkPages = Math.clamp(guest.totalPages() / 64, 1, 1024);
        List<Chunk> chunks = new ArrayList<>();
        for (RamBlock b : guest.blocks()) {
            for (long p = 0; p < b.pageCount(); p += chunkPages) {
                chunks.add(new Chunk(b, p, Math.min(chunkPages, b.pageCount() - p)));
            }
        }
        FreeList list = new FreeList(chunks);
        int n = chunks.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int free = (int) Math.round(n * percent / 100.0);
        for (int i = 0; i < n; i++) {
            list.state.set(order[i], i < free ? FREE : USED);
        }
        guest.hints().addReporter(list);
        guest.freeList(list);
        return list;
    }

    public int chunkCount() {
        return chunks.size();
    }

    /** Pages in free chunks now. */
    public long freePages() {
        long n = 0;
        for (int i = 0; i < chunks.size(); i++) {
            n += state.get(i) != USED ? chunks.get(i).pages() : 0;
        }
        return n;
    }

    /** A chunk in use, chosen at random (-1 when none is). */
    int randomUsed(SplittableRandom random) {
        int n = chunks.size();
        int start = random.nextInt(n);
        for (int i = 0; i < n; i++) {
            int c = (start + i) % n;
            if (state.get(c) == USED) {
                return c;
            }
        }
        return -1;
    }

    /** Takes a free chunk (-1 when none is free now). */
    int allocate(SplittableRandom random) {
        int n = chunks.size();
        int start = random.nextInt(n);
        for (int i = 0; i < n; i++) {
            int c = (start + i) % n;
            if (state.compareAndSet(c, FREE, USED)) {
                return c;
            }
        }
        return -1;
    }

    /** Gives a chunk in use back, and reports it when a migration takes hints. */
    void free(int chunk) {
        if (state.compareAndSet(chunk, USED, FREE)) {
            FreePageHints h = hints;
            if (h != null && h.isOpen()) {
                report(h, chunk);
            }
        }
    }

    RamBlock block(int chunk) {
        return chunks.get(chunk).block();
    }

    /** A page of the chunk, as an index in its block. */
    long page(int chunk, SplittableRandom random) {
        Chunk c = chunks.get(chunk);
        return c.firstPage() + random.nextLong(c.pages());
    }

    @Override
    public void hintsRequested(FreePageHints requester) {
        hints = requester;
        Thread.ofPlatform().name("guest-balloon").daemon(true).start(() -> {
            for (int c = 0; c < chunks.size() && requester.isOpen(); c++) {
                report(requester, c);
            }
        });
    }

    /** Holds a free chunk while it is reported, so that nobody allocates it meanwhile. */
    private void report(FreePageHints h, int chunk) {
        if (state.compareAndSet(chunk, FREE, REPORTING)) {
            Chunk c = chunks.get(chunk);
            long ps = c.block().pageSize();
            h.hintFree(c.block(), c.firstPage() * ps, c.pages() * ps);
            state.set(chunk, FREE);
        }
    }
}
