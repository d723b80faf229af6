package io.jmultifd.multifd.postcopy;

import io.jmultifd.multifd.Failure;
import io.jmultifd.multifd.MigrationResult;
import io.jmultifd.multifd.MigrationFailure.Cause;
import io.jmultifd.multifd.Watchdog;
import io.jmultifd.multifd.channels.PageBatch;
import io.jmultifd.multifd.channels.SendChannels;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.guest.Workload;
import io.jmultifd.multifd.transport.Connection;
import io.jmultifd.multifd.verify.PageDigests;
import io.jmultifd.multifd.verify.Verification;
import io.jmultifd.multifd.wire.PageRequest;
import io.jmultifd.multifd.wire.PostcopyRun;
import io.jmultifd.multifd.wire.UrgentPage;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The source's side of postcopy (postcopy-ram=on). {@link #switchover}: the workload is paused (the source's memory
 * stays frozen from then on), the pages not valid at the destination (dirty now) go as DISCARD ranges, then RUN, and
 * the source waits for RUNNING. {@link #background}: every remaining page goes on the multifd channels with the
 * migration's method, the scan moving on from each requested page (locality). {@link #requested}, on the return
 * path's thread: a page the destination faulted on goes at once on the preempt channel (postcopy-preempt=on), else
 * ahead of the scan's next batch on the multifd channels. Every page sent is recorded in the page digests, as the
 * channels record theirs, so the verification works as after precopy.
 */
public final class PostcopySource {
    private static final long[] END = new long[0];

    private final GuestMemory guest;
    private final Workload workload;
    private final SendChannels channels;
    private final Failure failure;
    private final Watchdog watchdog;
    private volatile Connection preempt; // a new one after a resume
    private final Verification verification;
    private final CompletableFuture<Void> running = new CompletableFuture<>();
    private final LinkedBlockingQueue<long[]> urgent = new LinkedBlockingQueue<>();
    private volatile CompletableFuture<Void> urgentEnded = new CompletableFuture<>();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong preemptPages = new AtomicLong();
    private volatile long hint = -1; // (block << 40 | page) of the last request: the scan moves on from there
    private volatile boolean startRequested;
    private final java.util.function.BooleanSupplier startAsked;
    private final Runnable progress;
    private long previousDirty = -1;
    private int roundsNotShrinking;
    private volatile boolean switched;
    private volatile boolean switchoverBegun;
    private volatile boolean runSent;
    private DiscardedPages discarded; // the pages DISCARD named at the switchover: a resume sends those not received
    private long switchNanos;
    private long endNanos;

    /**
     * @param preempt      the preempt channel (postcopy-preempt=on), or null
     * @param verification this side's: the preempt channel records the pages it sends in its page digests; its
     *                     downtime ends when the guest runs at the destination
     * @param progress     called between the background round's batches: the migration reports now and then
     */
    public PostcopySource(GuestMemory guest, Workload workload, SendChannels channels, Connection preempt,
                          Failure failure, Watchdog watchdog, java.util.function.BooleanSupplier startAsked,
                          Verification verification, Runnable progress) {
        this.startAsked = startAsked;
        this.progress = progress;
        this.verification = verification;
        this.guest = guest;
        this.workload = workload;
        this.channels = channels;
        this.preempt = preempt;
        this.failure = failure;
        this.watchdog = watchdog;
    }

    /** Whether to switch now: asked for ({@code migrate-start-postcopy}), or the policy decided it. */
    public boolean startRequested() {
        return startRequested || startAsked.getAsBoolean();
    }

    /**
     * The policy, after each iteration round that did not fit the downtime limit: precopy does not converge when
     * it would give up ({@code giveUp}, from ram.Convergence), or when the dirty pages did not shrink over two
     * rounds in a row (the guest dirties as fast as the link sends); then it switches to postcopy.
     */
    public boolean notConverging(long dirtyPages, String giveUp) {
        roundsNotShrinking = previousDirty >= 0 && dirtyPages >= previousDirty ? roundsNotShrinking + 1 : 0;
        previousDirty = dirtyPages;
        if (giveUp != null || roundsNotShrinking >= 2) {
            System.getLogger(PostcopySource.class.getName()).log(System.Logger.Level.INFO, "switching to postcopy: "
                    + (giveUp != null ? giveUp : "the dirty pages did not shrink for 2 rounds (" + dirtyPages + ")"));
            startRequested = true;
        }
        return startRequested;
    }

    /**
     * The postcopy phase after the switchover: the background round {@code round} closed by a SYNC, then END on the
     * preempt channel. After a resume it runs again, on the new connections, for the pages still missing there.
     */
    public void finish(long round) throws Failure.Stopped, InterruptedException {
        background(round);
        channels.sync(round);
        endUrgent();
    }

    /**
     * A paused postcopy resumes on new connections (the data channels are new in {@link #channels}): what the
     * destination asked for before is dropped (it asks again), and the pages to send are those discarded at the
     * switchover that the destination does not hold ({@code received}, its bitmap). The source's memory is frozen.
     */
    public void resumed(Connection newPreempt, long[][] received) {
        running.complete(null); // it ran there before the pause (RUN went out), else it would not have resumed
        verification.downtime().end(); // so it runs there: a pause before RUNNING arrived ends the downtime here
        switched = true;
        urgent.clear();
        urgentEnded = new CompletableFuture<>();
        preempt = newPreempt;
        hint = -1;
        discarded.markMissing(received);
    }

    public boolean switched() {
        return switched;
    }

    /**
     * Whether RUN went out (and the destination has not said since that it never arrived): the guest may run at the
     * destination, the source's copy must stay paused.
     */
    public boolean runSent() {
        return runSent;
    }

    /** Whether the switchover began: from before its first DISCARD a broken connection pauses both ends. */
    public boolean switchoverBegun() {
        return switchoverBegun;
    }

    /**
     * A paused postcopy resumes on new connections, and the destination says its guest never started (RUN did not
     * arrive: {@code held}, the digests of its pages as its memory holds them). The guest stays this side's until RUN
     * goes again ({@link #afterResume}); the pages to discard are those of the switchover and every page whose digest
     * there differs from what was sent last (a page of the last precopy round the break cut).
     */
    public void resumedBeforeRun(Connection newPreempt, int[][] held) {
        runSent = false;
        urgent.clear();
        urgentEnded = new CompletableFuture<>();
        preempt = newPreempt;
        hint = -1;
        discarded.markForAnotherSwitchover(held, verification.digests());
    }

    /**
     * The round the postcopy phase goes on with after a resume: 0 when the guest runs at the destination; else the
     * switchover goes again first, on the new channels (their round 0, closed by a SYNC, is empty: RUN waits for
     * it), and the background round is round 1.
     */
    public long afterResume(Connection main) throws IOException, Failure.Stopped, InterruptedException {
        if (switched) {
            return 0;
        }
        channels.sync(0);
        switchover(0, main);
        return 1;
    }

    /**
     * The switchover after precopy round {@code round} (closed by a SYNC): sends DISCARD for every dirty page and
     * RUN, and waits for RUNNING. The caller has paused the workload.
     */
    public void switchover(long round, Connection main) throws IOException, Failure.Stopped, InterruptedException {
        if (switchNanos == 0) { // the postcopy time counts from the first, when the switchover goes again after a resume
            switchNanos = System.nanoTime();
        }
        discarded = DiscardedPages.dirtyNow(guest.blocks()); // all of them before the first DISCARD: a resume needs them
        switchoverBegun = true;
        discarded.send(main);
        long rate = workload == null ? 0 : (long) (workload.mbPerSecond() * 1e6);
        runSent = true;
        new PostcopyRun(round, rate, workload == null ? 0 : workload.seed()).send(main);
        watchdog.progressed();
        failure.await(running, "the destination's postcopy RUNNING");
        verification.downtime().end(); // QEMU's postcopy downtime: until the guest runs at the destination
        switched = true;
    }

    /** RUNNING arrived (return path). */
    public void running() {
        running.complete(null);
    }

    /** A page request arrived (return path's thread). */
    public void requested(PageRequest r) {
        requests.incrementAndGet();
        long page = r.offset() / guest.pageSize();
        boolean unsent = guest.blocks().get(r.block()).dirty().fetchAndClear(page);
        hint = ((long) r.block() << 40) | page;
        if (preempt != null || unsent) { // without preempt, a page already handed to a channel is on its way
            urgent.add(new long[] {r.block(), r.offset()});
        }
    }

    /**
     * Sends every page still dirty as round {@code round} on the multifd channels; the caller closes it with a SYNC.
     * Without preempt, requested pages go first, a batch of their own each.
     */
    public void background(long round) throws Failure.Stopped, InterruptedException {
        List<RamBlock> blocks = guest.blocks();
        int pageSize = guest.pageSize();
        long totalWords = 0;
        for (RamBlock b : blocks) {
            totalWords += b.dirty().wordCount();
        }
        int bi = 0;
        int w = 0;
        long lastHint = -1;
        long emptyWords = 0;
        while (emptyWords < totalWords) {
            progress.run();
            if (preempt == null) {
                sendRequested(round);
            }
            long h = hint;
            if (h != lastHint && h >= 0) { // locality: move on from the page the guest asked for
                lastHint = h;
                emptyWords = 0; // the words skipped by the jump are not known empty: a whole cycle more to be done
                bi = (int) (h >>> 40);
                w = (int) ((h & ((1L << 40) - 1)) >>> 6);
            }
            RamBlock block = blocks.get(bi);
            long bits = block.dirty().fetchAndClearWord(w);
            if (bits == 0) {
                emptyWords++;
            } else {
                emptyWords = 0;
                PageBatch batch = null;
                while (bits != 0) {
                    long page = ((long) w << 6) + Long.numberOfTrailingZeros(bits);
                    bits &= bits - 1;
                    if (batch == null) {
                        batch = channels.acquireAny();
                        batch.startData(bi, round);
                    }
                    if (batch.add(page * pageSize, false)) {
                        channels.dispatch(batch);
                        batch = null;
                    }
                }
                if (batch != null) {
                    channels.dispatch(batch);
                }
            }
            if (++w == block.dirty().wordCount()) {
                w = 0;
                bi = (bi + 1) % blocks.size();
            }
        }
        if (preempt == null) {
            sendRequested(round);
        }
    }

    private void sendRequested(long round) throws Failure.Stopped, InterruptedException {
        long[] r;
        while ((r = urgent.poll()) != null) {
            PageBatch batch = channels.acquireAny();
            batch.startData((int) r[0], round);
            batch.add(r[1], false);
            channels.dispatch(batch);
        }
    }

    /** The preempt channel's sender thread: each requested page at once, raw, until {@link #endUrgent}. */
    public void sendUrgent() {
        Connection preempt = this.preempt;
        CompletableFuture<Void> urgentEnded = this.urgentEnded;
        ByteBuffer header = ByteBuffer.allocateDirect(UrgentPage.SIZE).order(ByteOrder.BIG_ENDIAN);
        ByteBuffer[] iov = new ByteBuffer[2];
        PageDigests.Recorder sent = verification.digests().recorder();
        try {
            while (true) {
                long[] r = urgent.poll(20, TimeUnit.MILLISECONDS);
                if (r == null) {
                    failure.check();
                    continue;
                }
                header.clear();
                if (r == END) {
                    new UrgentPage(UrgentPage.END, 0, 0).encode(header);
                    preempt.writeFully(header.flip());
                    urgentEnded.complete(null);
                    return;
                }
                new UrgentPage(UrgentPage.PAGE, (int) r[0], r[1]).encode(header);
                iov[0] = header.flip();
                MemorySegment page = guest.blocks().get((int) r[0]).memory().asSlice(r[1], guest.pageSize());
                sent.page((int) r[0], r[1] / guest.pageSize(), page); // the memory is frozen: what goes now
                iov[1] = page.asByteBuffer();
                preempt.writeFully(iov, 2);
                preemptPages.incrementAndGet();
                watchdog.progressed();
            }
        } catch (IOException e) {
            failure.fail(Cause.CONNECTION, "preempt channel: " + Failure.describe(e));
        } catch (Failure.Stopped | InterruptedException e) {
            // the reason is recorded
        }
    }

    /** After the background round: END on the preempt channel, once every page asked for before it went. */
    public void endUrgent() throws Failure.Stopped, InterruptedException {
        endNanos = System.nanoTime();
        if (preempt != null) {
            CompletableFuture<Void> urgentEnded = this.urgentEnded;
            urgent.add(END);
            failure.await(urgentEnded, "the preempt channel's END");
        }
    }

    /** The source's figures: requests received, pages sent on the preempt channel, the postcopy time. */
    public MigrationResult.Postcopy statistics() {
        if (!switched) {
            return MigrationResult.Postcopy.NONE;
        }
        long end = endNanos != 0 ? endNanos : System.nanoTime();
        return new MigrationResult.Postcopy(true, requests.get(), 0, 0, 0, 0, 0, preemptPages.get(),
                (end - switchNanos) / 1_000_000);
    }
}
