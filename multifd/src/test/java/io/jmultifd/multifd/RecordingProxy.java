package io.jmultifd.multifd;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy between a source and a destination that keeps a copy of every byte that crosses it, both ways, as an
 * eavesdropper on the network would see them.
 */
final class RecordingProxy implements AutoCloseable {
    private final ServerSocketChannel server;
    private final int targetPort;
    private final ByteArrayOutputStream recorded = new ByteArrayOutputStream();
    private final List<SocketChannel> sockets = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    RecordingProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        start(this::acceptLoop);
    }

    int port() {
        return server.socket().getLocalPort();
    }

    /** Every byte seen so far, both directions, in arrival order per read. */
    byte[] recorded() {
        synchronized (recorded) {
            return recorded.toByteArray();
        }
    }

    private void start(Runnable r) {
        threads.add(Thread.ofPlatform().daemon(true).name("test-recording-proxy").start(r));
    }

    private void acceptLoop() {
        try {
            while (true) {
                SocketChannel in = server.accept();
                SocketChannel out = SocketChannel.open(new InetSocketAddress("127.0.0.1", targetPort));
                sockets.add(in);
                sockets.add(out);
                start(() -> pump(in, out));
                start(() -> pump(out, in));
            }
        } catch (IOException e) {
            // closed
        }
    }

    private void pump(SocketChannel from, SocketChannel to) {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        try {
            while (from.read(buf) >= 0) {
                buf.flip();
                synchronized (recorded) {
                    recorded.write(buf.array(), 0, buf.limit());
                }
                while (buf.hasRemaining()) {
                    to.write(buf);
                }
                buf.clear();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            // closed
        }
    }

    @Override
    public void close() throws Exception {
        server.close();
        for (SocketChannel s : sockets) {
            s.close();
        }
        for (Thread t : threads) {
            t.join(10_000);
        }
    }
}
