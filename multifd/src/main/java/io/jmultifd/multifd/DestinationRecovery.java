package io.jmultifd.multifd;

import io.jmultifd.multifd.MigrationFailure.Cause;
import io.jmultifd.multifd.channels.PageCounters;
import io.jmultifd.multifd.channels.ReceiveChannel;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.postcopy.PostcopyDestination;
import io.jmultifd.multifd.ram.ReceiveRounds;
import io.jmultifd.multifd.transport.Connection;
import io.jmultifd.multifd.transport.Transport;
import io.jmultifd.multifd.verify.Verification;
import io.jmultifd.multifd.wire.Complete;
import io.jmultifd.multifd.wire.DestinationHello;
import io.jmultifd.multifd.wire.HandshakeReply;
import io.jmultifd.multifd.wire.MessageReader;
import io.jmultifd.multifd.wire.MessageWriter;
import io.jmultifd.multifd.wire.HeldPageDigests;
import io.jmultifd.multifd.wire.ReceivedBitmap;
import io.jmultifd.multifd.wire.ResumeState;
import io.jmultifd.multifd.wire.Wire;
import io.jmultifd.multifd.wire.WireException;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The destination's postcopy recovery (QEMU's postcopy-paused, {@code migrate-recover}). After the switchover a broken
 * connection ({@link PostcopyPause#PAUSING}) pauses the destination: the guest runs on, the pages placed stay, the fault
 * thread keeps faulting threads blocked and remembers their requests; every other thread ends and the connections
 * close. It listens again where it listened (the port it bound) for its source's resume: the same session id, else
 * refused. It answers with the bitmap of the pages it holds, takes new data and preempt connections, asks again for
 * the pages still awaited and goes on. It waits until the resume, a cancel, or postcopy-pause-timeout (then the guest
 * is lost), saying every {@link PostcopyPause#LOG_EVERY_MS} ms in the log that it is paused.
 */
final class DestinationRecovery {
    private static final System.Logger LOG = System.getLogger(DestinationRecovery.class.getName());

    /**
     * What the destination waits for: the completion the main stream reads (after a resume, on the new one), then the
     * handover and the memory checks; whether everything matched.
     */
    interface Phase {
        boolean run(CompletableFuture<Complete> completion) throws IOException, Failure.Stopped, InterruptedException;
    }

    /** The side's state the recovery needs. */
    record Side(MigrationParameters local, Failure failure, EngineThreads threads, List<Connection> connections,
                GuestMemory guest, PostcopyDestination postcopy, List<ReceiveChannel> channels, PageCounters pages,
                Watchdog watchdog, DestinationProgress progress, Consumer<ReceiveRounds> rounds,
                Verification verification) {}

    private final Side side;
    private final Endpoint listen;
    private final long session;
    private final PostcopyPause pause;
    private volatile ReceiveRounds rounds;
    private volatile Reception reception;

    /** Arms the pause: from the switchover on a broken connection pauses the destination. */
    DestinationRecovery(Side side, Endpoint listen, long session) {
        this.side = side;
        this.listen = listen;
        this.session = session;
        side.progress().postcopy(side.postcopy());
        this.pause = new PostcopyPause(side.failure(), side.local().postcopyPauseTimeoutMs(), null,
                () -> "waiting for the source to resume on " + listen + " (jmultifd migrate: its own retries, or "
                        + "jmultifd migrate --resume; the API: MigrationSource.resume)",
                () -> side.postcopy().switched() ? "the guest runs here with pages only the source holds: it is lost"
                        : "RUN never arrived, the guest never ran here: the source holds all of it (cancel it there "
                        + "and resume the guest there)");
        // From the switchover's first message (the source pauses once it sends it) until the handover: once the
        // digests matched every page is here, and a broken connection fails the side.
        Failure.Pause armed = pause.armed(() -> side.postcopy().switchoverBegun() && !side.verification().handedOver(),
                f -> paused());
        side.failure().pauseOn(new Failure.Pause() {
            @Override
            public boolean pauses(MigrationFailure f) {
                boolean pausing = armed.pauses(f);
                if (!pausing && !side.postcopy().switchoverBegun() && PostcopyPause.PAUSING.contains(f.cause())) {
                    LOG.log(System.Logger.Level.WARNING, "the connection broke before the postcopy switchover reached "
                            + "this side: the guest never ran here, the source holds all of it (a source that had begun "
                            + "the switchover waits in postcopy-paused: cancel it there and resume its guest)");
                }
                return pausing;
            }

            @Override
            public void paused(MigrationFailure f) {
                armed.paused(f);
            }
        });
    }

    /** The receive loop's rounds (a resume makes new ones, which {@link #paused} aborts). */
    void rounds(ReceiveRounds r) {
        rounds = r;
    }

    /** Waits for {@code body}, resuming after each pause. */
    boolean untilDone(CompletableFuture<Complete> first, Phase body)
            throws IOException, Failure.Stopped, InterruptedException {
        CompletableFuture<Complete> completion = first;
        while (true) {
            try {
                return body.run(completion);
            } catch (Failure.Stopped | InterruptedException e) {
                // a pause, or the end
            } catch (WireException e) {
                side.failure().fail(Cause.PROTOCOL, e.getMessage());
            } catch (IOException e) {
                side.failure().fail(Cause.CONNECTION, "main channel: " + Failure.describe(e));
            }
            completion = new CompletableFuture<>(); // a completion of before the pause is of the old channels
            awaitResume(completion);
        }
    }

    /** While paused: ends the threads of the broken connections, then takes the source's resume. */
    private void awaitResume(CompletableFuture<Complete> completion) throws Failure.Stopped, InterruptedException {
        while (true) {
            if (side.failure().paused() == null) {
                side.failure().check();
            }
            Thread.interrupted();
            side.threads().joinAllBut(PostcopyDestination.FAULT_THREAD);
            if (!side.failure().resume()) {
                side.failure().check();
            }
            try {
                reconnect(completion);
                pause.ended();
                side.progress().report(Progress.Phase.POSTCOPY_ACTIVE, 0);
                return;
            } catch (WireException e) {
                side.failure().fail(Cause.PROTOCOL, "resume: " + e.getMessage());
            } catch (IOException e) {
                side.failure().fail(Cause.CONNECTION, "resume: " + Failure.describe(e));
            } catch (Failure.Stopped e) {
                // paused again, or ended
            } finally {
                Reception r = reception;
                reception = null;
                if (r != null) {
                    r.close();
                }
            }
        }
    }

    /** Listens again, takes the resume, answers with the bitmap, then the new channels; starts their threads. */
    private void reconnect(CompletableFuture<Complete> completion) throws IOException, Failure.Stopped, InterruptedException {
        Connection main = acceptResume();
        side.connections().remove(main);
        side.connections().addFirst(main); // the main connection is the first (verdict, farewell)
        MessageWriter answer = new MessageWriter();
        new DestinationHello(Wire.VERSION).encode(answer);
        new HandshakeReply.Accept().encode(answer);
        boolean running = side.postcopy().switched();
        new ResumeState(running).encode(answer);
        answer.send(main);
        if (running) {
            ReceivedBitmap.sendAll(main, side.postcopy().receivedBitmap());
        } else { // the source sends the switchover again, and every page whose digest differs
            HeldPageDigests.sendAll(main, side.postcopy().heldDigests());
        }
        MigrationParameters local = side.local();
        boolean preempt = local.capabilities().postcopyPreempt();
        List<Connection> data = reception.awaitChannels(session, local.channels() + (preempt ? 1 : 0),
                side.connections(), side.failure());
        ReceiveRounds r = new ReceiveRounds(side.guest().blocks(), local.channels(), round -> { });
        rounds = r;
        side.rounds().accept(r);
        side.channels().clear();
        for (int i = 0; i < local.channels(); i++) {
            ReceiveChannel c = new ReceiveChannel(i, data.get(i), local, side.guest().blocks(), r, side.pages(),
                    side.failure(), side.watchdog(), side.verification().digests()); // pages placed are recorded
            c.placeThrough(side.postcopy().memory());
            side.channels().add(c);
        }
        EngineThreads threads = side.threads();
        threads.start("jmultifd-dst-main", new DestinationMainStream(new MessageReader(main),
                side.guest().blocks().size(), side.postcopy(), r, side.channels(), side.failure(), side.watchdog(),
                side.progress(), side.verification(), completion));
        if (preempt) {
            Connection urgent = data.getLast();
            threads.start("jmultifd-dst-preempt", () -> side.postcopy().receiveUrgent(urgent));
        }
        for (ReceiveChannel c : side.channels()) {
            threads.start("jmultifd-recv-" + c.index(), c::run);
        }
        threads.start("jmultifd-dst-watchdog", side.watchdog()::run);
        threads.start("jmultifd-dst-progress", side.progress()::tick);
        side.postcopy().reconnected(main);
        LOG.log(System.Logger.Level.INFO, "postcopy: the source resumed the migration");
        side.failure().check();
    }

    /** Listens on the same address until the source's resume comes (saying now and then that it waits). */
    private Connection acceptResume() throws IOException, Failure.Stopped, InterruptedException {
        while (true) {
            if (reception == null) {
                try {
                    Transport.Listener l = DestinationSetup.transport(listen, side.local(), side.failure()).listen(listen);
                    reception = Reception.start(l, side.local().setupTimeoutMs(), side.threads());
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "postcopy-paused: cannot listen on " + listen + " again ("
                            + Failure.describe(e) + "); trying again");
                    Thread.sleep(1000);
                }
            }
            if (side.failure().isSet()) {
                side.failure().check();
            }
            Connection main = reception == null ? null
                    : reception.awaitResume(side.failure(), side.connections(), session, 1_000_000_000L);
            if (main != null) {
                return main;
            }
            pause.stillPaused();
        }
    }

    /** The pause's teardown: the connections close, every thread but the fault thread unwinds. */
    private void paused() {
        side.progress().report(Progress.Phase.POSTCOPY_PAUSED);
        side.postcopy().paused();
        for (Connection c : side.connections()) {
            c.close();
        }
        ReceiveRounds r = rounds;
        if (r != null) {
            r.abort();
        }
        side.threads().interruptAllBut(PostcopyDestination.FAULT_THREAD);
    }

    /** The side's teardown (a cancel, the timeout): stops listening for the resume. */
    void close() {
        Reception r = reception;
        if (r != null) {
            r.close();
        }
    }
}
