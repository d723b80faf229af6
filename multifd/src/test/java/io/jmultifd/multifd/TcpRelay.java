package io.jmultifd.multifd;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay to a port on 127.0.0.1, for tests that break connections: {@link #cut} drops every connection it
 * carries, as a network that fails; it keeps accepting new ones (a connection made while nothing listens at the
 * target is closed at once).
 */
public final class TcpRelay implements AutoCloseable {
    private final ServerSocketChannel server;
    private final int target;
    private final List<SocketChannel> open = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private volatile int accepted;

    public TcpRelay(int target) throws IOException {
        this.target = target;
        this.server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        this.acceptor = Thread.ofPlatform().daemon(true).name("test-relay").start(this::accept);
    }

    public int port() {
        return server.socket().getLocalPort();
    }

    public int connections() {
        return accepted;
    }

    private void accept() {
        try {
            while (true) {
                SocketChannel in = server.accept();
                SocketChannel out;
                try {
                    out = SocketChannel.open(new InetSocketAddress("127.0.0.1", target));
                } catch (IOException e) {
                    in.close(); // nothing listens there (yet): the source sees the connection close
                    continue;
                }
                accepted++;
                open.add(in);
                open.add(out);
                Thread.ofPlatform().daemon(true).name("test-relay").start(() -> pump(in, out));
                Thread.ofPlatform().daemon(true).name("test-relay").start(() -> pump(out, in));
            }
        } catch (IOException e) {
            // closed
        }
    }

    private static void pump(SocketChannel from, SocketChannel to) {
        ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
        try {
            while (from.read(buf) >= 0) {
                buf.flip();
                while (buf.hasRemaining()) {
                    to.write(buf);
                }
                buf.clear();
            }
        } catch (IOException e) {
            // cut or closed
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    /** Drops every connection at once, as a network that fails. */
    public void cut() {
        for (SocketChannel c : open) {
            closeQuietly(c);
        }
        open.clear();
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closed already
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        cut();
        try {
            acceptor.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
