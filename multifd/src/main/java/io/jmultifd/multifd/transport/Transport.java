package io.jmultifd.multifd.transport;

import io.jmultifd.multifd.Endpoint;
import io.jmultifd.multifd.tls.TlsContext;

import java.io.IOException;

/**
 * How connections to an endpoint are made: the source connects, the destination listens and accepts through a
 * {@link Gate}.
 */
public interface Transport {

    /** The transport for {@code endpoint}: sockets for {@code tcp:} and {@code inprocess:} alike. */
    static Transport of(Endpoint endpoint) {
        return SocketTransport.INSTANCE;
    }

    /**
     * As {@link #of(Endpoint)}, every connection protected by {@code tls} when not null: the source's connect
     * returns after the handshake; the destination's gate runs each handshake as the bytes arrive.
     */
    static Transport of(Endpoint endpoint, TlsContext tls) {
        return tls == null ? of(endpoint) : new SocketTransport(tls);
    }

    /**
     * Connects within {@code timeoutMs}; a connect that times out is an IOException caused by a
     * {@link java.net.SocketTimeoutException}. With TLS, the handshake follows; it fails with a
     * {@link io.jmultifd.multifd.tls.TlsException} that says why, and is bounded by the caller (interrupting the
     * thread or closing the connections it holds).
     *
     * @param awaitName for an in-process endpoint: wait up to {@code timeoutMs} for the name to appear (the
     *                  first connection of a migration); false once the destination is known to listen, so
     *                  that a destination that went away fails the connection at once
     */
    Connection connect(Endpoint endpoint, long timeoutMs, boolean awaitName) throws IOException;

    Listener listen(Endpoint endpoint) throws IOException;

    /** A listening endpoint. */
    interface Listener extends AutoCloseable {
        /** The port listened on (TCP port 0 resolves here). */
        int port();

        /**
         * The gate that accepts its connections from now on ({@link Gate#run} on a thread of the caller's);
         * closing the gate closes the listener.
         *
         * @param deadlineMs   how long a connection may take to send its hello and be admitted
         * @param deadlineName the parameter that set it, for the reasons given
         */
        Gate gate(Gate.Greeting greeting, int maxPending, long deadlineMs, String deadlineName,
                  Gate.Rejections rejections) throws IOException;

        @Override
        void close();
    }
}
