package io.jmultifd.multifd;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy between a source and a destination that can drop every connection (the destination
 * "dies") or stop forwarding while keeping the sockets open (a stalled peer), either on demand or once a
 * number of bytes went through from the source.
 */
final class FaultyProxy implements AutoCloseable {
    enum Fault { NONE, DROP, STALL }

    private final ServerSocketChannel server;
    private final int targetPort;
    private final List<SocketChannel> sockets = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final AtomicLong forwarded = new AtomicLong();
    private final long triggerBytes;
    private final Fault fault;
    private volatile boolean stalled;
    private volatile boolean dropped;

    FaultyProxy(int targetPort, Fault fault, long triggerBytes) throws IOException {
        this.targetPort = targetPort;
        this.fault = fault;
        this.triggerBytes = triggerBytes;
        server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        start(this::acceptLoop);
    }

    int port() {
        return server.socket().getLocalPort();
    }

    private void start(Runnable r) {
        Thread t = Thread.ofPlatform().daemon(true).name("test-proxy").start(r);
        threads.add(t);
    }

    private void acceptLoop() {
        try {
            while (true) {
                SocketChannel in = server.accept();
                SocketChannel out = SocketChannel.open(new InetSocketAddress("127.0.0.1", targetPort));
                sockets.add(in);
                sockets.add(out);
                start(() -> pump(in, out, true));
                start(() -> pump(out, in, false));
            }
        } catch (IOException e) {
            // closed
        }
    }

    private void pump(SocketChannel from, SocketChannel to, boolean fromSource) {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        try {
            while (from.read(buf) >= 0) {
                buf.flip();
                if (fromSource && fault != Fault.NONE && forwarded.addAndGet(buf.remaining()) >= triggerBytes) {
                    trigger();
                }
                while (stalled) {
                    Thread.sleep(10); // keep the sockets open but move nothing
                }
                while (buf.hasRemaining()) {
                    to.write(buf);
                }
                buf.clear();
            }
        } catch (IOException | InterruptedException e) {
            // dropped or closed
        } finally {
            if (!stalled) {
                closeQuietly(to);
            }
        }
    }

    /** Applies the fault now. */
    void trigger() {
        if (fault == Fault.STALL) {
            stalled = true;
        } else if (fault == Fault.DROP) {
            drop();
        }
    }

    void drop() {
        dropped = true;
        for (SocketChannel s : sockets) {
            closeQuietly(s);
        }
    }

    boolean triggered() {
        return stalled || dropped;
    }

    private static void closeQuietly(SocketChannel s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // best effort
        }
    }

    @Override
    public void close() throws IOException {
        stalled = false;
        server.close();
        drop();
        for (Thread t : threads) {
            t.interrupt();
        }
    }
}
