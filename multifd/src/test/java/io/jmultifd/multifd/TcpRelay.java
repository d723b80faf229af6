package io.jmultifd.multifd;

import io.jmultifd.multifd.transport.Connection;
import io.jmultifd.multifd.wire.Handshake;
import io.jmultifd.multifd.wire.MainHello;
import io.jmultifd.multifd.wire.MessageReader;
import io.jmultifd.multifd.wire.PostcopyRun;
import io.jmultifd.multifd.wire.SourceMessage;
import io.jmultifd.multifd.wire.Wire;

import java.io.EOFException;
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
 * target is closed at once). {@link #cutAtPostcopyRun} cuts at a given message of the main stream instead.
 */
public final class TcpRelay implements AutoCloseable {
    private final ServerSocketChannel server;
    private final int target;
    private final List<SocketChannel> open = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private volatile int accepted;
    private volatile Runnable atRun; // armed by cutAtPostcopyRun, once

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
                Thread.ofPlatform().daemon(true).name("test-relay").start(() -> {
                    if (atRun != null) {
                        watch(in, out);
                    } else {
                        pump(in, out);
                    }
                });
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

    /**
     * Arms a cut in the postcopy switchover, between DISCARD and RUN: the relay reads the next main connection's
     * source-to-destination stream message by message (the wire package's decoders) and forwards each, until RUN,
     * which it withholds. It ends that direction there (the destination reads every DISCARD, then the end of the
     * stream), runs {@code thenBeforeTheCut} (e.g. waits until the destination has seen it) and drops every connection.
     * Once: the connections made after it are relayed as they come.
     */
    public void cutAtPostcopyRun(Runnable thenBeforeTheCut) {
        atRun = thenBeforeTheCut;
    }

    /** Relays a connection's source-to-destination direction; the main connection's is read message by message. */
    private void watch(SocketChannel from, SocketChannel to) {
        Forwarding in = new Forwarding(from, to);
        MessageReader r = new MessageReader(in);
        try {
            if ((int) r.u32("magic") != Wire.MAGIC_MAIN) {
                in.forward();
                pump(from, to);
                return;
            }
            Handshake h = Handshake.decode(new MainHello(r.u16("version"), r.u64("session")), r);
            long[] blockPages = h.blocks().stream().mapToLong(b -> b.size() / h.pageSize()).toArray();
            in.forward();
            while (true) {
                SourceMessage m = SourceMessage.read(r, blockPages);
                Runnable hook = atRun;
                if (m instanceof PostcopyRun && hook != null) {
                    atRun = null;
                    to.shutdownOutput(); // what went before RUN arrives, then the end of the stream
                    hook.run();
                    cut();
                    return;
                }
                in.forward();
            }
        } catch (IOException e) {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    /** The bytes of a connection as a {@link Connection} that reads them and keeps them to forward unchanged. */
    private static final class Forwarding implements Connection {
        private final SocketChannel from;
        private final SocketChannel to;
        private final java.io.ByteArrayOutputStream read = new java.io.ByteArrayOutputStream();

        Forwarding(SocketChannel from, SocketChannel to) {
            this.from = from;
            this.to = to;
        }

        /** Forwards what was read since the last call. */
        void forward() throws IOException {
            ByteBuffer b = ByteBuffer.wrap(read.toByteArray());
            while (b.hasRemaining()) {
                to.write(b);
            }
            read.reset();
        }

        @Override
        public void readFully(ByteBuffer dst, String what) throws IOException {
            int start = dst.position();
            while (dst.hasRemaining()) {
                if (from.read(dst) < 0) {
                    throw new EOFException(what);
                }
            }
            ByteBuffer got = dst.duplicate().flip().position(start);
            byte[] bytes = new byte[got.remaining()];
            got.get(bytes);
            read.writeBytes(bytes);
        }

        @Override
        public void readFully(ByteBuffer[] dsts, int count, String what) throws IOException {
            for (int i = 0; i < count; i++) {
                readFully(dsts[i], what);
            }
        }

        @Override
        public long bytesRead() {
            return 0;
        }

        @Override
        public long bytesWritten() {
            return 0;
        }

        @Override
        public void writeFully(ByteBuffer src) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void writeFully(ByteBuffer[] srcs, int count) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void readAvailable(ByteBuffer dst) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
            closeQuietly(from);
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
