package io.jmultifd.multifd.transport;

import io.jmultifd.multifd.tls.NegotiatedTls;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Connection} through a {@link TlsSession} over a blocking socket channel, after its handshake. It counts
 * plaintext bytes, as the engine reports them (so the figures of a migration are the same with and without TLS).
 * Under TLS every byte passes the engine, so a gathering write is wrapped record by record straight from the
 * caller's buffers and a scatter read decrypts straight into the caller's buffers when they can take a whole
 * record: nothing goes to the socket unencrypted, and nothing is copied that the engine does not need.
 */
final class TlsConnection implements Connection {
    private final TlsSession session;
    private final SocketChannel channel;
    private final AtomicLong bytesRead = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();
    private final NegotiatedTls negotiated; // taken after the handshake, while the session is surely valid

    /** @param alreadyRead plaintext bytes of this stream read before (the hello, read by the {@link Gate}) */
    TlsConnection(TlsSession session, SocketChannel channel, long alreadyRead) {
        this.session = session;
        this.channel = channel;
        this.bytesRead.set(alreadyRead);
        this.negotiated = NegotiatedTls.of(session.sslSession());
    }

    @Override public NegotiatedTls tls() { return negotiated; }

    @Override public long bytesRead() { return bytesRead.get(); }
    @Override public long bytesWritten() { return bytesWritten.get(); }

    @Override
    public void readFully(ByteBuffer dst, String what) throws IOException {
        readFully(new ByteBuffer[] {dst}, 1, what);
    }

    @Override
    public void readFully(ByteBuffer[] dsts, int count, String what) throws IOException {
        ScatterReads.readFully(session::read, dsts, count, what, bytesRead);
    }

    @Override
    public void writeFully(ByteBuffer src) throws IOException {
        writeFully(new ByteBuffer[] {src}, 1);
    }

    @Override
    public void writeFully(ByteBuffer[] srcs, int count) throws IOException {
        bytesWritten.addAndGet(session.write(srcs, 0, count));
    }

    @Override
    public void readAvailable(ByteBuffer dst) throws IOException {
        synchronized (channel.blockingLock()) {
            channel.configureBlocking(false);
            try {
                long n = session.read(dst);
                if (n > 0) {
                    bytesRead.addAndGet(n);
                }
            } finally {
                channel.configureBlocking(true);
            }
        }
    }

    /** Ends our direction of the stream: close_notify after what was sent, then the socket's end. */
    void shutdownOutput() throws IOException {
        session.closeOutbound();
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
