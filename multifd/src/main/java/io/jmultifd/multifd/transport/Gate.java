package io.jmultifd.multifd.transport;

import io.jmultifd.multifd.tls.TlsContext;
import io.jmultifd.multifd.tls.TlsException;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Accepts connections on a listener and holds each one until its whole hello has arrived, so that connecting
 * alone never takes a migration's place: one thread ({@link #run}) reads every pending connection without
 * blocking, at most {@code maxPending} at once, each under its own deadline from when it was accepted. A
 * connection that opens with no known hello is closed at once and quoted; one that says nothing, or too little,
 * is closed at its deadline, or sooner when a newer connection needs its place (the one pending longest goes,
 * after the gate has read whatever it sent). Connections whose hello is complete are handed out by
 * {@link #next} as {@link Arrival}s. Every connection the gate or a taker closes is reported with the reason.
 * What a hello looks like is the {@link Greeting}'s business: the gate only counts bytes. With TLS
 * ({@link TlsContext}), a connection that opens with a ClientHello has its handshake run here as its bytes arrive
 * (never blocking, under the same deadline and eviction), then its hello read inside TLS, and is handed out only
 * when tls-authz admits its certificate; one that speaks TLS to a plain gate, or plain jmultifd to a TLS one, is
 * told so and closed.
 */
public final class Gate implements AutoCloseable {
    /** What the hellos look like. */
    public interface Greeting {
        /** The whole hello's length for a stream that opens with {@code magic}, or -1 when no hello opens so. */
        int helloLength(int magic);

        /** Says what a peer sent that opened with no hello ({@code sent[0..length)}, what had arrived). */
        String foreign(byte[] sent, int length);

        /** Whether a stream that opens with {@code magic} opens with a TLS ClientHello. */
        boolean opensTls(int magic);

        /** The answer that refuses a source before its handshake, saying {@code why} (sent in TLS when it speaks TLS). */
        ByteBuffer refusal(String why);
    }

    static final String SPOKE_TLS = "the peer spoke TLS (a TLS ClientHello), but this destination has no tls-creds: "
            + "set tls-creds on both ends, or on neither";
    static final String DID_NOT_SPEAK_TLS = "the peer did not speak TLS (a plain jmultifd hello), but this destination "
            + "requires it (tls-creds is set): set tls-creds on the source too";

    /** Told of every connection the gate or a taker closed, with the peer's address and why. */
    public interface Rejections {
        void rejected(String peer, String why);
    }

    private final ServerSocketChannel server;
    private final Transport.Listener listener;
    private final Greeting greeting;
    private final int maxPending;
    private final long deadlineMs;
    private final String deadlineName;
    private final Rejections rejections;
    private final TlsContext tls; // null: plain connections only
    private final Selector selector;
    private final Object lock = new Object();
    private final LinkedHashSet<Arrival> pending = new LinkedHashSet<>(); // oldest first, so earliest deadline first
    private final List<Arrival> toHandOut = new ArrayList<>();
    private final LinkedBlockingQueue<Arrival> arrived = new LinkedBlockingQueue<>();
    private volatile boolean closed;
    private volatile IOException broken;

    Gate(ServerSocketChannel server, Transport.Listener listener, Greeting greeting, int maxPending, long deadlineMs,
         String deadlineName, Rejections rejections, TlsContext tls) throws IOException {
        if (maxPending < 1) {
            throw new IllegalArgumentException("maxPending " + maxPending);
        }
        this.server = server;
        this.listener = listener;
        this.greeting = greeting;
        this.maxPending = maxPending;
        this.deadlineMs = deadlineMs;
        this.deadlineName = deadlineName;
        this.rejections = rejections;
        this.tls = tls;
        this.selector = Selector.open();
        try {
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException | RuntimeException e) {
            selector.close();
            throw e;
        }
    }

    /** The accept loop; runs on its own thread until {@link #close()}, then closes the listener. */
    public void run() {
        try {
            while (!closed) {
                long waitMs;
                synchronized (lock) {
                    waitMs = untilFirstDeadlineMs();
                }
                selector.select(waitMs);
                synchronized (lock) {
                    if (closed) {
                        break;
                    }
                    for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                        SelectionKey k = it.next();
                        it.remove();
                        if (!k.isValid()) {
                            continue;
                        }
                        if (k.isAcceptable()) {
                            acceptAll();
                        } else if (k.isReadable() || k.isWritable()) {
                            read((Arrival) k.attachment());
                        }
                    }
                    expire(System.nanoTime());
                    handOut();
                }
            }
        } catch (IOException | RuntimeException e) {
            broken = e instanceof IOException io ? io : new IOException(e.toString(), e);
        } finally {
            shutDown();
        }
    }

    /**
     * The next connection whose hello is complete, or null when none came within the timeout or the gate is
     * closed. Throws when the gate stopped because the listener failed.
     */
    public Arrival next(long timeout, TimeUnit unit) throws IOException, InterruptedException {
        Arrival a = arrived.poll(timeout, unit);
        if (a == null && broken != null) {
            throw new IOException("accepting connections: " + broken.getMessage(), broken);
        }
        return a;
    }

    /** Stops accepting: the loop closes the listener and every connection not admitted. */
    @Override
    public void close() {
        closed = true;
        selector.wakeup();
    }

    private long untilFirstDeadlineMs() {
        Iterator<Arrival> it = pending.iterator();
        if (!it.hasNext()) {
            return 0; // no deadline: wait for a connection
        }
        long ms = (it.next().deadlineNanos - System.nanoTime() + 999_999) / 1_000_000L;
        return Math.max(1, ms);
    }

    private void acceptAll() {
        while (true) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                // e.g. out of file descriptors: make room, or give the rest of the process a moment, and retry
                rejections.rejected("?", "cannot accept a connection: " + e.getMessage());
                if (!pending.isEmpty()) {
                    evictOldest();
                } else {
                    pause();
                }
                return;
            }
            if (ch == null) {
                return;
            }
            String peer = peerName(ch);
            try {
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            } catch (IOException e) {
                closeQuietly(ch);
                rejections.rejected(peer, "connection failed at once: " + e.getMessage());
                continue;
            }
            while (pending.size() >= maxPending) {
                evictOldest();
            }
            long now = System.nanoTime();
            Arrival a = new Arrival(this, ch, peer, now, now + deadlineMs * 1_000_000L);
            pending.add(a);
            try {
                a.key = ch.register(selector, SelectionKey.OP_READ, a);
            } catch (IOException e) {
                a.reject("connection failed at once: " + e.getMessage());
                continue;
            }
            read(a); // a peer that writes right after connecting has its hello here already
        }
    }

    private static void pause() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Reads what the connection sent (through its TLS handshake first, where it speaks TLS); decides once the magic
     * is in, hands it out once the hello is (and, under TLS, tls-authz admits its certificate).
     */
    private void read(Arrival a) {
        while (a.state == Arrival.State.READING) {
            long n;
            try {
                n = a.read();
            } catch (TlsException e) {
                a.reject("TLS handshake failed: " + e.getMessage());
                return;
            } catch (IOException e) {
                a.reject("connection failed after " + a.buffer.position() + " bytes: " + e.getMessage());
                return;
            }
            if (n < 0) {
                a.reject("closed the connection " + a.closedBefore());
                return;
            }
            if (a.buffer.hasRemaining()) {
                a.awaitMore();
                return;
            }
            if (a.buffer.capacity() == 4) {
                if (!a.opened(tls, greeting)) {
                    return;
                }
                if (a.buffer.hasRemaining()) {
                    continue;
                }
            }
            String refusal = a.tls == null ? null : tls.refusal(a.tls.sslSession());
            if (refusal != null) {
                a.refuseNow(refusal, greeting.refusal(refusal));
                return;
            }
            a.key.cancel();
            a.state = Arrival.State.HANDED;
            toHandOut.add(a);
        }
    }

    /** Hands out the connections whose hello completed: deregistered, so that they can block again. */
    private void handOut() throws IOException {
        if (toHandOut.isEmpty()) {
            return;
        }
        selector.selectNow(); // completes the cancellation of their keys
        for (Arrival a : toHandOut) {
            if (a.state != Arrival.State.HANDED) {
                continue; // evicted meanwhile
            }
            try {
                a.channel.configureBlocking(true);
            } catch (IOException e) {
                a.reject("connection failed: " + e.getMessage());
                continue;
            }
            arrived.add(a);
        }
        toHandOut.clear();
    }

    private void expire(long now) {
        while (!pending.isEmpty()) {
            Arrival a = pending.iterator().next();
            if (a.deadlineNanos - now > 0) {
                return;
            }
            a.reject(a.state != Arrival.State.READING ? "did not complete its setup within " + deadlineName + " "
                    + deadlineMs + " ms" : a.unfinished() + " within " + deadlineName + " " + deadlineMs + " ms");
        }
    }

    /**
     * Makes room for a new connection: the one pending longest goes. One still reading is read once more
     * first, so that a peer whose hello has arrived is never closed for it.
     */
    private void evictOldest() {
        Arrival oldest = null;
        for (Arrival a : new ArrayList<>(pending)) { // reading may close it
            if (a.state == Arrival.State.READING) {
                read(a);
                if (a.state == Arrival.State.READING) {
                    oldest = a;
                    break;
                }
            }
        }
        if (oldest == null) {
            oldest = pending.iterator().next(); // every pending one has a whole hello: the oldest goes
        }
        long ms = (System.nanoTime() - oldest.acceptedNanos()) / 1_000_000L;
        oldest.reject("closed after " + ms + " ms with " + oldest.progress()
                + " to make room for a newer connection (at most " + maxPending + " may be pending)");
    }

    /** For {@link Arrival#admit}: takes it out of the gate's care unless the gate closed it first. */
    boolean admit(Arrival a) {
        synchronized (lock) {
            if (a.state == Arrival.State.CLOSED) {
                return false;
            }
            a.state = Arrival.State.ADMITTED;
            pending.remove(a);
            return true;
        }
    }

    /** Marks one arrival closed; true if this call did, and so must close its channel (which cancels its key). */
    boolean markClosed(Arrival a, String why) {
        synchronized (lock) {
            if (a.state == Arrival.State.CLOSED || a.state == Arrival.State.ADMITTED) {
                return false;
            }
            a.state = Arrival.State.CLOSED;
            a.closedBecause = why;
            pending.remove(a);
            return true;
        }
    }

    void reported(Arrival a, String why) {
        rejections.rejected(a.peer(), why);
    }

    private void shutDown() {
        List<Arrival> left;
        synchronized (lock) {
            closed = true;
            left = new ArrayList<>(pending);
        }
        for (Arrival a : left) {
            if (markClosed(a, "the destination stopped accepting connections")) {
                closeQuietly(a.channel);
            }
        }
        listener.close();
        try {
            selector.close();
        } catch (IOException ignored) {
            // best effort
        }
    }

    private static String peerName(SocketChannel ch) {
        try {
            SocketAddress a = ch.getRemoteAddress();
            if (a instanceof InetSocketAddress i) {
                String host = i.getAddress() != null ? i.getAddress().getHostAddress() : i.getHostString();
                return (host.contains(":") ? "[" + host + "]" : host) + ":" + i.getPort();
            }
            return String.valueOf(a);
        } catch (IOException e) {
            return "?";
        }
    }

    static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // best effort
        }
    }
}
