package io.jmultifd.multifd.transport;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Connection} over a blocking socket channel (TCP, and the in-process transport's loopback socket),
 * counting the bytes it moves. Bytes are no proof of progress (a peer can trickle them): the stall watchdog
 * counts whole packets and messages, which the engine reports.
 */
public final class SocketConnection implements Connection {
    private final SocketChannel channel;
    private final AtomicLong bytesRead = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();

    /** @param alreadyRead bytes of this stream read before (the hello, read by the {@link Gate}) */
    SocketConnection(SocketChannel channel, long alreadyRead) {
        this.channel = channel;
        this.bytesRead.set(alreadyRead);
    }

    @Override public long bytesRead() { return bytesRead.get(); }
    @Override public long bytesWritten() { return bytesWritten.get(); }

    @Override
    public void readFully(ByteBuffer dst, String what) throws IOException {
        int want = dst.remaining();
        while (dst.hasRemaining()) {
            int n = channel.read(dst);
            if (n < 0) {
                throw new EOFException("connection closed by the peer after " + (want - dst.remaining())
                        + " of " + want + " bytes of " + what);
            }
            bytesRead.addAndGet(n);
        }
    }

    @Override
    public void readFully(ByteBuffer[] dsts, int count, String what) throws IOException {
        ScatterReads.readFully(channel::read, dsts, count, what, bytesRead);
    }

    @Override
    public void writeFully(ByteBuffer[] srcs, int count) throws IOException {
        long want = 0;
        for (int i = 0; i < count; i++) {
            want += srcs[i].remaining();
        }
        long done = 0;
        int first = 0;
        while (done < want) {
            while (!srcs[first].hasRemaining()) {
                first++;
            }
            long n = channel.write(srcs, first, count - first);
            done += n;
            bytesWritten.addAndGet(n);
        }
    }

    @Override
    public void writeFully(ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            int n = channel.write(src);
            bytesWritten.addAndGet(n);
        }
    }

    @Override
    public void readAvailable(ByteBuffer dst) throws IOException {
        synchronized (channel.blockingLock()) {
            channel.configureBlocking(false);
            try {
                int n = channel.read(dst);
                if (n > 0) {
                    bytesRead.addAndGet(n);
                }
            } finally {
                channel.configureBlocking(true);
            }
        }
    }

    /** Ends our direction of the stream: the peer reads what was sent, then EOF. */
    void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing is best effort: the peer may already be gone
        }
    }
}
