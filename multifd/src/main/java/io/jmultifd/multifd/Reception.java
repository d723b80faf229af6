package io.jmultifd.multifd;

import io.jmultifd.multifd.MigrationFailure.Cause;
import io.jmultifd.multifd.transport.Arrival;
import io.jmultifd.multifd.transport.Connection;
import io.jmultifd.multifd.transport.Gate;
import io.jmultifd.multifd.transport.Transport;
import io.jmultifd.multifd.wire.ChannelHello;
import io.jmultifd.multifd.wire.DestinationHello;
import io.jmultifd.multifd.wire.ForeignPeer;
import io.jmultifd.multifd.wire.Handshake;
import io.jmultifd.multifd.wire.HandshakeReply;
import io.jmultifd.multifd.wire.Hello;
import io.jmultifd.multifd.wire.MainHello;
import io.jmultifd.multifd.wire.MessageReader;
import io.jmultifd.multifd.wire.MessageWriter;
import io.jmultifd.multifd.wire.PostcopyResume;
import io.jmultifd.multifd.wire.Refusal;
import io.jmultifd.multifd.wire.TlsProbe;
import io.jmultifd.multifd.wire.Wire;
import io.jmultifd.multifd.wire.WireException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * Drives the destination's {@link Gate} until a migration owns the destination: accepts connections until one
 * brings a jmultifd source's complete handshake, then that source's data connections. Whatever connects
 * meanwhile cannot take the migration's place: a connection that is not a jmultifd peer, says nothing, stops
 * half-way or misses its setup-timeout is closed and logged ({@link RejectionLog}), and the destination keeps
 * listening. A source's complete hello and handshake decide: {@link DestinationSetup} accepts or refuses them
 * (the migration fails then, as QEMU's incoming migration does). Data connections are matched to the accepted
 * session by its id; others are turned away, and a second source is told that a migration is being received.
 */
final class Reception implements AutoCloseable {
    /** Connections at most that may be pending (accepted, hello or handshake not yet complete). */
    static final int MAX_PENDING = 64;

    private static final Gate.Greeting GREETING = new Gate.Greeting() {
        @Override
        public int helloLength(int magic) {
            return Hello.length(magic);
        }

        @Override
        public String foreign(byte[] sent, int length) {
            return ForeignPeer.describe(sent, length);
        }

        @Override
        public boolean opensTls(int magic) {
            return TlsProbe.opensClientHello(magic);
        }

        @Override
        public ByteBuffer refusal(String why) {
            return Reception.refusal(why);
        }
    };

    /** The first complete handshake of a jmultifd source, and the connection that brought it. */
    record Candidate(Connection main, Handshake handshake) {}

    private final Gate gate;
    private final RejectionLog log;
    private final long setupTimeoutMs;
    private volatile String acceptedPeer;

    private Reception(Gate gate, RejectionLog log, long setupTimeoutMs) {
        this.gate = gate;
        this.log = log;
        this.setupTimeoutMs = setupTimeoutMs;
    }

    /** Starts accepting on {@code listener} (thread {@code jmultifd-dst-accept}) until {@link #close()}. */
    static Reception start(Transport.Listener listener, long setupTimeoutMs, EngineThreads threads) throws IOException {
        RejectionLog log = new RejectionLog();
        Gate gate = listener.gate(GREETING, MAX_PENDING, setupTimeoutMs, MigrationParameters.SETUP_TIMEOUT, log::rejected);
        threads.start("jmultifd-dst-accept", gate::run);
        return new Reception(gate, log, setupTimeoutMs);
    }

    /**
     * Waits for the first complete handshake of a jmultifd source, and adds its connection to
     * {@code connections}; {@code connectedAt} is told when that source connected (System.nanoTime()). A
     * source's complete hello or handshake that breaks the wire's rules decides as well: its connection is
     * added, and the {@link WireException} (a {@link io.jmultifd.multifd.wire.Refusal} when the source is to be
     * told) is thrown.
     */
    Candidate awaitHandshake(Failure failure, List<Connection> connections, LongConsumer connectedAt)
            throws Failure.Stopped, InterruptedException, IOException {
        while (true) {
            Arrival a = next(failure, Long.MAX_VALUE);
            if (!(Hello.decode(a.hello()) instanceof MainHello hello)) {
                a.reject("a data connection, but no migration has been accepted");
                continue;
            }
            Connection main = a.connection();
            Handshake handshake;
            try {
                handshake = Handshake.decode(hello, new MessageReader(main));
            } catch (WireException e) {
                if (admit(a, connections)) {
                    connectedAt.accept(a.acceptedNanos());
                    throw e;
                }
                continue;
            } catch (IOException e) {
                if (a.closedBecause() == null) { // else the gate closed it at its deadline and said so
                    a.reject("handshake incomplete: " + Failure.describe(e));
                }
                continue;
            }
            if (admit(a, connections)) {
                connectedAt.accept(a.acceptedNanos());
                acceptedPeer = a.peer();
                return new Candidate(main, handshake);
            }
        }
    }

    /**
     * A destination in postcopy-paused: waits up to {@code timeoutNanos} for the resume of migration {@code session}
     * ({@link PostcopyResume}) and returns its connection, added to {@code connections}; null at the timeout. Any
     * other source, or another migration's, is refused with the reason, and the destination keeps waiting.
     */
    Connection awaitResume(Failure failure, List<Connection> connections, long session, long timeoutNanos)
            throws Failure.Stopped, InterruptedException, IOException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            Arrival a = next(failure, deadline - System.nanoTime());
            if (a == null) {
                return null;
            }
            if (!(Hello.decode(a.hello()) instanceof MainHello hello)) {
                a.reject("a data connection, but the source has not resumed the paused migration yet");
                continue;
            }
            try {
                if (PostcopyResume.decode(hello, new MessageReader(a.connection())).sessionId() != session) {
                    a.reject("refused a resume", refusal("the destination is in postcopy-paused for another migration "
                            + "(the session id differs)"));
                    continue;
                }
            } catch (Refusal e) {
                a.reject("refused: " + e.getMessage(), refusal(e.getMessage()));
                continue;
            } catch (IOException e) {
                if (a.closedBecause() == null) {
                    a.reject("resume incomplete: " + Failure.describe(e));
                }
                continue;
            }
            if (admit(a, connections)) {
                acceptedPeer = a.peer();
                return a.connection();
            }
        }
    }

    /**
     * Waits for the accepted source's data connections, within setup-timeout; each one is added to
     * {@code connections} as it is matched, and the list by channel index is returned. A data connection of
     * the session with another version or a bad index fails the migration.
     */
    List<Connection> awaitChannels(long session, int count, List<Connection> connections, Failure failure)
            throws Failure.Stopped, InterruptedException, IOException {
        long deadline = System.nanoTime() + setupTimeoutMs * 1_000_000L;
        Connection[] byIndex = new Connection[count];
        int matched = 0;
        while (matched < count) {
            long leftNanos = deadline - System.nanoTime();
            if (leftNanos <= 0) {
                failure.fail(Cause.SETUP_TIMEOUT, "setup-timeout " + setupTimeoutMs + " ms passed with " + matched
                        + " of " + count + " data connections of the source connected");
                failure.check();
            }
            Arrival a = next(failure, leftNanos);
            if (a == null) {
                continue;
            }
            if (!(Hello.decode(a.hello()) instanceof ChannelHello hello)) {
                busy(a);
                continue;
            }
            if (hello.sessionId() != session) {
                a.reject("a data connection of another migration (session id differs)");
                continue;
            }
            if (!admit(a, connections)) {
                continue;
            }
            String where = "data connection " + matched;
            hello.checkVersion(where);
            if (hello.index() >= count || byIndex[hello.index()] != null) {
                throw new WireException(where + ": bad or duplicate channel index " + hello.index());
            }
            byIndex[hello.index()] = a.connection();
            matched++;
        }
        return Arrays.asList(byIndex);
    }

    /** Takes the arrival out of the gate's care and adds its connection; false when the gate closed it first. */
    private static boolean admit(Arrival a, List<Connection> connections) {
        if (!a.admit()) {
            return false;
        }
        connections.add(a.connection());
        return true;
    }

    /** Another source while one is being set up: refused with the reason, as a jmultifd source expects it. */
    private void busy(Arrival a) {
        String why = "the destination is already receiving a migration (from " + acceptedPeer + ")";
        a.reject("refused a second source: " + why, refusal(why));
    }

    /** What a jmultifd source reads as a refusal of its handshake: our hello, then REFUSE with the reason. */
    private static ByteBuffer refusal(String why) {
        MessageWriter answer = new MessageWriter();
        new DestinationHello(Wire.VERSION).encode(answer);
        new HandshakeReply.Refuse(why).encode(answer);
        return ByteBuffer.wrap(answer.toBytes());
    }

    /** The next connection with a complete hello, or null at {@code timeoutNanos}; checks for a failure meanwhile. */
    private Arrival next(Failure failure, long timeoutNanos) throws Failure.Stopped, InterruptedException, IOException {
        long deadline = System.nanoTime() + Math.min(timeoutNanos, Long.MAX_VALUE / 4);
        while (true) {
            failure.check();
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            Arrival a = gate.next(Math.min(left, TimeUnit.MILLISECONDS.toNanos(20)), TimeUnit.NANOSECONDS);
            if (a != null && a.closedBecause() == null) {
                return a;
            }
        }
    }

    /** Stops accepting: the listener closes, and with it every connection not taken. */
    @Override
    public void close() {
        gate.close();
        log.flush();
    }
}
