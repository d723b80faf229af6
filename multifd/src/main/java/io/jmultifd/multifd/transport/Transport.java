package io.jmultifd.multifd.transport;

import io.jmultifd.multifd.Endpoint;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How connections to an endpoint are made: the source connects, the destination listens and accepts. Every
 * connection counts the bytes it moves into {@code activity}, the counter the stall watchdog watches.
 */
public interface Transport {

    /** The transport for {@code endpoint}: sockets for {@code tcp:} and {@code inprocess:} alike. */
    static Transport of(Endpoint endpoint) {
        return SocketTransport.INSTANCE;
    }

    /**
     * Connects within {@code timeoutMs}.
     *
     * @param awaitName for an in-process endpoint: wait up to {@code timeoutMs} for the name to appear (the
     *                  first connection of a migration); false once the destination is known to listen, so
     *                  that a destination that went away fails the connection at once
     */
    Connection connect(Endpoint endpoint, long timeoutMs, boolean awaitName, AtomicLong activity) throws IOException;

    Listener listen(Endpoint endpoint) throws IOException;

    /** A listening endpoint; {@link #close()} from another thread wakes a blocked {@link #accept}. */
    interface Listener extends AutoCloseable {
        /** The port listened on (TCP port 0 resolves here). */
        int port();

        Connection accept(AtomicLong activity) throws IOException;

        @Override
        void close();
    }
}
