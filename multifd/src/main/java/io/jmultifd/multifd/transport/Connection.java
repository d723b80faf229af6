package io.jmultifd.multifd.transport;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One blocking stream (main or data channel) with full-read/full-write helpers. Every byte moved is added
 * to a shared activity counter, which the stall watchdog watches. Closing it from another thread makes a
 * blocked read or write return with an exception.
 */
public final class Connection implements AutoCloseable {
    private final SocketChannel channel;
    private final AtomicLong activity;
    private final AtomicLong bytesRead = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();

    public Connection(SocketChannel channel, AtomicLong activity) {
        this.channel = channel;
        this.activity = activity;
    }

    public SocketChannel channel() { return channel; }
    public long bytesRead() { return bytesRead.get(); }
    public long bytesWritten() { return bytesWritten.get(); }

    /** Reads exactly {@code dst.remaining()} bytes; EOF first is an {@link EOFException} naming {@code what}. */
    public void readFully(ByteBuffer dst, String what) throws IOException {
        int want = dst.remaining();
        while (dst.hasRemaining()) {
            int n = channel.read(dst);
            if (n < 0) {
                throw new EOFException("connection closed by the peer after " + (want - dst.remaining())
                        + " of " + want + " bytes of " + what);
            }
            bytesRead.addAndGet(n);
            activity.addAndGet(n);
        }
    }

    /** Scatter-reads until every buffer is full. */
    public void readFully(ByteBuffer[] dsts, int count, String what) throws IOException {
        long want = 0;
        for (int i = 0; i < count; i++) {
            want += dsts[i].remaining();
        }
        long got = 0;
        int first = 0;
        while (got < want) {
            while (!dsts[first].hasRemaining()) {
                first++;
            }
            long n = channel.read(dsts, first, count - first);
            if (n < 0) {
                throw new EOFException("connection closed by the peer after " + got + " of " + want + " bytes of " + what);
            }
            got += n;
            bytesRead.addAndGet(n);
            activity.addAndGet(n);
        }
    }

    /** Writes every byte of {@code srcs[0..count)} (one gathering write, repeated only if it was partial). */
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
            activity.addAndGet(n);
        }
    }

    public void writeFully(ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            int n = channel.write(src);
            bytesWritten.addAndGet(n);
            activity.addAndGet(n);
        }
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
