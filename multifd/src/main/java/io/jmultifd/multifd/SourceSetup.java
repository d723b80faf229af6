package io.jmultifd.multifd;

import io.jmultifd.multifd.channels.SendChannels;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.Workload;
import io.jmultifd.multifd.postcopy.PostcopySource;
import io.jmultifd.multifd.wire.Wire;
import java.util.function.BooleanSupplier;

import io.jmultifd.multifd.MigrationFailure.Cause;
import io.jmultifd.multifd.tls.TlsContext;
import io.jmultifd.multifd.tls.TlsException;
import io.jmultifd.multifd.transport.Connection;
import io.jmultifd.multifd.transport.Transport;
import io.jmultifd.multifd.verify.PageDigests;
import io.jmultifd.multifd.verify.Verification;
import io.jmultifd.multifd.wire.ChannelHello;
import io.jmultifd.multifd.wire.DestinationHello;
import io.jmultifd.multifd.wire.Handshake;
import io.jmultifd.multifd.wire.HandshakeReply;
import io.jmultifd.multifd.wire.MessageReader;
import io.jmultifd.multifd.wire.PostcopyResume;
import io.jmultifd.multifd.wire.HeldPageDigests;
import io.jmultifd.multifd.wire.ReceivedBitmap;
import io.jmultifd.multifd.wire.ResumeState;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import io.jmultifd.multifd.channels.PageCounters;
import io.jmultifd.multifd.channels.RateLimiter;
import io.jmultifd.multifd.channels.SendChannel;

/**
 * The source's setup step: connects the main connection, sends the hello and handshake, waits for the
 * destination's answer, then opens one data connection per channel. Every wait for the destination is bounded
 * ({@link SetupDeadline}, thread {@code jmultifd-src-setup} until {@link #close()}): by setup-timeout, except
 * the destination's allocating the guest between its hello and its answer, which peer-timeout bounds as any
 * other work of a jmultifd peer. So a peer that is not jmultifd is named or timed out within setup-timeout.
 * With {@code tls-creds} every connection is TLS (package tls), its handshake within the same deadline; a TLS
 * refusal fails the migration with cause TLS before any guest byte moves.
 */
final class SourceSetup implements AutoCloseable {
    private final MigrationParameters params;
    private final Endpoint to;
    private final Failure failure;
    private final List<Connection> connections;
    private Transport transport; // once the credentials are loaded
    private final SetupDeadline deadline;

    /** Starts the deadline of the first step, connecting; each connection made is added to {@code connections}. */
    SourceSetup(MigrationParameters params, Endpoint to, Failure failure, EngineThreads threads,
                List<Connection> connections) {
        this.params = params;
        this.to = to;
        this.failure = failure;
        this.connections = connections;
        this.deadline = new SetupDeadline(failure, threads, "jmultifd-src-setup", params.setupTimeoutMs(),
                Cause.SETUP_TIMEOUT, connectTimedOut());
    }

    /** Connects the main connection and shakes hands; returns it once the destination accepted. */
    Connection handshake(Handshake handshake) throws IOException, Failure.Stopped {
        long setupMs = params.setupTimeoutMs();
        Connection main = connectMain();
        handshake.send(main);
        deadline.step("no answer to the handshake from " + to + " within setup-timeout " + setupMs
                + " ms (a jmultifd destination answers at once; is something else listening there?)");
        try {
            DestinationHello.read(main); // under TLS 1.3, the destination's refusal of our certificate comes here
        } catch (TlsException e) {
            throw tlsFailed(e);
        }
        // A jmultifd destination: it allocates the guest before it answers.
        long peerMs = params.peerTimeoutMs();
        deadline.arm(peerMs, Cause.STALLED, "peer stalled: the destination did not accept or refuse the handshake"
                + " within peer-timeout " + peerMs + " ms");
        if (HandshakeReply.decode(new MessageReader(main)) instanceof HandshakeReply.Refuse(String why)) {
            failure.peerFailed(Cause.REFUSED, "destination refused the migration: " + why);
            failure.check();
        }
        deadline.arm(setupMs, Cause.SETUP_TIMEOUT, "setup-timeout " + setupMs
                + " ms passed connecting the data channels to " + to);
        return main;
    }

    /**
     * The transport to {@code to} (TLS as the parameters say: a bad credential fails the side), then the main
     * connection.
     */
    private Connection connectMain() throws IOException, Failure.Stopped {
        try {
            transport = Transport.of(to, TlsContext.forSource(params.tls(), to));
        } catch (TlsException e) {
            failure.fail(Cause.TLS, e.getMessage());
            failure.check();
        }
        return connect(true);
    }

    /**
     * What the paused destination said to a resume: the guest runs there and holds the pages of {@code received}, or
     * it never started there ({@code received} null) and its memory holds pages with the digests {@code held}.
     */
    record Resumed(Connection main, long[][] received, int[][] held) {}

    /**
     * A postcopy resume: connects a new main connection, asks the destination to resume {@code sessionId} and reads
     * its answer: whether its guest runs, and the bitmap of the pages it holds, or if it does not run the digests of
     * its pages ({@code blockPages}: each block's page count).
     */
    Resumed resume(long sessionId, long[] blockPages) throws IOException, Failure.Stopped {
        Connection main = connectMain();
        new PostcopyResume(sessionId).send(main);
        try {
            DestinationHello.read(main);
        } catch (TlsException e) {
            throw tlsFailed(e);
        }
        MessageReader r = new MessageReader(main);
        if (HandshakeReply.decode(r) instanceof HandshakeReply.Refuse(String why)) {
            failure.peerFailed(Cause.REFUSED, "destination refused the resume: " + why);
            failure.check();
        }
        return ResumeState.read(r).guestRunning() ? new Resumed(main, ReceivedBitmap.readAll(r, blockPages), null)
                : new Resumed(main, null, HeldPageDigests.readAll(r, blockPages));
    }

    /** The handshake of a migration of {@code guest} with {@code params}. */
    static Handshake handshakeOf(long sessionId, MigrationParameters params, GuestMemory guest) {
        return new Handshake(sessionId, params.pageSize(), params.channels(), params.packetPages(),
                Wire.zeroModeCode(params.zeroPageMode()), params.methodName(), params.methodHandshake(),
                guest.blocks().stream().map(b -> new Handshake.Block(b.name(), b.size())).toList(),
                params.freePageHint(), params.capabilities());
    }

    /**
     * With postcopy-ram=on, the postcopy side of the source; with postcopy-preempt=on it connects the preempt
     * channel (index: the channel count) and starts its sender thread {@code jmultifd-src-preempt}. Null when off.
     * {@code progress} is called between the batches of its background round (it reports now and then).
     */
    PostcopySource postcopy(long sessionId, GuestMemory guest, Workload workload, SendChannels channels,
                            Watchdog watchdog, EngineThreads threads, BooleanSupplier startAsked,
                            Verification verification, Runnable progress) throws IOException, Failure.Stopped {
        if (!params.capabilities().postcopyRam()) {
            return null;
        }
        Connection urgent = params.capabilities().postcopyPreempt() ? openChannel(sessionId, params.channels()) : null;
        PostcopySource postcopy = new PostcopySource(guest, workload, channels, urgent, failure, watchdog, startAsked,
                verification, progress);
        if (urgent != null) {
            threads.start("jmultifd-src-preempt", postcopy::sendUrgent);
        }
        return postcopy;
    }

    /** Connects a data connection per channel, each with its sender (not started). */
    List<SendChannel> openChannels(long sessionId, GuestMemory guest, RateLimiter limiter, PageCounters pages,
                                   Watchdog watchdog, PageDigests digests) throws IOException, Failure.Stopped {
        List<SendChannel> list = new ArrayList<>();
        for (int i = 0; i < params.channels(); i++) {
            list.add(new SendChannel(i, openChannel(sessionId, i), params, guest.blocks(), limiter, pages, failure,
                    watchdog, digests));
        }
        return list;
    }

    /** Connects data channel {@code index} and says hello on it. */
    Connection openChannel(long sessionId, int index) throws IOException, Failure.Stopped {
        Connection c = connect(false);
        new ChannelHello(sessionId, index).send(c);
        return c;
    }

    /** Connects within what is left of the step's deadline. */
    private Connection connect(boolean first) throws IOException, Failure.Stopped {
        Connection c;
        try {
            c = transport.connect(to, deadline.remainingMs(), first);
        } catch (TlsException e) {
            throw tlsFailed(e);
        } catch (IOException e) {
            failure.check(); // the deadline passed meanwhile: its reason stands
            if (e.getCause() instanceof SocketTimeoutException) {
                failure.fail(Cause.SETUP_TIMEOUT, connectTimedOut());
                failure.check();
            }
            throw e;
        }
        connections.add(c);
        if (failure.isSet()) {
            c.close(); // the teardown may have missed it
        }
        failure.check();
        return c;
    }

    /** A TLS refusal ends the side with cause TLS, unless the deadline or a cancel ended it first (their reason stands). */
    private TlsException tlsFailed(TlsException e) throws Failure.Stopped {
        failure.check();
        failure.fail(Cause.TLS, "TLS with " + to + ": " + e.getMessage());
        failure.check();
        return e;
    }

    private String connectTimedOut() {
        return "setup-timeout " + params.setupTimeoutMs() + " ms passed connecting to " + to;
    }

    /** Ends the deadline's thread: from here on the watchdog bounds the waits. */
    @Override
    public void close() {
        deadline.close();
    }
}
