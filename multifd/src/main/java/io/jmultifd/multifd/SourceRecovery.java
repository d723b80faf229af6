package io.jmultifd.multifd;

import io.jmultifd.multifd.MigrationFailure.Cause;
import io.jmultifd.multifd.channels.PageCounters;
import io.jmultifd.multifd.channels.RateLimiter;
import io.jmultifd.multifd.channels.SendChannel;
import io.jmultifd.multifd.channels.SendChannels;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.postcopy.PostcopySource;
import io.jmultifd.multifd.transport.Connection;
import io.jmultifd.multifd.verify.Verification;
import io.jmultifd.multifd.wire.MessageReader;
import io.jmultifd.multifd.wire.WireException;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The source's postcopy recovery (QEMU's postcopy-paused and {@code migrate resume=true}). From the switchover on a
 * broken connection ({@link PostcopyPause#PAUSING}) pauses the source instead of failing it: neither end has the whole
 * guest. The connections close, the threads of the postcopy phase end, the frozen memory stays, and the source waits
 * for {@link MigrationSource#resume}, a cancel, or postcopy-pause-timeout; it says so in the log every
 * {@link PostcopyPause#LOG_EVERY_MS} ms. A resume connects a new main connection ({@link SourceSetup#resume}: the
 * session id names the migration; the destination answers with the pages it holds), new data channels and preempt
 * channel, and runs the rest of postcopy again for the pages still missing there.
 */
final class SourceRecovery {
    private static final System.Logger LOG = System.getLogger(SourceRecovery.class.getName());

    /** The postcopy phase after the switchover, run again after each resume ({@code resumed}: not the first time). */
    interface Phase {
        boolean run(boolean resumed) throws IOException, Failure.Stopped, InterruptedException;
    }

    /** The run's state the recovery needs: its connections, channels, threads and postcopy side. */
    record Run(MigrationParameters params, GuestMemory guest, long sessionId, Failure failure, EngineThreads threads,
               List<Connection> connections, SendChannels channels, RateLimiter limiter, PageCounters pages,
               Watchdog watchdog, PostcopySource postcopy, Verification verification) {}

    private final Run run;
    private final PostcopyPause pause;
    private final Consumer<Progress.Phase> phase;
    private Endpoint to;

    /** Arms the pause: from now on a broken connection pauses the source. */
    SourceRecovery(Run run, Endpoint to, PostcopyPause.Requests resumes, Consumer<Progress.Phase> phase) {
        this.run = run;
        this.to = to;
        this.phase = phase;
        this.pause = new PostcopyPause(run.failure(), run.params().postcopyPauseTimeoutMs(), resumes,
                () -> "resume it with MigrationSource.resume (jmultifd migrate: its own retries, or jmultifd migrate "
                        + "--resume)" + (run.postcopy().switched() ? "" : "; the destination has not said RUNNING: if it failed instead of pausing, it "
                        + "never read the switchover and never ran the guest, then cancel this migration and resume the "
                        + "guest here (a cancel leaves it paused here once RUN went out, as it may run there)"),
                () -> run.postcopy().runSent() ? "the destination may run the guest with pages only this source holds: "
                        + "giving up loses the guest" : "RUN did not go out: the guest never ran at the destination and "
                        + "runs here again");
        // From the first DISCARD (the destination pauses from then on too) until the handover: once a matching verdict
        // arrived every page is there, and a broken connection fails.
        run.failure().pauseOn(pause.armed(() -> run.postcopy().switchoverBegun() && !run.verification().handedOver(), f -> {
            phase.accept(Progress.Phase.POSTCOPY_PAUSED);
            closeConnections();
        }));
    }

    /** Runs {@code body} until it ends, resuming after each pause; returns what it returned. */
    boolean untilDone(Phase body) throws Failure.Stopped, InterruptedException, IOException {
        boolean resumed = false;
        while (true) {
            try {
                return body.run(resumed);
            } catch (Failure.Stopped | InterruptedException e) {
                // a pause, or the end
            } catch (IOException e) {
                run.failure().fail(e instanceof WireException ? Cause.PROTOCOL : Cause.CONNECTION,
                        "main channel: " + Failure.describe(e));
            }
            resumed = true;
            awaitResume();
        }
    }

    /** While paused: waits for a resume and reconnects; throws Stopped when the side ends instead. */
    private void awaitResume() throws Failure.Stopped, InterruptedException {
        while (true) {
            Thread.interrupted(); // the pause's teardown may have interrupted this thread
            run.threads().joinAll(); // every thread of the broken connections has ended
            PostcopyPause.Request asked = pause.awaitResume();
            if (asked.toOrNull() != null) {
                to = asked.toOrNull();
            }
            LOG.log(System.Logger.Level.INFO, "postcopy: resuming the migration to " + to);
            phase.accept(Progress.Phase.POSTCOPY_ACTIVE);
            try {
                reconnect();
                pause.ended();
                asked.outcome().complete(Optional.empty());
                return;
            } catch (IOException e) {
                run.failure().fail(e instanceof WireException ? Cause.PROTOCOL : Cause.CONNECTION,
                        "resume: " + Failure.describe(e));
            } catch (Failure.Stopped e) {
                // paused again, or ended
            }
            pause.failed(asked);
            if (run.failure().paused() == null) {
                run.failure().check();
            }
        }
    }

    /** New connections, channels and threads; the destination's bitmap says which pages are still to send. */
    private void reconnect() throws IOException, Failure.Stopped {
        List<SendChannel> fresh;
        Connection main;
        Connection urgent = null;
        SourceSetup.Resumed resumed;
        long[] blockPages = run.guest().blocks().stream().mapToLong(b -> b.pageCount()).toArray();
        try (SourceSetup setup = new SourceSetup(run.params(), to, run.failure(), run.threads(), run.connections())) {
            resumed = setup.resume(run.sessionId(), blockPages);
            main = resumed.main();
            run.connections().remove(main);
            run.connections().addFirst(main); // the main connection is the first (complete, farewell)
            fresh = setup.openChannels(run.sessionId(), run.guest(), run.limiter(), run.pages(), run.watchdog(),
                    run.verification().digests()); // pages sent again are recorded
            if (run.params().capabilities().postcopyPreempt()) {
                urgent = setup.openChannel(run.sessionId(), run.params().channels());
            }
        }
        run.channels().replaceAll(fresh);
        if (resumed.received() != null) {
            run.postcopy().resumed(urgent, resumed.received());
        } else { // RUN never arrived there: the switchover goes again (postcopyToEnd), with the pages that differ
            run.postcopy().resumedBeforeRun(urgent, resumed.held());
        }
        for (SendChannel c : fresh) {
            run.threads().start("jmultifd-send-" + c.index(), c::run);
        }
        if (urgent != null) {
            run.threads().start("jmultifd-src-preempt", run.postcopy()::sendUrgent);
        }
        run.threads().start("jmultifd-src-reader", new SourceReturnPath(new MessageReader(main), run.guest(),
                run.postcopy(), run.failure(), run.watchdog(), run.verification()));
        run.threads().start("jmultifd-src-watchdog", run.watchdog()::run);
        run.failure().check();
    }

    /** The pause's teardown: the broken connections close, every thread of the postcopy phase unwinds. */
    private void closeConnections() {
        for (Connection c : run.connections()) {
            c.close();
        }
        run.threads().interruptAll();
    }
}
