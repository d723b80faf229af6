package io.jmultifd.multifd.transport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One connection a {@link Gate} accepted, from its accept until it is admitted or closed. The gate reads its
 * hello without blocking; once the hello is whole, the connection is handed out ({@link Gate#next}), blocking
 * again, and stays under its deadline (and may be evicted) until the taker {@link #admit admits} it.
 */
public final class Arrival {
    enum State { READING, HANDED, ADMITTED, CLOSED }

    private final Gate gate;
    final SocketChannel channel;
    private final String peer;
    private final long acceptedNanos;
    final long deadlineNanos;
    ByteBuffer buffer = ByteBuffer.allocate(4); // the magic first, then the whole hello
    SelectionKey key;
    State state = State.READING; // guarded by the gate's lock
    volatile String closedBecause;
    private SocketConnection connection;

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
    public Connection connection() {
        return socketConnection();
    }

    private synchronized SocketConnection socketConnection() {
        if (connection == null) {
            connection = new SocketConnection(channel, buffer.capacity());
        }
        return connection;
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
        SocketConnection c = socketConnection();
        try {
            c.writeFully(answer);
            c.readAvailable(ByteBuffer.allocate(64 * 1024));
            c.shutdownOutput();
        } catch (IOException e) {
            // it is gone; nothing to tell
        }
        gate.reported(this, why);
        c.close();
    }
}
