package io.jmultifd.multifd.transport;

import io.jmultifd.multifd.Endpoint;
import io.jmultifd.multifd.tls.TlsContext;
import io.jmultifd.multifd.tls.TlsException;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ConcurrentHashMap;

/**
 * TCP and in-process transports. Both use blocking NIO socket channels; the in-process one listens on a
 * loopback port registered under a name, so it runs the very same code and bytes as TCP. With a
 * {@link TlsContext} every connection is TLS: the source's after its handshake in {@link #connect}, the
 * destination's through the {@link Gate}.
 */
final class SocketTransport implements Transport {
    static final SocketTransport INSTANCE = new SocketTransport(null);
    private static final ConcurrentHashMap<String, InetSocketAddress> IN_PROCESS = new ConcurrentHashMap<>();

    private final TlsContext tls; // null: plain

    SocketTransport(TlsContext tls) {
        this.tls = tls;
    }

    /**
     * Connections the kernel completes and queues before they are accepted: room for a burst (a flood of idle
     * connections) while the gate's thread waits for a core, so that a source behind it is not dropped.
     */
    static final int BACKLOG = 1024;

    /** A listening socket; {@link #close()} also unregisters an in-process name. */
    private final class SocketListener implements Listener {
        private final ServerSocketChannel server;
        private final String inProcessName;

        private SocketListener(ServerSocketChannel server, String inProcessName) {
            this.server = server;
            this.inProcessName = inProcessName;
        }

        @Override
        public int port() {
            return server.socket().getLocalPort();
        }

        @Override
        public Gate gate(Gate.Greeting greeting, int maxPending, long deadlineMs, String deadlineName,
                         Gate.Rejections rejections) throws IOException {
            return new Gate(server, this, greeting, maxPending, deadlineMs, deadlineName, rejections, tls);
        }

        @Override
        public void close() {
            if (inProcessName != null) {
                IN_PROCESS.remove(inProcessName, server.socket().getLocalSocketAddress());
            }
            try {
                server.close();
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    @Override
    public Listener listen(Endpoint endpoint) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            switch (endpoint) {
                case Endpoint.Tcp tcp -> {
                    bind(server, tcp);
                    return new SocketListener(server, null);
                }
                case Endpoint.InProcess ip -> {
                    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), BACKLOG);
                    InetSocketAddress addr = (InetSocketAddress) server.getLocalAddress();
                    if (IN_PROCESS.putIfAbsent(ip.name(), addr) != null) {
                        throw new IOException("in-process endpoint " + ip.name() + " is already listening");
                    }
                    return new SocketListener(server, ip.name());
                }
                case Endpoint.File f -> throw new IOException(f + " is a snapshot file, not a socket to listen on");
            }
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** Binds {@code server} to {@code tcp}; an error names the address, e.g. "tcp:HOST:PORT: address already in use". */
    private static void bind(ServerSocketChannel server, Endpoint.Tcp tcp) throws IOException {
        InetSocketAddress address = new InetSocketAddress(tcp.host(), tcp.port());
        if (address.isUnresolved()) {
            throw new IOException(tcp + ": cannot resolve " + tcp.host());
        }
        try {
            server.bind(address, BACKLOG);
        } catch (IOException e) {
            String why = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName()
                    : e.getMessage();
            throw new IOException(tcp + ": " + Character.toLowerCase(why.charAt(0)) + why.substring(1), e);
        }
    }

    @Override
    public Connection connect(Endpoint endpoint, long timeoutMs, boolean awaitName) throws IOException {
        InetSocketAddress addr = switch (endpoint) {
            case Endpoint.Tcp tcp -> new InetSocketAddress(tcp.host(), tcp.port());
            case Endpoint.InProcess ip -> awaitInProcess(ip.name(), awaitName ? timeoutMs : 0);
            case Endpoint.File f -> throw new IOException(f + " is a snapshot file, not a socket to connect to");
        };
        if (addr.isUnresolved()) {
            throw new IOException("cannot resolve " + endpoint);
        }
        SocketChannel ch = SocketChannel.open();
        try {
            ch.socket().connect(addr, (int) Math.min(Integer.MAX_VALUE, timeoutMs));
            configure(ch);
        } catch (SocketTimeoutException e) {
            ch.close();
            throw new IOException("connecting to " + endpoint + " timed out after " + timeoutMs + " ms", e);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw new IOException("cannot connect to " + endpoint + ": " + e.getMessage(), e);
        }
        return tls == null ? new SocketConnection(ch, 0) : secure(ch, endpoint);
    }

    /** The source's TLS handshake on a connected channel (blocking); a failure closes it and says why. */
    private TlsConnection secure(SocketChannel ch, Endpoint endpoint) throws TlsException {
        try {
            TlsSession session = new TlsSession(ch, tls, ByteBuffer.allocate(0));
            session.handshake();
            return new TlsConnection(session, ch, 0);
        } catch (TlsException e) {
            Gate.closeQuietly(ch);
            throw e;
        } catch (IOException | RuntimeException e) {
            Gate.closeQuietly(ch);
            throw new TlsException("the TLS handshake with " + endpoint + " failed: " + e.getMessage(), e);
        }
    }

    private static InetSocketAddress awaitInProcess(String name, long timeoutMs) throws IOException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (true) {
            InetSocketAddress a = IN_PROCESS.get(name);
            if (a != null) {
                return a;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("no in-process destination called " + name + " is listening");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while waiting for in-process endpoint " + name);
            }
        }
    }

    private static void configure(SocketChannel ch) throws IOException {
        ch.configureBlocking(true);
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
    }
}
