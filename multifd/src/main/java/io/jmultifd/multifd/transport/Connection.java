package io.jmultifd.multifd.transport;

import io.jmultifd.multifd.tls.NegotiatedTls;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Where one channel's bytes go and come from (main or data channel), blocking, with full-read and
 * full-write. The channels write to this and do not know what is underneath: a socket today
 * ({@link SocketConnection}); a TLS session or a file at fixed offsets fit the same calls. Closing it from
 * another thread makes a blocked read or write return with an exception.
 */
public interface Connection extends AutoCloseable {

    long bytesRead();

    long bytesWritten();

    /** Bytes read and written over {@code connections}, what the migration moved on the wire. */
    static long transferred(Iterable<? extends Connection> connections) {
        long n = 0;
        for (Connection c : connections) {
            n += c.bytesRead() + c.bytesWritten();
        }
        return n;
    }

    /** What this connection's TLS handshake negotiated; null for a connection without TLS. */
    default NegotiatedTls tls() {
        return null;
    }

    /** What the first TLS connection of {@code connections} (the main one) negotiated; null when none has TLS. */
    static NegotiatedTls tls(Iterable<? extends Connection> connections) {
        for (Connection c : connections) {
            if (c.tls() != null) {
                return c.tls();
            }
        }
        return null;
    }

    /** Reads exactly {@code dst.remaining()} bytes; EOF first is an {@link EOFException} naming {@code what}. */
    void readFully(ByteBuffer dst, String what) throws IOException;

    /** Scatter-reads until the first {@code count} buffers are full. */
    void readFully(ByteBuffer[] dsts, int count, String what) throws IOException;

    void writeFully(ByteBuffer src) throws IOException;

    /** Writes every byte of {@code srcs[0..count)} (one gathering write, repeated only if it was partial). */
    void writeFully(ByteBuffer[] srcs, int count) throws IOException;

    /** Reads into {@code dst} what has arrived already, without waiting (to quote a peer that is not jmultifd). */
    void readAvailable(ByteBuffer dst) throws IOException;

    /** Best effort and idempotent: the peer may be gone already. */
    @Override
    void close();
}
