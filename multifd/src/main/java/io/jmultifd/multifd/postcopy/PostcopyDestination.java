package io.jmultifd.multifd.postcopy;

import io.jmultifd.linux.ErrnoException;
import io.jmultifd.multifd.Failure;
import io.jmultifd.multifd.MigrationResult;
import io.jmultifd.multifd.MigrationFailure.Cause;
import io.jmultifd.multifd.Watchdog;
import io.jmultifd.multifd.channels.ReceiveChannel;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.guest.Workload;
import io.jmultifd.multifd.ram.ReceiveRounds;
import io.jmultifd.multifd.transport.Connection;
import io.jmultifd.multifd.verify.PageDigests;
import io.jmultifd.multifd.verify.Verification;
import io.jmultifd.multifd.wire.PageRequest;
import io.jmultifd.multifd.wire.PostcopyDiscard;
import io.jmultifd.multifd.wire.PostcopyRun;
import io.jmultifd.multifd.wire.PostcopyRunning;
import io.jmultifd.multifd.wire.UrgentPage;
import io.jmultifd.multifd.wire.WireException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The destination's side of postcopy (postcopy-ram=on). At the switchover ({@link #discard}, then {@link #run}):
 * waits until every channel has applied the last precopy round, has the memory checked against the page digests
 * (the last moment it is what was placed: the guest runs here from then on), registers the guest with userfaultfd
 * ({@link FaultedMemory}), discards the pages the source named, has the channels place pages from then on, starts
 * the guest's workload here and answers RUNNING. Faults are requested on the return path; the preempt channel's
 * pages ({@link #receiveUrgent}) and the background stream's are placed atomically, each recorded in the page
 * digests as it was placed. At the end ({@link #finish}) every page must have arrived; the {@link Verification}
 * then compares the blocks' digests with the source's, as after precopy.
 */
public final class PostcopyDestination implements AutoCloseable {
    /** The fault thread's name: it outlives a postcopy pause (faulting threads stay blocked, their requests kept). */
    public static final String FAULT_THREAD = "jmultifd-dst-faults";
    private static final System.Logger LOG = System.getLogger(PostcopyDestination.class.getName());

    private final GuestMemory guest;
    private final int pageSize;
    private volatile Connection main; // null while paused; a new one after a resume
    private final Failure failure;
    private final Watchdog watchdog;
    private final BiConsumer<String, Runnable> threads;
    private final long[][] discarded;
    private final long[] blockPages;
    private final long[] blockSizes;
    private final Verification verification;
    private final PostcopyStatistics statistics = new PostcopyStatistics();
    private final CountDownLatch urgentEnded;
    private final CountDownLatch running = new CountDownLatch(1);
    private volatile FaultedMemory memory;
    private volatile Workload workload;
    private volatile boolean switchoverBegun;

    /**
     * @param threads starts an engine thread (name, body)
     * @param preempt postcopy-preempt=on: a preempt channel will be handed to {@link #receiveUrgent}
     * @param verification this side's: its page digests record every page placed, its downtime is the switchover
     */
    public PostcopyDestination(GuestMemory guest, Connection main, boolean preempt, Failure failure, Watchdog watchdog,
                               BiConsumer<String, Runnable> threads, Verification verification) {
        this.guest = guest;
        this.verification = verification;
        this.pageSize = guest.pageSize();
        this.main = main;
        this.failure = failure;
        this.watchdog = watchdog;
        this.threads = threads;
        List<RamBlock> blocks = guest.blocks();
        this.discarded = new long[blocks.size()][];
        this.blockPages = new long[blocks.size()];
        this.blockSizes = new long[blocks.size()];
        for (int i = 0; i < blocks.size(); i++) {
            discarded[i] = new long[(int) ((blocks.get(i).pageCount() + 63) / 64)];
            blockPages[i] = blocks.get(i).pageCount();
            blockSizes[i] = blocks.get(i).size();
        }
        this.urgentEnded = new CountDownLatch(preempt ? 1 : 0);
    }

    /** Each block's page count: the limits of a discard message. */
    public long[] blockPages() {
        return blockPages;
    }

    /** Whether the switchover happened (then the guest runs here: its memory was checked at the switchover). */
    public boolean switched() {
        return running.getCount() == 0;
    }

    /**
     * Whether the switchover's first message (a DISCARD, or RUN) arrived: the source pauses from before it sends it,
     * so from then on this side pauses too on a broken connection, whether or not the guest started here.
     */
    public boolean switchoverBegun() {
        return switchoverBegun;
    }

    /** Notes a DISCARD; nothing is dropped before RUN. After a resume before RUN the source sends them all again. */
    public void discard(PostcopyDiscard d) throws WireException {
        if (switched()) {
            throw new WireException("postcopy discard after the switchover");
        }
        switchoverBegun = true;
        long[] bits = discarded[d.block()];
        for (int i = 0; i < d.ranges(); i++) {
            for (long p = d.firstPages()[i]; p < d.firstPages()[i] + d.pageCounts()[i]; p++) {
                bits[(int) (p >>> 6)] |= 1L << (p & 63);
            }
        }
    }

    /** RUN: the switchover (see the class comment), on the main stream's reader thread. */
    public void run(PostcopyRun r, ReceiveRounds rounds, List<ReceiveChannel> channels)
            throws IOException, InterruptedException, Failure.Stopped {
        if (switched()) {
            throw new WireException("a second postcopy run");
        }
        switchoverBegun = true;
        while (!rounds.awaitApplied(r.round() + 1, 20)) { // no plain write may land after the registration
            failure.check();
        }
        verification.downtime().start(); // QEMU's postcopy downtime: the source stopped, until the guest runs here
        statistics.started();
        List<RamBlock> blocks = guest.blocks();
        verification.checkBeforeTheGuestRuns();
        FaultedMemory m;
        try {
            m = FaultedMemory.register(blocks, pageSize, verification.digests(), statistics, this::request);
            memory = m;
            for (int b = 0; b < blocks.size(); b++) {
                discardRanges(m, b);
            }
        } catch (ErrnoException e) {
            failure.fail(Cause.INTERNAL, "postcopy: cannot register the guest with userfaultfd: " + e.getMessage());
            failure.check();
            throw new IllegalStateException("the side did not stop after a failure", e);
        }
        threads.accept(FAULT_THREAD, m::serveFaults);
        for (ReceiveChannel c : channels) {
            c.placeThrough(m);
        }
        running.countDown();
        if (r.workloadBytesPerSecond() > 0) {
            Workload w = new Workload(guest, r.workloadBytesPerSecond() / 1e6, r.workloadSeed(), m::touch);
            workload = w;
            w.start();
        }
        Connection c = main;
        synchronized (c) {
            new PostcopyRunning().send(c);
        }
        verification.downtime().end();
    }

    private void discardRanges(FaultedMemory m, int block) throws ErrnoException {
        BitRuns.forEach(discarded[block], blockPages[block], (first, count) -> m.discard(block, first, count));
    }

    /**
     * Asks for a page on the return path (the fault thread). While paused, or when the connection breaks, the request
     * stays outstanding ({@link FaultedMemory#outstandingRequests}) and goes again after the resume; the broken
     * connection is the main stream's to notice.
     */
    private void request(int block, long offset) {
        Connection c = main;
        if (c == null) {
            return;
        }
        try {
            synchronized (c) {
                new PageRequest(block, offset).send(c);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "page request not sent (" + Failure.describe(e) + "): asked again on resume");
        }
    }

    /** The guest's memory as the data channels place pages into it since the switchover (null before). */
    public io.jmultifd.multifd.channels.PagePlacer memory() {
        return memory;
    }

    /** A postcopy pause: no request goes until {@link #reconnected}; faulting threads stay blocked. */
    public void paused() {
        main = null;
    }

    /** The pages valid here, one bit each (1 = valid): what the source need not send again after a pause. */
    public long[][] receivedBitmap() {
        FaultedMemory m = memory;
        long[][] bits = new long[blockPages.length][];
        for (int b = 0; b < bits.length; b++) {
            bits[b] = new long[discarded[b].length];
            for (int w = 0; w < bits[b].length; w++) {
                long valid = m == null ? -1L : ~m.pendingWord(b, w);
                int tail = (int) Math.min(64, blockPages[b] - ((long) w << 6));
                bits[b][w] = tail == 64 ? valid : valid & ((1L << tail) - 1);
            }
        }
        return bits;
    }

    /**
     * Paused before the guest started here (RUN never arrived): the CRC32C of every page as the memory holds it now,
     * which become this side's digests of what was placed. A data channel that the break cut may have left a page of
     * the last precopy round unwritten or written halfway; the source compares with what it sent and adds every page
     * that differs to the DISCARDs it sends again, so the memory check at RUN and the digests at the end hold.
     */
    public int[][] heldDigests() {
        List<RamBlock> blocks = guest.blocks();
        PageDigests digests = verification.digests();
        PageDigests.Recorder now = digests.recorder();
        int[][] held = new int[blocks.size()][];
        for (int b = 0; b < held.length; b++) {
            RamBlock block = blocks.get(b);
            held[b] = new int[(int) block.pageCount()];
            for (long p = 0; p < held[b].length; p++) {
                now.page(b, p, block.page(p));
                held[b][(int) p] = digests.digest(b, p);
            }
        }
        return held;
    }

    /** Resumed on {@code newMain}: the requests of the faults still waiting go again, in any order. */
    public void reconnected(Connection newMain) {
        main = newMain;
        FaultedMemory m = memory;
        if (m != null) {
            for (long[] r : m.outstandingRequests()) {
                request((int) r[0], r[1]);
            }
        }
    }

    /** The preempt channel's receiver thread: urgent pages, placed as they come, until END. */
    public void receiveUrgent(Connection preempt) {
        PageDigests.Recorder placed = verification.digests().recorder();
        try (Arena arena = Arena.ofConfined()) {
            ByteBuffer header = ByteBuffer.allocateDirect(UrgentPage.SIZE).order(ByteOrder.BIG_ENDIAN);
            MemorySegment page = arena.allocate(pageSize, pageSize);
            while (true) {
                preempt.readFully(header.clear(), "a preempt channel header");
                UrgentPage u = UrgentPage.decode(header.flip(), blockSizes, pageSize);
                if (u.type() == UrgentPage.END) {
                    urgentEnded.countDown();
                    return;
                }
                preempt.readFully(page.asByteBuffer(), "a preempt channel page");
                FaultedMemory m = memory;
                if (m == null) {
                    throw new WireException("preempt channel: a page before the switchover");
                }
                if (m.place(u.block(), u.offset(), page, placed)) {
                    statistics.preemptPage();
                }
                watchdog.progressed();
            }
        } catch (WireException e) {
            failure.fail(Cause.PROTOCOL, e.getMessage());
        } catch (IOException e) {
            failure.fail(Cause.CONNECTION, "preempt channel: " + Failure.describe(e));
        } catch (RuntimeException e) {
            failure.fail(Cause.INTERNAL, "preempt channel: " + e);
        }
    }

    /** After every channel ended: waits for the preempt channel's END; every discarded page must be placed. */
    public void finish() throws Failure.Stopped, InterruptedException, WireException {
        while (!urgentEnded.await(20, TimeUnit.MILLISECONDS)) {
            failure.check();
        }
        FaultedMemory m = memory;
        long missing = m == null ? 0 : m.pendingPages();
        if (missing != 0) {
            throw new WireException("postcopy: the source ended with " + missing + " pages never sent");
        }
        statistics.ended();
        if (m != null) {
            m.stop();
            m.awaitServed(10_000);
        }
    }

    /** Pages discarded at the switchover and not placed yet (0 before it). */
    public long pendingPages() {
        FaultedMemory m = memory;
        return m == null ? 0 : m.pendingPages();
    }

    /** What postcopy counted here so far; {@link MigrationResult.Postcopy#NONE} without a switchover. */
    public MigrationResult.Postcopy statistics() {
        return switched() ? statistics.summary() : MigrationResult.Postcopy.NONE;
    }

    /** The guest's workload running here since the switchover (null before, or without one). */
    public Workload workload() {
        return workload;
    }

    /** Teardown: ends the fault thread (the userfaultfd stays open until {@link #close}). */
    public void stop() {
        FaultedMemory m = memory;
        if (m != null) {
            m.stop();
        }
    }

    /**
     * Closes the userfaultfd (a thread still waiting on a fault is woken and faults in zeros: after a failure the
     * guest is lost), then stops the workload. After a completed migration every page is here, nothing waits.
     */
    @Override
    public void close() {
        FaultedMemory m = memory;
        memory = null;
        if (m != null) {
            m.stop();
            try {
                m.awaitServed(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            m.close();
        }
        Workload w = workload;
        if (w != null) {
            w.stop();
        }
    }
}
