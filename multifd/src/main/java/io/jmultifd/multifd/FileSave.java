package io.jmultifd.multifd;

import io.jmultifd.multifd.MigrationFailure.Cause;
import io.jmultifd.multifd.MigrationFailure.Side;
import io.jmultifd.multifd.channels.PageCounters;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.Workload;
import io.jmultifd.multifd.ram.Convergence;
import io.jmultifd.multifd.snapshot.SaveChannels;
import io.jmultifd.multifd.snapshot.SnapshotWriter;

import java.io.IOException;

/**
 * The source's phases for a {@code file:} endpoint (QEMU's file migration with mapped-ram): setup (create the
 * snapshot file, start the save channels) → bulk → iterate (a live guest: rounds of the pages dirtied meanwhile,
 * each rewritten at its place, until the rest fits the downtime limit) → stop-copy (pause, the last round) → verify
 * (tables and the completion record with every block's checksum written last and synced, then the file takes its
 * name). Like {@link MigrationSource}, it never throws for a failed save: it returns FAILED with the cause.
 */
final class FileSave {
    private static final System.Logger LOG = System.getLogger(FileSave.class.getName());

    private final GuestMemory guest;
    private final Workload workload;
    private final MigrationParameters params;
    private final Endpoint.File to;
    private final ProgressListener listener;
    private final EngineThreads threads = new EngineThreads();
    final Failure failure = new Failure(Side.SOURCE, f -> { }, this::teardown, threads);
    private final PageCounters pages = new PageCounters();
    private final Convergence convergence;
    private final Watchdog watchdog;
    private volatile SnapshotWriter writer;
    private volatile Thread mainThread;
    private Progress.Phase phase = Progress.Phase.SETUP;
    private long round;
    private long dirtyRemaining;
    private long lastReportNanos;

    FileSave(GuestMemory guest, Workload workload, MigrationParameters params, Endpoint.File to,
             ProgressListener listener) {
        this.guest = guest;
        this.workload = workload;
        this.params = params;
        this.to = to;
        this.listener = listener;
        this.convergence = new Convergence(params, workload);
        this.watchdog = new Watchdog(params.peerTimeoutMs(), failure, "saving to " + to
                + " stalled: no batch of pages written on any channel (a write or a channel is blocked)");
    }

    MigrationResult execute() {
        mainThread = Thread.currentThread();
        ResultBuilder result = new ResultBuilder(params).guest(guest);
        boolean pausedHere = false;
        boolean saved = false;
        long pauseNanos = 0;
        long doneNanos = 0;
        SaveChannels channels = null;
        report();
        try {
            try {
                writer = SnapshotWriter.create(to.path(), params.directIo(), guest, params.methodName(),
                        params.methodHandshake());
            } catch (IOException e) {
                failure.fail(Cause.STORAGE, "cannot create the snapshot file for " + to + ": " + Failure.describe(e));
                failure.check();
            }
            channels = new SaveChannels(writer, guest, params, pages, failure, this::reportNowAndThen,
                    watchdog::progressed);
            channels.start(threads::start);
            threads.start("jmultifd-save-watchdog", watchdog::run);
            result.setupDone();
            channels.markAll();
            phase = Progress.Phase.BULK;
            report();
            convergence.roundStarting(written(), pages.pages());
            channels.round();
            convergence.bulkEnded(written(), guest.totalPages());
            phase = Progress.Phase.ITERATE;
            while (true) {
                dirtyRemaining = guest.dirtyCount();
                convergence.dirtyAfterRound(dirtyRemaining);
                report();
                if (convergence.fitsDowntimeLimit()) {
                    break;
                }
                String giveUp = convergence.throttleOrGiveUp(round);
                if (giveUp != null) {
                    failure.fail(Cause.NOT_CONVERGED, giveUp);
                    failure.check();
                }
                round++;
                convergence.roundStarting(written(), pages.pages());
                channels.round();
                convergence.roundEnded(written(), pages.pages());
            }
            if (workload != null && workload.isRunning() && !workload.isPaused()) {
                workload.pause();
                pausedHere = true;
            }
            pauseNanos = System.nanoTime();
            phase = Progress.Phase.STOP_COPY;
            report();
            round++;
            channels.round();
            channels.end();
            // the syncs of finish may take long on a slow disk after a buffered save: not a stall
            watchdog.stop();
            phase = Progress.Phase.VERIFY;
            dirtyRemaining = 0;
            report();
            writer.finish(guest, round + 1);
            writer.commit();
            doneNanos = System.nanoTime();
            saved = !failure.isSet();
            if (saved) {
                phase = Progress.Phase.COMPLETED;
                report();
            }
        } catch (Failure.Stopped e) {
            // the reason is in failure
        } catch (InterruptedException e) {
            failure.fail(Cause.INTERRUPTED, "interrupted");
        } catch (IOException e) {
            failure.fail(Cause.STORAGE, "finishing " + to + ": " + describe(e));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "save failed", e);
            failure.fail(Cause.INTERNAL, "internal error: " + e);
        } finally {
            if (!saved) {
                failure.fail(Cause.INTERNAL, "failed");
            }
            watchdog.stop();
            failure.complete();
            threads.joinAll();
            Thread.interrupted();
            SnapshotWriter w = writer;
            if (w != null && !saved) {
                w.discard();
            }
            if (!saved && pausedHere) {
                workload.resume();
            }
        }
        MigrationFailure reason = failure.get();
        if (reason != null) {
            phase = reason.status() == MigrationStatus.CANCELLED ? Progress.Phase.CANCELLED : Progress.Phase.FAILED;
            report();
            // the caller reports the failure; logging it too printed it twice
            LOG.log(System.Logger.Level.DEBUG, "save to " + to + " " + reason.status() + ": " + reason.message());
        }
        return result.build(reason, doneNanos - pauseNanos, written(), guest.totalBytes(), pages, round + 1,
                convergence.dirtyPagesRate(), saved, channels == null ? io.jmultifd.spi.MethodStatistics.EMPTY
                        : channels.statistics(), threads);
    }

    private static String describe(IOException e) {
        String m = Failure.describe(e);
        return m.contains("No space left") ? "the disk is full (" + m + ")" : m;
    }

    void cancel() {
        failure.cancel();
    }

    private long written() {
        SnapshotWriter w = writer;
        return w == null ? 0 : w.file().bytesWritten();
    }

    /** Once, when the save ends: closing the file wakes every blocked write. */
    private void teardown() {
        SnapshotWriter w = writer;
        if (w != null) {
            w.close();
        }
        threads.interruptAll();
        Thread m = mainThread;
        if (m != null && m != Thread.currentThread()) {
            m.interrupt();
        }
    }

    private void report() {
        SourceProgress.report(listener, phase, round, round + 1, written(), guest, pages.pages(), dirtyRemaining,
                convergence, null);
    }

    private void reportNowAndThen() {
        long now = System.nanoTime();
        if (now - lastReportNanos > 250_000_000L) {
            lastReportNanos = now;
            report();
        }
    }
}
