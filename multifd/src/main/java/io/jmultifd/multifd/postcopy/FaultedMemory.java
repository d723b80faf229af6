package io.jmultifd.multifd.postcopy;

import io.jmultifd.linux.ErrnoException;
import io.jmultifd.linux.Userfaultfd;
import io.jmultifd.linux.VirtualMemory;
import io.jmultifd.linux.ffi.linux_h;
import io.jmultifd.multifd.channels.PagePlacer;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.verify.PageDigests;

import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The destination's guest memory during postcopy (QEMU's postcopy-ram.c, destination half): registered with a
 * userfaultfd in missing-page mode, the pages not yet valid here discarded so that touching them faults, a fault
 * thread ({@link #serveFaults}) that reads the faults and asks for each missing page once, and {@link #place}, which
 * puts a page in atomically with {@code UFFDIO_COPY} and so wakes every thread waiting for it. Any access is served:
 * the engine's, the guest workload's, or a plain {@code MemorySegment} read of another thread.
 *
 * <p>A page that faults without being pending (never written here and not discarded) is zeros: it gets the zero
 * page at once, without a request. Every page placed is recorded in the migration's {@link PageDigests} with what it
 * was, by the recorder of the thread that placed it (the fault thread has its own).
 */
public final class FaultedMemory implements PagePlacer, AutoCloseable {
    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);
    private static final System.Logger LOG = System.getLogger(FaultedMemory.class.getName());

    /** Asks the source for a page (the return path); called on the fault thread. Never fails: a request not sent
     * stays in {@link #outstandingRequests} for a resume. */
    @FunctionalInterface
    public interface Requester {
        void request(int block, long offset);
    }

    private final List<RamBlock> blocks;
    private final int pageSize;
    private final Userfaultfd uffd;
    private final long[][] pending;
    private final AtomicLong pendingPages = new AtomicLong();
    private final PageDigests.Recorder faults; // the fault thread's: zero pages mapped on a fault
    private final PostcopyStatistics statistics;
    private final Requester requester;
    /** Pages asked for and not placed yet: {first fault nanos, faults, sum of the faults' nanos}. */
    private final ConcurrentHashMap<Long, long[]> requested = new ConcurrentHashMap<>();
    private final Arena zeroArena = Arena.ofShared();
    private final MemorySegment zeroPage;
    private volatile boolean stopping;
    private final java.util.concurrent.CountDownLatch served = new java.util.concurrent.CountDownLatch(1);

    private FaultedMemory(List<RamBlock> blocks, int pageSize, Userfaultfd uffd, PageDigests digests,
                          PostcopyStatistics statistics, Requester requester) {
        this.blocks = blocks;
        this.pageSize = pageSize;
        this.uffd = uffd;
        this.faults = digests.recorder();
        this.statistics = statistics;
        this.requester = requester;
        this.pending = new long[blocks.size()][];
        for (int i = 0; i < pending.length; i++) {
            pending[i] = new long[(int) ((blocks.get(i).pageCount() + 63) / 64)];
        }
        this.zeroPage = zeroArena.allocate(pageSize, pageSize);
    }

    /**
     * Opens the userfaultfd and registers every block (anonymous private memory, page-aligned) in missing-page
     * mode. Pages present now stay as they are; {@link #discard} makes pages missing.
     */
    public static FaultedMemory register(List<RamBlock> blocks, int pageSize, PageDigests digests,
                                         PostcopyStatistics statistics, Requester requester) throws ErrnoException {
        Userfaultfd uffd = Userfaultfd.open(linux_h.O_CLOEXEC() | linux_h.O_NONBLOCK());
        try {
            uffd.handshake(0);
            for (RamBlock b : blocks) {
                uffd.register(b.memory(), linux_h.UFFDIO_REGISTER_MODE_MISSING());
            }
        } catch (ErrnoException | RuntimeException e) {
            uffd.close();
            throw e;
        }
        return new FaultedMemory(blocks, pageSize, uffd, digests, statistics, requester);
    }

    /** Makes pages {@code first .. first+count-1} of {@code block} missing (MADV_DONTNEED) and pending. */
    public void discard(int block, long first, long count) throws ErrnoException {
        long[] bits = pending[block];
        for (long p = first; p < first + count; p++) {
            long mask = 1L << (p & 63);
            if (((long) WORD.getAndBitwiseOr(bits, (int) (p >>> 6), mask) & mask) == 0) {
                pendingPages.incrementAndGet();
            }
        }
        VirtualMemory.madvise(blocks.get(block).memory().asSlice(first * pageSize, count * pageSize),
                linux_h.MADV_DONTNEED());
    }

    /** Pages discarded and not placed yet. */
    public long pendingPages() {
        return pendingPages.get();
    }

    /** Word {@code word} of the pending bits of {@code block} (pages 64·word .. 64·word+63). */
    long pendingWord(int block, int word) {
        return (long) WORD.getAcquire(pending[block], word);
    }

    public boolean isPending(int block, long page) {
        return ((long) WORD.getAcquire(pending[block], (int) (page >>> 6)) & (1L << (page & 63))) != 0;
    }

    @Override
    public boolean place(int block, long offset, MemorySegment page, PageDigests.Recorder placed) {
        return placeCopy(block, offset, page, false, placed);
    }

    @Override
    public boolean placeZero(int block, long offset, PageDigests.Recorder placed) {
        return placeCopy(block, offset, zeroPage, true, placed);
    }

    private boolean placeCopy(int block, long offset, MemorySegment page, boolean zero, PageDigests.Recorder placed) {
        long index = offset / pageSize;
        if (!isPending(block, index)) {
            return false; // placed already, or valid since the switchover: the later copy is dropped
        }
        MemorySegment target = blocks.get(block).memory().asSlice(offset, pageSize);
        try {
            if (zero) {
                uffd.zeroPage(target, 0);
            } else {
                uffd.copy(target, page, 0);
            }
        } catch (ErrnoException e) {
            if (e.errno() == linux_h.EEXIST()) {
                return false; // another thread placed it first (and woke the waiters)
            }
            throw new UncheckedIOException("placing page 0x" + Long.toHexString(offset) + " of block "
                    + blocks.get(block).name() + ": " + e.getMessage(), e);
        }
        if (zero) {
            placed.zero(block, index);
        } else {
            placed.page(block, index, page);
        }
        WORD.getAndBitwiseAnd(pending[block], (int) (index >>> 6), ~(1L << (index & 63)));
        pendingPages.decrementAndGet();
        long[] asked = requested.remove(key(block, index));
        if (asked != null) {
            long now = System.nanoTime();
            synchronized (asked) {
                statistics.resolved(now - asked[0], asked[1] * now - asked[2]);
            }
        }
        return true;
    }

    /**
     * Has a pending page faulted in from native code ({@code MADV_POPULATE_WRITE}), so that the caller's Java
     * access to it cannot fault: a thread that waits inside a fault in Java code would hold up any JVM safepoint
     * until its page arrives (see docs/postcopy.md). The guest workload touches its pages this way.
     */
    public void touch(RamBlock ramBlock, long offset) {
        int block = blocks.indexOf(ramBlock);
        if (block >= 0 && isPending(block, offset / pageSize)) {
            try {
                VirtualMemory.madvise(ramBlock.memory().asSlice(offset / pageSize * pageSize, pageSize),
                        linux_h.MADV_POPULATE_WRITE());
            } catch (ErrnoException e) {
                LOG.log(System.Logger.Level.DEBUG, "MADV_POPULATE_WRITE: " + e.getMessage()); // the Java access faults then
            }
        }
    }

    /** The fault thread's body: until {@link #stop}, reads each fault and has its page requested or zeroed. */
    public void serveFaults() {
        try {
            serveUntilStopped();
        } finally {
            served.countDown();
        }
    }

    /** After {@link #stop}: waits for {@link #serveFaults} to return (it must not race {@link #close}). */
    public boolean awaitServed(long timeoutMs) throws InterruptedException {
        return served.await(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private void serveUntilStopped() {
        try {
            while (!stopping) {
                Optional<Userfaultfd.Event> event = uffd.nextEvent(100);
                if (event.isPresent() && event.get().isPageFault()) {
                    fault(event.get().address());
                }
            }
        } catch (ErrnoException e) {
            if (!stopping) {
                throw new UncheckedIOException("reading userfaultfd events: " + e.getMessage(), e);
            }
        } catch (IllegalStateException e) {
            if (!stopping) {
                throw e; // closed under us: only while stopping
            }
        }
    }

    private void fault(long address) {
        long now = System.nanoTime();
        for (int b = 0; b < blocks.size(); b++) {
            MemorySegment m = blocks.get(b).memory();
            long start = m.address();
            if (address < start || address >= start + m.byteSize()) {
                continue;
            }
            long page = (address - start) / pageSize;
            statistics.faulted();
            if (!isPending(b, page)) {
                // Missing without being discarded: never present here, so zeros. Or placed since the fault was
                // raised (EEXIST): then only wake.
                zeroMissing(b, page);
                return;
            }
            boolean[] first = {false};
            requested.compute(key(b, page), (k, v) -> {
                if (v == null) {
                    first[0] = true;
                    return new long[] {now, 1, now};
                }
                synchronized (v) {
                    v[1]++;
                    v[2] += now;
                }
                return v;
            });
            if (first[0]) {
                statistics.requested();
                requester.request(b, page * pageSize);
            }
            if (!isPending(b, page)) { // placed between the check and the record: nobody else will clean up
                requested.remove(key(b, page));
                wake(b, page);
            }
            return;
        }
    }

    private void zeroMissing(int block, long page) {
        try {
            uffd.zeroPage(blocks.get(block).memory().asSlice(page * pageSize, pageSize), 0);
            faults.zero(block, page);
        } catch (ErrnoException e) {
            if (e.errno() != linux_h.EEXIST()) {
                throw new UncheckedIOException("mapping the zero page at 0x" + Long.toHexString(page * pageSize)
                        + " of block " + blocks.get(block).name() + ": " + e.getMessage(), e);
            }
            wake(block, page);
        }
    }

    private void wake(int block, long page) {
        try {
            uffd.wake(blocks.get(block).memory().asSlice(page * pageSize, pageSize));
        } catch (ErrnoException e) {
            LOG.log(System.Logger.Level.DEBUG, "UFFDIO_WAKE: " + e.getMessage());
        }
    }

    /** Pages requested and not placed yet (recovery re-sends them). */
    public List<long[]> outstandingRequests() {
        return requested.keySet().stream().map(k -> new long[] {k >>> 40, (k & ((1L << 40) - 1)) * pageSize}).toList();
    }

    private static long key(int block, long page) {
        return ((long) block << 40) | page;
    }

    /** Ends {@link #serveFaults} within its poll interval. */
    public void stop() {
        stopping = true;
    }

    /** Unregisters and closes the userfaultfd: a thread still waiting on a fault is woken and faults in zeros. */
    @Override
    public void close() {
        stopping = true;
        for (RamBlock b : blocks) {
            try {
                uffd.unregister(b.memory());
            } catch (ErrnoException | IllegalStateException e) {
                LOG.log(System.Logger.Level.DEBUG, "UFFDIO_UNREGISTER: " + e.getMessage());
            }
        }
        try {
            uffd.close();
        } catch (ErrnoException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing the userfaultfd: " + e.getMessage());
        }
        zeroArena.close();
    }
}
