package io.jmultifd.multifd.transport;

import io.jmultifd.multifd.tls.TlsContext;
import io.jmultifd.multifd.tls.TlsException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One connection a {@link Gate} accepted, from its accept until it is admitted or closed. The gate reads its
 * hello without blocking (through its TLS handshake first, where the destination has TLS); once the hello is
 * whole, the connection is handed out ({@link Gate#next}), blocking again, and stays under its deadline (and may
 * be evicted) until the taker {@link #admit admits} it.
 */
public final class Arrival {
    enum State { READING, HANDED, ADMITTED, CLOSED }

    /** Bytes of a foreign peer read for quoting. */
    private static final int EXCERPT_BYTES = 64;

    private final Gate gate;
    final SocketChannel channel;
    private final String peer;
    private final long acceptedNanos;
    final long deadlineNanos;
    ByteBuffer buffer = ByteBuffer.allocate(4); // the magic first, then the whole hello
    SelectionKey key;
    State state = State.READING; // guarded by the gate's lock
    volatile String closedBecause;
    TlsSession tls; // once it spoke TLS to a TLS destination
    private Connection connection;

    Arrival(Gate gate, SocketChannel channel, String peer, long acceptedNanos, long deadlineNanos) {
        this.gate = gate;
        this.channel = channel;
        this.peer = peer;
        this.acceptedNanos = acceptedNanos;
        this.deadlineNanos = deadlineNanos;
    }

    /** The peer's address, host:port. */
    public String peer() { return peer; }

    public long acceptedNanos() { return acceptedNanos; }

    /** The whole hello, magic included. */
    public ByteBuffer hello() {
        return buffer.asReadOnlyBuffer().flip();
    }

    /** Why it was closed (and reported); null while open or admitted. */
    public String closedBecause() { return closedBecause; }

    /**
     * The connection after its hello, blocking, the hello counted as read. Reading it before {@link #admit} is
     * still bounded: at its deadline the gate closes it, and the read fails.
     */
    public synchronized Connection connection() {
        if (connection == null) {
            connection = tls == null ? new SocketConnection(channel, buffer.capacity())
                    : new TlsConnection(tls, channel, buffer.capacity());
        }
        return connection;
    }

    /**
     * For the gate: reads what arrived into the buffer, through TLS once it began (non-blocking). Whatever the
     * engine throws on a peer's bytes is that peer's failure, never the gate's.
     */
    long read() throws IOException {
        if (tls == null) {
            return channel.read(buffer);
        }
        try {
            return tls.read(buffer);
        } catch (RuntimeException e) {
            throw new TlsException("the TLS engine failed on what the peer sent: " + e, e);
        }
    }

    /** For the gate: waits for the peer, and under TLS for room to write the handshake too. */
    void awaitMore() {
        key.interestOps(tls != null && tls.wantsWrite() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
    }

    /**
     * For the gate, once the first four bytes are in: begins TLS, or sizes the buffer for the whole hello (true);
     * or turns the peer away (false): a peer that speaks TLS to a plain destination or plain jmultifd to a TLS one
     * is told so, anything else is quoted.
     */
    boolean opened(TlsContext tlsHere, Gate.Greeting greeting) {
        int magic = buffer.getInt(0);
        boolean spokeTls = greeting.opensTls(magic);
        int length = greeting.helloLength(magic);
        if (tls == null && spokeTls && tlsHere != null) {
            try {
                tls = new TlsSession(channel, tlsHere, buffer.flip());
            } catch (TlsException e) {
                reject("TLS handshake failed: " + e.getMessage());
                return false;
            }
            buffer = ByteBuffer.allocate(4); // the hello inside TLS
            return true;
        }
        if (tls == null && (tlsHere != null || spokeTls) && (spokeTls || length >= 0)) {
            String why = spokeTls ? Gate.SPOKE_TLS : Gate.DID_NOT_SPEAK_TLS;
            refuseNow(why, greeting.refusal(why));
            return false;
        }
        if (length < 0) {
            ByteBuffer sent = ByteBuffer.allocate(EXCERPT_BYTES).put(buffer.flip());
            try {
                read(sent); // whatever else it sent already, without waiting
            } catch (IOException e) {
                // the first bytes say enough
            }
            reject(greeting.foreign(sent.array(), sent.position()));
            return false;
        }
        buffer = ByteBuffer.allocate(length).put(buffer.flip());
        return true;
    }

    private void read(ByteBuffer b) throws IOException {
        if (tls == null) {
            channel.read(b);
        } else {
            tls.read(b);
        }
    }

    /** For the gate's reasons: what a connection still reading had done, e.g. "sent 3 bytes and no complete hello". */
    String unfinished() {
        if (tls != null && !tls.handshaken()) {
            return "did not complete its TLS handshake";
        }
        return "sent " + buffer.position() + " bytes" + (tls != null ? " in TLS" : "") + " and no complete hello";
    }

    /** "5 bytes of its hello", "its TLS handshake unfinished", "its setup unfinished". */
    String progress() {
        if (state != State.READING) {
            return "its setup unfinished";
        }
        return tls != null && !tls.handshaken() ? "its TLS handshake unfinished" : buffer.position() + " bytes of its hello";
    }

    /** "after 3 bytes, before its hello was complete", "during the TLS handshake". */
    String closedBefore() {
        return tls != null && !tls.handshaken() ? "during the TLS handshake"
                : "after " + buffer.position() + " bytes, before its hello was complete";
    }

    /** Takes it out of the gate's care (no deadline, no eviction); false when the gate closed it first. */
    public boolean admit() {
        return gate.admit(this);
    }

    /** Reports why and closes it, unless it is closed or admitted already. */
    public void reject(String why) {
        if (gate.markClosed(this, why)) {
            gate.reported(this, why); // before the peer can see the close
            Gate.closeQuietly(channel);
        }
    }

    /**
     * Rejects it with a last word to the peer: sends {@code answer}, reads what the peer sent already (closing
     * with unread bytes would reset the connection, and a reset may discard the answer before the peer read
     * it), ends the stream, then reports and closes it.
     */
    public void reject(String why, ByteBuffer answer) {
        if (!gate.markClosed(this, why)) {
            return;
        }
        Connection c = connection();
        try {
            c.writeFully(answer);
            c.readAvailable(ByteBuffer.allocate(64 * 1024));
            if (c instanceof TlsConnection t) {
                t.shutdownOutput();
            } else {
                ((SocketConnection) c).shutdownOutput();
            }
        } catch (IOException e) {
            // it is gone; nothing to tell
        }
        gate.reported(this, why);
        c.close();
    }

    /**
     * As {@link #reject(String, ByteBuffer)}, from the gate's thread on the non-blocking channel: the answer is a
     * few dozen bytes into an empty send buffer, so one write takes it (if not, the peer learns from the close).
     */
    void refuseNow(String why, ByteBuffer answer) {
        if (!gate.markClosed(this, why)) {
            return;
        }
        try {
            if (tls == null) {
                channel.write(answer);
            } else {
                tls.write(new ByteBuffer[] {answer}, 0, 1);
                tls.closeOutbound();
            }
            channel.read(ByteBuffer.allocate(64 * 1024));
            channel.shutdownOutput();
        } catch (IOException e) {
            // it is gone; nothing to tell
        }
        gate.reported(this, why);
        Gate.closeQuietly(channel);
    }
}
