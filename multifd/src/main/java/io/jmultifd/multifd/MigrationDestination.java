package io.jmultifd.multifd;

import io.jmultifd.multifd.MigrationFailure.Cause;
import io.jmultifd.multifd.MigrationFailure.Side;
import io.jmultifd.multifd.channels.PageCounters;
import io.jmultifd.multifd.channels.ReceiveChannel;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.postcopy.PostcopyDestination;
import io.jmultifd.multifd.postcopy.UserfaultfdProbe;
import io.jmultifd.multifd.ram.ReceiveRounds;
import io.jmultifd.multifd.snapshot.SnapshotParameters;
import io.jmultifd.multifd.transport.Connection;
import io.jmultifd.multifd.transport.Transport;
import io.jmultifd.multifd.verify.EndClock;
import io.jmultifd.multifd.verify.Verification;
import io.jmultifd.multifd.wire.Complete;
import io.jmultifd.multifd.wire.HandshakeReply;
import io.jmultifd.multifd.wire.MessageReader;
import io.jmultifd.multifd.wire.WireException;
import io.jmultifd.spi.MethodStatistics;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * The receiving side: accepts one migration, validates every byte before it is used, and decodes straight
 * into the destination pages (receiver threads {@code jmultifd-recv-N}, package channels). Its phases: listen
 * → setup ({@link Reception} accepts connections until a jmultifd source's handshake arrives, whatever else
 * connects cannot take its place; {@link DestinationSetup} checks it and allocates the guest; then the data
 * connections) → receive (the main stream, read from ACCEPT on by {@code jmultifd-dst-main}: stop-copy notice,
 * completion with the source's checksums) → verify ({@link Verification}: the verdict on the blocks' digests is the
 * handover, the memory check follows). Setup is bounded by setup-timeout, the rest by the {@link Watchdog}. The
 * migration COMPLETES only when the per-block checksums match the source's and both memory checks. Any bad input
 * fails it with a message naming the channel and the packet. {@link #close()} releases the received memory.
 */
public final class MigrationDestination implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MigrationDestination.class.getName());

    private final MigrationParameters local;
    private final CountDownLatch listening = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final List<Connection> connections = new CopyOnWriteArrayList<>();
    private final EngineThreads threads = new EngineThreads();
    private final Failure failure = new Failure(Side.DESTINATION,
            f -> SideEnd.destinationFarewell(f, this.handshakeDone, connections), this::teardown, threads);
    private final Watchdog watchdog;
    private final DestinationSetup setup;
    private final BlockFactory blockFactory;
    private final EndClock clock;
    private final PageCounters pages = new PageCounters();
    private final List<ReceiveChannel> channels = new ArrayList<>();
    private volatile Transport.Listener listener;
    private volatile Reception reception;
    private volatile Integer boundPort;
    private volatile GuestMemory received;
    private volatile ReceiveRounds rounds;
    private volatile PostcopyDestination postcopy;
    private volatile DestinationRecovery recovery; // postcopy-ram=on: a broken connection after the switchover pauses
    private volatile Thread mainThread;
    private volatile boolean started;
    private volatile Verification verification;
    private volatile boolean handshakeDone; // after ACCEPT, the source reads ERROR messages
    private volatile long roundCount;
    private DestinationProgress progress;

    /** Receives into anonymous memory, backed up front when {@code prealloc=true}, huge pages per guest-hugepages. */
    public MigrationDestination(MigrationParameters local) {
        this(local, BlockFactory.anonymous(local));
    }

    /** @param blockFactory allocates the received blocks (e.g. a file mapping for {@code --output}) */
    public MigrationDestination(MigrationParameters local, BlockFactory blockFactory) {
        this(local, blockFactory, EndClock.SYSTEM);
    }

    /** @param clock read at the moments of the migration's end (tests pass their own) */
    MigrationDestination(MigrationParameters local, BlockFactory blockFactory, EndClock clock) {
        this.local = local;
        this.clock = clock;
        this.watchdog = new Watchdog(local.peerTimeoutMs(), failure);
        this.setup = new DestinationSetup(local, blockFactory, failure, connections);
        this.blockFactory = blockFactory;
    }

    /** Tests: the userfaultfd probe that a postcopy-ram=on handshake runs (a failing one refuses it). */
    void userfaultfdProbe(UserfaultfdProbe probe) {
        setup.userfaultfdProbe = probe;
    }

    /** postcopy-ram=on: the destination's postcopy side (its guest workload, statistics); else null. */
    public PostcopyDestination postcopy() {
        return postcopy;
    }

    /** The received guest (null before the block list arrived). */
    public GuestMemory received() {
        return received;
    }

    /** The port listened on, once listening (TCP port 0 resolves here). */
    public Optional<Integer> boundPort() {
        return Optional.ofNullable(boundPort);
    }

    /** Waits until the destination listens and returns the port. */
    public int awaitListening() throws InterruptedException {
        listening.await();
        Integer p = boundPort;
        if (p == null) {
            throw new IllegalStateException("the destination stopped before listening: "
                    + (failure.get() == null ? "unknown" : failure.get().message()));
        }
        return p;
    }

    /** Cancels from any thread: closes the listening socket and every channel; receive() returns CANCELLED. */
    public void cancel() {
        failure.cancel();
    }

    /** Cancels a migration still running, waits for receive() to return, then frees the received memory. */
    @Override
    public void close() {
        cancel();
        if (started) {
            try {
                finished.await(); // receive() joins its threads before it returns: nobody writes the pages then
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return; // leave the memory alive rather than free it under a running receiver
            }
        }
        if (postcopy != null) {
            postcopy.close();
        }
        GuestMemory g = received;
        received = null;
        if (g != null) {
            g.close();
        }
    }

    /** Accepts one migration on {@code listen} (or restores {@code file:PATH}) until done, failed or cancelled. */
    public MigrationResult receive(Endpoint listen, ProgressListener listener) {
        if (SnapshotParameters.refusal(listen, local) != null) {
            throw new IllegalArgumentException(SnapshotParameters.refusal(listen, local));
        }
        synchronized (this) {
            if (started) {
                throw new IllegalStateException("a destination accepts one migration");
            }
            started = true;
        }
        try {
            return receiveOnce(listen, listener);
        } finally {
            finished.countDown();
        }
    }

    private MigrationResult receiveOnce(Endpoint listen, ProgressListener listener) {
        this.progress = new DestinationProgress(listener, connections, pages, local.pageSize());
        mainThread = Thread.currentThread();
        if (listen instanceof Endpoint.File file) { // restore a snapshot: nothing listens
            listening.countDown();
            return new FileRestore(local, blockFactory, failure, threads,
                    listener == null ? ProgressListener.NONE : listener, g -> received = g).restore(file);
        }
        ResultBuilder result = new ResultBuilder(local);
        boolean checksumMatch = false;
        try {
            failure.check();
            listen(listen);
            // The migration starts when its source connected; the wait before it is no part of its times.
            Reception.Candidate source = setup.handshake(reception(), result::startedAt);
            Connection main = source.main();
            received = setup.allocate(main, source.handshake());
            result.guest(received);
            progress.receiving(received);
            verification = Verification.destination(received.blocks(), local.pageSize(), local.verify(),
                    local.freePageHint(), failure, watchdog, clock);
            rounds = new ReceiveRounds(received.blocks(), local.channels(),
                    round -> progress.report(Progress.Phase.ITERATE, round));
            new HandshakeReply.Accept().send(main);
            handshakeDone = true;
            result.setupDone();
            // Read from ACCEPT on: a source that gives up while its data connections are awaited is noticed at once.
            CompletableFuture<Complete> completion = new CompletableFuture<>();
            boolean preempt = local.capabilities().postcopyPreempt();
            postcopy = local.capabilities().postcopyRam() ? new PostcopyDestination(received, main, preempt, failure,
                    watchdog, (name, body) -> threads.start(name, body), verification) : null;
            recovery = postcopy == null ? null : new DestinationRecovery(new DestinationRecovery.Side(local, failure,
                    threads, connections, received, postcopy, channels, pages, watchdog, progress, r -> rounds = r,
                    verification), listen instanceof Endpoint.Tcp t ? new Endpoint.Tcp(t.host(), boundPort) : listen,
                    source.handshake().sessionId());
            threads.start("jmultifd-dst-main", new DestinationMainStream(new MessageReader(main), received.blocks().size(),
                    postcopy, rounds, channels, failure, watchdog, progress, verification, completion));
            List<Connection> data = reception.awaitChannels(source.handshake().sessionId(),
                    local.channels() + (preempt ? 1 : 0), connections, failure);
            if (preempt) { // the last connection is the preempt channel
                Connection urgent = data.getLast();
                threads.start("jmultifd-dst-preempt", () -> postcopy.receiveUrgent(urgent));
            }
            for (int i = 0; i < local.channels(); i++) {
                channels.add(new ReceiveChannel(i, data.get(i), local, received.blocks(), rounds, pages, failure, watchdog,
                        verification.digests()));
            }
            reception.close(); // one migration: the port is free again
            threads.start("jmultifd-dst-watchdog", watchdog::run);
            progress.report(Progress.Phase.BULK, 0);
            progress.startTicking(threads);
            for (ReceiveChannel c : channels) {
                threads.start("jmultifd-recv-" + c.index(), c::run);
            }
            checksumMatch = recovery == null ? handOver(completion) : recovery.untilDone(completion, this::handOver);
            if (checksumMatch) {
                progress.report(Progress.Phase.COMPLETED, roundCount);
            }
        } catch (Failure.Stopped e) {
            // reason recorded
        } catch (WireException e) {
            failure.fail(Cause.PROTOCOL, e.getMessage());
        } catch (IOException e) {
            failure.fail(Cause.CONNECTION, "main channel: " + Failure.describe(e));
        } catch (InterruptedException e) {
            failure.fail(Cause.INTERRUPTED, "interrupted");
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "receive failed", e);
            failure.fail(Cause.INTERNAL, "internal error: " + e);
        } finally {
            watchdog.stop();
            boolean ok = checksumMatch && !failure.isSet();
            if (!ok && !failure.isSet()) {
                failure.fail(Cause.INTERNAL, "failed");
            }
            failure.complete();
            threads.joinAll();
            Thread.interrupted();
            if (!ok && postcopy != null) {
                postcopy.close(); // the guest is lost: waiting threads are woken
            }
        }
        MigrationFailure reason = failure.get();
        if (reason != null) {
            progress.report(reason.status() == MigrationStatus.CANCELLED ? Progress.Phase.CANCELLED
                    : Progress.Phase.FAILED, roundCount);
            LOG.log(System.Logger.Level.DEBUG, "incoming migration " + reason.status() + ": " + reason.message());
        }
        result.postcopy(postcopy == null ? null : postcopy.statistics());
        long transferred = Connection.transferred(connections);
        MethodStatistics stats = MethodStatistics.EMPTY;
        for (ReceiveChannel c : channels) {
            stats = stats.plus(c.statistics());
        }
        result.tls(Connection.tls(connections));
        result.verified(verification);
        return result.build(reason, verification == null ? 0 : verification.downtime().nanos(), transferred,
                received == null ? 0 : received.totalBytes(), pages, roundCount, 0, checksumMatch, stats, threads);
    }

    /**
     * The source's completion, once every channel (and in postcopy the preempt channel) ended where it says, then the
     * verdict on the main connection (a new one after a postcopy resume): the handover, and the memory checks.
     */
    private boolean handOver(CompletableFuture<Complete> completion)
            throws IOException, Failure.Stopped, InterruptedException {
        Complete complete = failure.await(completion, "the source's completion");
        roundCount = complete.rounds();
        ReceiveChannel.awaitEnded(channels, roundCount, failure);
        if (postcopy != null && postcopy.switched()) {
            postcopy.finish();
        }
        progress.report(Progress.Phase.VERIFY, roundCount);
        return verification.verdict(connections.getFirst(), complete.checksums());
    }

    /** Starts accepting on the listener; a cancel meanwhile may have missed it in the teardown. */
    private Reception reception() throws IOException {
        Reception r = Reception.start(listener, local.setupTimeoutMs(), threads);
        reception = r;
        if (failure.isSet()) {
            r.close();
        }
        return r;
    }

    private void listen(Endpoint at) throws Failure.Stopped {
        try {
            Transport.Listener l = DestinationSetup.transport(at, local, failure).listen(at);
            this.listener = l;
            boundPort = l.port();
            if (failure.isSet()) {
                l.close();
            }
        } catch (IOException e) { // no channel's error: the transport's message names the address
            failure.fail(Cause.CONNECTION, Failure.describe(e));
            throw new Failure.Stopped();
        } finally {
            listening.countDown();
        }
    }

    private void teardown() {
        Reception rc = reception;
        if (rc != null) {
            rc.close();
        }
        Transport.Listener l = listener;
        if (l != null) {
            l.close();
        }
        for (Connection c : connections) {
            c.close();
        }
        ReceiveRounds r = rounds;
        if (r != null) {
            r.abort();
        }
        if (postcopy != null) {
            postcopy.stop();
        }
        if (recovery != null) {
            recovery.close();
        }
        threads.interruptAll();
        Thread m = mainThread;
        if (m != null && m != Thread.currentThread()) {
            m.interrupt();
        }
        listening.countDown();
    }
}
