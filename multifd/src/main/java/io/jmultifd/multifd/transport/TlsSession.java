package io.jmultifd.multifd.transport;

import io.jmultifd.multifd.tls.TlsContext;
import io.jmultifd.multifd.tls.TlsException;
import io.jmultifd.multifd.wire.TlsProbe;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * One TLS session over a socket channel: the JDK's SSLEngine and its three buffers. It works on a non-blocking
 * channel (the {@link Gate} moves a destination's handshake on as bytes arrive, so a peer that stops half-way
 * holds no thread) and on a blocking one (the source's handshake, then {@link TlsConnection}). Reads and writes
 * may run on two threads at once, as the engine allows: reads hold the read lock, writes the write lock, and a
 * read that must answer the peer (a TLS 1.3 key update) takes the write lock after the read lock, never the
 * other way round. Scatter and gather go through the engine: gathering writes are wrapped straight from the
 * caller's buffers, and a scatter read large enough for a whole record is unwrapped straight into them; smaller
 * reads take the plaintext from a buffer of one record.
 */
final class TlsSession {
    /** Records wrapped before they are written together. */
    private static final int OUT_RECORDS = 4;
    private static final ByteBuffer[] NOTHING = {ByteBuffer.allocate(0)};

    private final SocketChannel channel;
    private final TlsContext context;
    private final SSLEngine engine;
    private final Object readLock = new Object();
    private final Object writeLock = new Object();
    private ByteBuffer netIn;  // records read, not unwrapped yet; filled from 0 to position  [readLock]
    private ByteBuffer appIn;  // plaintext unwrapped, not read yet; position to limit          [readLock]
    private ByteBuffer netOut; // records wrapped, not written yet; position to limit           [writeLock]
    private volatile boolean handshaken;
    private volatile boolean outPending; // a non-blocking flush left bytes: the gate waits to write
    private boolean firstBytesChecked;

    /** @param alreadyRead the peer's first bytes, read before the session began (the gate's look at them) */
    TlsSession(SocketChannel channel, TlsContext context, ByteBuffer alreadyRead) throws TlsException {
        this.channel = channel;
        this.context = context;
        this.engine = context.newEngine();
        SSLSession s = engine.getSession();
        netIn = ByteBuffer.allocate(Math.max(s.getPacketBufferSize(), alreadyRead.remaining())).put(alreadyRead);
        appIn = ByteBuffer.allocate(s.getApplicationBufferSize()).flip();
        netOut = ByteBuffer.allocate(s.getPacketBufferSize() * OUT_RECORDS).flip();
        try {
            engine.beginHandshake();
        } catch (SSLException e) {
            throw context.failure(e);
        }
    }

    boolean handshaken() {
        return handshaken;
    }

    /** Whether the session waits for room to write (non-blocking only). */
    boolean wantsWrite() {
        return outPending;
    }

    SSLSession sslSession() {
        return engine.getSession();
    }

    /**
     * Moves the handshake on as far as the channel allows: to its end on a blocking channel; on a non-blocking one
     * until it must wait for the peer (false). A refusal on either side is a TlsException in words, after the
     * alert that tells the peer went out (best effort).
     */
    boolean handshake() throws IOException {
        synchronized (readLock) {
            synchronized (writeLock) {
                try {
                    while (!handshaken) {
                        if (!flush()) {
                            return false;
                        }
                        switch (engine.getHandshakeStatus()) {
                            case NEED_TASK -> runTasks();
                            case NEED_WRAP -> {
                                if (!ensureRoom()) {
                                    return false;
                                }
                                wrap(NOTHING, 0, 1);
                            }
                            case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                                SSLEngineResult r = unwrap(null, 0, 0);
                                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                                    throw closedDuringHandshake();
                                }
                                if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                                    int n = fill();
                                    if (n < 0) {
                                        throw closedDuringHandshake();
                                    }
                                    if (n == 0) {
                                        return false;
                                    }
                                }
                            }
                            case NOT_HANDSHAKING, FINISHED -> {
                                handshaken = true;
                                if (context.role() == TlsContext.Role.SOURCE) {
                                    context.handshaken(engine.getSession());
                                }
                            }
                        }
                    }
                    return flush();
                } catch (SSLException e) {
                    throw failed(e);
                }
            }
        }
    }

    /**
     * Reads plaintext into {@code dsts[off..off+len)}: at least one byte on a blocking channel, or -1 at the end of
     * the stream; on a non-blocking channel possibly none (0).
     */
    long read(ByteBuffer[] dsts, int off, int len) throws IOException {
        synchronized (readLock) {
            if ((!handshaken || outPending) && !handshake()) {
                return 0;
            }
            try {
                boolean directAllowed = true;
                while (true) {
                    if (appIn.hasRemaining()) {
                        return drain(dsts, off, len);
                    }
                    boolean direct = directAllowed
                            && remaining(dsts, off, len) >= engine.getSession().getApplicationBufferSize();
                    SSLEngineResult r = unwrap(direct ? dsts : null, off, len);
                    switch (r.getStatus()) {
                        case OK -> {
                            if (direct && r.bytesProduced() > 0) {
                                return r.bytesProduced();
                            }
                        }
                        case CLOSED -> {
                            return -1; // the peer's close_notify
                        }
                        case BUFFER_UNDERFLOW -> {
                            int n = fill();
                            if (n <= 0) {
                                return n;
                            }
                        }
                        case BUFFER_OVERFLOW -> {
                            if (direct) {
                                directAllowed = false; // a record larger than announced: take it through appIn
                            } else {
                                appIn = grow(appIn, engine.getSession().getApplicationBufferSize(), true);
                            }
                        }
                    }
                }
            } catch (SSLException e) {
                throw failed(e);
            }
        }
    }

    long read(ByteBuffer dst) throws IOException {
        return read(new ByteBuffer[] {dst}, 0, 1);
    }

    /** Wraps and writes every byte of {@code srcs[off..off+len)} (blocking channel). */
    long write(ByteBuffer[] srcs, int off, int len) throws IOException {
        synchronized (writeLock) {
            long written = 0;
            try {
                while (remaining(srcs, off, len) > 0) {
                    if (!ensureRoom()) {
                        throw new IOException("the peer does not take what is written"); // non-blocking only
                    }
                    SSLEngineResult r = wrap(srcs, off, len);
                    if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                        throw new IOException("the TLS session is closed");
                    }
                    written += r.bytesConsumed();
                }
                flush();
            } catch (SSLException e) {
                throw failed(e);
            }
            return written;
        }
    }

    /** Ends this direction with TLS's close_notify after what was written (best effort on a non-blocking channel). */
    void closeOutbound() throws IOException {
        synchronized (writeLock) {
            engine.closeOutbound();
            while (!engine.isOutboundDone() && ensureRoom()) {
                if (wrap(NOTHING, 0, 1).bytesProduced() == 0) {
                    break;
                }
            }
            flush();
        }
    }

    /** One unwrap from netIn into {@code dsts}, or into appIn when null; runs what the engine asks for after it. */
    private SSLEngineResult unwrap(ByteBuffer[] dsts, int off, int len) throws IOException {
        checkFirstBytes();
        SSLEngineResult r;
        netIn.flip();
        if (dsts == null) {
            appIn.compact();
        }
        try {
            r = dsts == null ? engine.unwrap(netIn, appIn) : engine.unwrap(netIn, dsts, off, len);
        } finally {
            netIn.compact();
            if (dsts == null) {
                appIn.flip();
            }
        }
        if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW && !netIn.hasRemaining()) {
            netIn = grow(netIn, engine.getSession().getPacketBufferSize(), false);
        }
        if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
            runTasks();
        }
        if (handshaken && engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
            synchronized (writeLock) { // a post-handshake answer, e.g. to the peer's key update
                while (engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP && ensureRoom()) {
                    wrap(NOTHING, 0, 1);
                }
                flush();
            }
        }
        return r;
    }

    /** One wrap into netOut, which has room for a record ({@link #ensureRoom}). */
    private SSLEngineResult wrap(ByteBuffer[] srcs, int off, int len) throws IOException {
        SSLEngineResult r;
        netOut.compact();
        try {
            r = engine.wrap(srcs, off, len, netOut);
        } finally {
            netOut.flip();
        }
        if (r.getStatus() == SSLEngineResult.Status.CLOSED && r.bytesProduced() == 0 && !engine.isOutboundDone()) {
            throw new IOException("the TLS session is closed");
        }
        if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
            runTasks();
        }
        return r;
    }

    /** Makes room for one more record in netOut, writing what is there if need be; false when it must wait (non-blocking). */
    private boolean ensureRoom() throws IOException {
        int record = engine.getSession().getPacketBufferSize();
        if (netOut.capacity() - netOut.remaining() >= record) {
            return true;
        }
        if (!flush()) {
            return false;
        }
        if (netOut.capacity() < record) {
            netOut = ByteBuffer.allocate(record * OUT_RECORDS).flip();
        }
        return true;
    }

    /** Writes netOut: all of it on a blocking channel; on a non-blocking one what fits (false when some is left). */
    private boolean flush() throws IOException {
        while (netOut.hasRemaining()) {
            if (channel.write(netOut) == 0 && !channel.isBlocking()) {
                outPending = true;
                return false;
            }
        }
        outPending = false;
        return true;
    }

    /** Reads from the channel into netIn. */
    private int fill() throws IOException {
        if (!netIn.hasRemaining()) {
            netIn = grow(netIn, engine.getSession().getPacketBufferSize(), false);
        }
        return channel.read(netIn);
    }

    /** The source's first look at the destination's bytes: a TLS record, or a peer that did not speak TLS. */
    private void checkFirstBytes() throws TlsException {
        if (firstBytesChecked || context.role() != TlsContext.Role.SOURCE || netIn.position() < TlsProbe.BYTES) {
            return;
        }
        firstBytesChecked = true;
        if (!TlsProbe.isTlsRecord(netIn.array(), netIn.position())) {
            throw new TlsException(TlsProbe.notTls(netIn.array(), netIn.position()));
        }
    }

    private void runTasks() {
        for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
            task.run(); // certificate checks and key exchange: short, and run where the handshake runs
        }
    }

    /** The refusal in words, after sending the alert the engine has for the peer (best effort). */
    private TlsException failed(SSLException e) {
        try {
            synchronized (writeLock) {
                if (ensureRoom()) {
                    wrap(NOTHING, 0, 1);
                }
                flush();
            }
        } catch (IOException | RuntimeException ignored) {
            // the peer learns it from the closed connection then
        }
        return context.failure(e);
    }

    private TlsException closedDuringHandshake() {
        return new TlsException((context.role() == TlsContext.Role.SOURCE ? "the destination" : "the source")
                + " closed the connection during the TLS handshake" + (context.role() == TlsContext.Role.SOURCE
                ? " (does it have tls-creds? its log says why)" : ""));
    }

    private long drain(ByteBuffer[] dsts, int off, int len) {
        long moved = 0;
        for (int i = off; i < off + len && appIn.hasRemaining(); i++) {
            ByteBuffer d = dsts[i];
            int n = Math.min(d.remaining(), appIn.remaining());
            if (n > 0) {
                d.put(d.position(), appIn, appIn.position(), n);
                d.position(d.position() + n);
                appIn.position(appIn.position() + n);
                moved += n;
            }
        }
        return moved;
    }

    private static long remaining(ByteBuffer[] bufs, int off, int len) {
        long n = 0;
        for (int i = off; i < off + len; i++) {
            n += bufs[i].remaining();
        }
        return n;
    }

    /** A larger copy of {@code b} (read mode when {@code readMode}, else write mode, kept so). */
    private static ByteBuffer grow(ByteBuffer b, int atLeast, boolean readMode) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(atLeast, b.capacity() * 2));
        if (readMode) {
            return bigger.put(b).flip();
        }
        return bigger.put(b.flip());
    }
}
