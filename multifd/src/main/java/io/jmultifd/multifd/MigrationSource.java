package io.jmultifd.multifd;

import io.jmultifd.multifd.MigrationFailure.Cause;
import io.jmultifd.multifd.MigrationFailure.Side;
import io.jmultifd.multifd.channels.PageCounters;
import io.jmultifd.multifd.channels.RateLimiter;
import io.jmultifd.multifd.channels.SendChannel;
import io.jmultifd.multifd.channels.SendChannels;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.Workload;
import io.jmultifd.multifd.postcopy.PostcopySource;
import io.jmultifd.multifd.ram.BitmapScan;
import io.jmultifd.multifd.ram.Convergence;
import io.jmultifd.multifd.ram.FreePageHinting;
import io.jmultifd.multifd.snapshot.SnapshotParameters;
import io.jmultifd.multifd.transport.Connection;
import io.jmultifd.multifd.verify.EndClock;
import io.jmultifd.multifd.verify.Verification;
import io.jmultifd.multifd.wire.MessageReader;
import io.jmultifd.multifd.wire.StopCopy;
import io.jmultifd.multifd.wire.WireException;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The sending side: precopy of a guest to one destination (QEMU's multifd model).
 *
 * <p>The calling thread is the main thread. It runs the phases setup → bulk → iterate → stop-copy → verify:
 * it connects and shakes hands ({@link SourceSetup}, every wait bounded by setup-timeout), has the dirty bitmap
 * scanned into batches for the channels' sender threads {@code jmultifd-send-N} (ram, channels), closes each
 * round with a SYNC on every channel, asks the convergence policy when to stop and copy (ram), and verifies
 * ({@link Verification}: the blocks' digests before the handover, its memory after); from the end of setup the
 * {@link Watchdog} fails it when no whole packet or message moves for peer-timeout. {@link #migrate} never throws for a migration failure: it returns FAILED (or CANCELLED) with
 * the cause. After COMPLETED the workload stays paused (the guest now lives at the destination); after anything
 * else it runs again if this call paused it. The engine only reads guest memory.
 */
public final class MigrationSource {
    private static final System.Logger LOG = System.getLogger(MigrationSource.class.getName());

    private final GuestMemory guest;
    private final Workload workload;
    private final MigrationParameters params;
    private final EndClock clock;
    private volatile Failure current;
    private volatile boolean startPostcopy;
    private final PostcopyPause.Requests resumes = new PostcopyPause.Requests();

    public MigrationSource(GuestMemory guest, Workload workloadOrNull, MigrationParameters params) {
        this(guest, workloadOrNull, params, EndClock.SYSTEM);
    }

    /** @param clock read at the moments of the migration's end (tests pass their own) */
    MigrationSource(GuestMemory guest, Workload workloadOrNull, MigrationParameters params, EndClock clock) {
        if (guest.pageSize() != params.pageSize()) {
            throw new IllegalArgumentException("guest page size " + guest.pageSize() + " differs from "
                    + MigrationParameters.PAGE_SIZE + "=" + params.pageSize());
        }
        this.guest = guest;
        this.workload = workloadOrNull;
        this.params = params;
        this.clock = clock;
    }

    public MigrationParameters parameters() {
        return params;
    }

    /**
     * Runs one migration to {@code to}; one at a time per source. A {@code file:} endpoint saves a snapshot
     * ({@link FileSave}; needs {@code mapped-ram=on}, a mismatch is an IllegalArgumentException).
     */
    public MigrationResult migrate(Endpoint to, ProgressListener listener) {
        String refusal = SnapshotParameters.refusal(to, params);
        if (refusal != null) {
            throw new IllegalArgumentException(refusal);
        }
        ProgressListener l = listener == null ? ProgressListener.NONE : listener;
        FileSave save = to instanceof Endpoint.File file ? new FileSave(guest, workload, params, file, l) : null;
        Run run = save == null ? new Run(to, l) : null;
        synchronized (this) {
            if (current != null) {
                throw new IllegalStateException("a migration of this source is already running");
            }
            current = save != null ? save.failure : run.failure;
        }
        try {
            return save != null ? save.execute() : run.execute();
        } finally {
            synchronized (this) {
                current = null;
            }
        }
    }

    /** QEMU's migrate-start-postcopy: the running migration (or the next) switches after its bulk round. */
    public void startPostcopy() {
        if (!params.capabilities().postcopyRam()) {
            throw new IllegalStateException(MigrationParameters.POSTCOPY_RAM + " is off");
        }
        startPostcopy = true;
    }

    /**
     * QEMU's {@code migrate resume=true}: a migration in postcopy-paused reconnects to {@code toOrNull} (null: the same)
     * and goes on, or stays paused if that fails (docs/postcopy.md). IllegalStateException when none is paused. The
     * outcome completes empty once it reconnected, with the failure that keeps it paused, or exceptionally
     * (IllegalStateException) when the migration ended instead.
     */
    public CompletableFuture<Optional<MigrationFailure>> resume(Endpoint toOrNull) {
        Failure f = current;
        if (f == null || f.paused() == null) {
            throw new IllegalStateException("no migration of this source is in postcopy-paused");
        }
        return resumes.add(toOrNull);
    }

    /** Cancels the running migration (from any thread); it returns CANCELLED. No-op when none runs. */
    public void cancel() {
        Failure f = current;
        if (f != null) {
            f.cancel();
        }
    }

    /** One migration: its connections, threads and state. */
    private final class Run {
        final Endpoint to;
        final ProgressListener listener;
        final List<Connection> connections = new CopyOnWriteArrayList<>();
        final EngineThreads threads = new EngineThreads();
        final Failure failure = new Failure(Side.SOURCE, f -> SideEnd.sourceFarewell(f, this.handshakeDone, connections),
                () -> SideEnd.sourceTeardown(connections, threads, this.mainThread), threads);
        final Watchdog watchdog = new Watchdog(params.peerTimeoutMs(), failure);
        final PageCounters pages = new PageCounters();
        final RateLimiter limiter = new RateLimiter(params.maxBandwidth());
        final SendChannels channels = new SendChannels(failure);
        final BitmapScan scan = new BitmapScan(guest, channels, params.zeroPageMode() == ZeroPageMode.LEGACY,
                this::reportNowAndThen);
        final Convergence convergence = new Convergence(params, workload);
        final FreePageHinting hinting = new FreePageHinting(guest, scan, params.freePageHint());
        final Verification verification = Verification.source(guest.blocks(), params.pageSize(), params.verify(),
                params.freePageHint(), failure, watchdog, clock);
        final long sessionId = new SecureRandom().nextLong(); // names the migration a postcopy resume continues
        volatile boolean handshakeDone; // after ACCEPT, the destination reads ERROR messages
        volatile Thread mainThread;
        PostcopySource postcopy; // postcopy-ram=on
        SourceRecovery recovery; // from the switchover to postcopy on
        Progress.Phase phase = Progress.Phase.SETUP;
        long round;
        long syncs;
        long dirtyRemaining;
        boolean pausedHere;
        long lastReportNanos;

        Run(Endpoint to, ProgressListener listener) {
            this.to = to;
            this.listener = listener;
        }

        MigrationResult execute() {
            mainThread = Thread.currentThread();
            ResultBuilder result = new ResultBuilder(params).guest(guest);
            boolean checksumMatch = false;
            report();
            try {
                setup();
                result.setupDone();
                threads.start("jmultifd-src-watchdog", watchdog::run);
                bulk();
                iterate();
                stopCopy();
                checksumMatch = recovery == null ? verify() : recovery.untilDone(this::postcopyToEnd);
            } catch (Failure.Stopped e) {
                // the reason is in failure
            } catch (InterruptedException e) {
                failure.fail(Cause.INTERRUPTED, "interrupted");
            } catch (IOException e) {
                failure.fail(e instanceof WireException ? Cause.PROTOCOL : Cause.CONNECTION,
                        "main channel: " + Failure.describe(e));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "migration failed", e);
                failure.fail(Cause.INTERNAL, "internal error: " + e);
            } finally {
                hinting.close();
                watchdog.stop();
                boolean ok = checksumMatch && !failure.isSet();
                if (!ok) {
                    failure.fail(Cause.INTERNAL, "failed");
                }
                // Success also closes everything, through the same path; a failure after it is a consequence.
                failure.complete();
                threads.joinAll();
                Thread.interrupted(); // teardown may have interrupted this thread; do not leak that to the caller
                if (!ok && pausedHere && (postcopy == null || !postcopy.runSent())) { // else the guest runs there
                    workload.resume();
                }
            }
            MigrationFailure reason = failure.get();
            if (reason != null) {
                enter(reason.status() == MigrationStatus.CANCELLED ? Progress.Phase.CANCELLED : Progress.Phase.FAILED);
                LOG.log(System.Logger.Level.DEBUG, "migration " + reason.status() + ": " + reason.message());
            }
            result.hints(hinting.hintsReceived(), hinting.hintsInvalidated());
            result.tls(Connection.tls(connections));
            result.postcopy(postcopy == null ? null : postcopy.statistics());
            result.verified(verification);
            return result.build(reason, verification.downtime().nanos(), Connection.transferred(connections),
                    guest.totalBytes(), pages, syncs, convergence.dirtyPagesRate(), checksumMatch,
                    channels.statistics(), threads);
        }

        /** Connects and shakes hands ({@link SourceSetup}), then starts the data channels' threads. */
        private void setup() throws IOException, Failure.Stopped {
            Connection main;
            try (SourceSetup setup = new SourceSetup(params, to, failure, threads, connections)) {
                main = setup.handshake(SourceSetup.handshakeOf(sessionId, params, guest));
                handshakeDone = true;
                channels.replaceAll(setup.openChannels(sessionId, guest, limiter, pages, watchdog,
                        verification.digests()));
                postcopy = setup.postcopy(sessionId, guest, workload, channels, watchdog, threads, () -> startPostcopy,
                        verification, this::reportNowAndThen);
            }
            for (SendChannel c : channels.all()) {
                threads.start("jmultifd-send-" + c.index(), c::run);
            }
            threads.start("jmultifd-src-reader", new SourceReturnPath(new MessageReader(main), guest, postcopy, failure,
                    watchdog, verification));
            failure.check();
        }

        /** The bulk round: every page. */
        private void bulk() throws Failure.Stopped, InterruptedException {
            hinting.open();
            scan.markAll();
            enter(Progress.Phase.BULK);
            convergence.roundStarting(Connection.transferred(connections), pages.pages());
            sendRound();
            convergence.bulkEnded(Connection.transferred(connections), guest.totalPages());
        }

        /** Rounds of the pages dirtied meanwhile, until the rest fits into the downtime limit. */
        private void iterate() throws Failure.Stopped, InterruptedException {
            phase = Progress.Phase.ITERATE;
            while (true) {
                long dirty = guest.dirtyCount();
                dirtyRemaining = dirty;
                convergence.dirtyAfterRound(dirty);
                report();
                if (postcopy != null && postcopy.startRequested() || convergence.fitsDowntimeLimit()) {
                    return;
                }
                String giveUp = convergence.throttleOrGiveUp(round);
                if (postcopy != null && postcopy.notConverging(dirty, giveUp)) {
                    return;
                }
                if (giveUp != null) {
                    failure.fail(Cause.NOT_CONVERGED, giveUp);
                    failure.check();
                }
                round++;
                convergence.roundStarting(Connection.transferred(connections), pages.pages());
                sendRound();
                convergence.roundEnded(Connection.transferred(connections), pages.pages());
            }
        }

        /**
         * Pauses the workload (unless paused before); then either postcopy ({@link PostcopySource}: the guest runs at
         * the destination, which asks for the pages it misses) or stop-copy (the last pages); ends the channels.
         */
        private void stopCopy() throws IOException, Failure.Stopped, InterruptedException {
            boolean postcopying = postcopy != null && postcopy.startRequested();
            if (workload != null && workload.isRunning() && !workload.isPaused()) {
                workload.pause();
                pausedHere = true;
            }
            verification.downtime().start();
            enter(postcopying ? Progress.Phase.POSTCOPY_ACTIVE : Progress.Phase.STOP_COPY);
            hinting.close(); // as before postcopy: the guest's hints stay open until the stop is reported
            if (postcopying) { // pauses instead of failing once RUN went out (the guest may run there)
                recovery = new SourceRecovery(new SourceRecovery.Run(params, guest, sessionId, failure, threads,
                        connections, channels, limiter, pages, watchdog, postcopy, verification), to, resumes,
                        this::enter);
                return;
            }
            new StopCopy().send(connections.getFirst());
            watchdog.progressed();
            round++;
            sendRound();
            channels.end(round + 1);
        }

        /** After the switchover (again after each resume, on new channels from round 0): the rest, then verify. */
        private boolean postcopyToEnd(boolean resumed) throws IOException, Failure.Stopped, InterruptedException {
            if (resumed) {
                round = postcopy.afterResume(connections.getFirst()); // RUN goes again if it never arrived
            } else {
                postcopy.switchover(round++, connections.getFirst());
            }
            postcopy.finish(round);
            syncs++;
            channels.end(round + 1);
            return verify();
        }

        /** Sends the blocks' digests, waits for the verdict (the handover), then checks memory; true when all match. */
        private boolean verify() throws IOException, Failure.Stopped, InterruptedException {
            dirtyRemaining = 0;
            enter(Progress.Phase.VERIFY);
            if (!verification.handOver(connections.getFirst(), round + 1)) {
                return false;
            }
            enter(Progress.Phase.COMPLETED);
            return true;
        }

        /** One round: the scan hands out the dirty pages, then a SYNC on every channel closes it. */
        private void sendRound() throws Failure.Stopped, InterruptedException {
            scan.send(round);
            channels.sync(round);
            syncs++;
        }

        void enter(Progress.Phase p) {
            phase = p;
            report();
        }

        void report() {
            SourceProgress.report(listener, phase, round, syncs, Connection.transferred(connections), guest,
                    pages.pages(), dirtyRemaining, convergence, postcopy);
        }

        /** Long rounds (a big bulk round) report progress about four times a second. */
        private void reportNowAndThen() {
            long now = System.nanoTime();
            if (now - lastReportNanos > 250_000_000L) {
                lastReportNanos = now;
                report();
            }
        }
    }
}
