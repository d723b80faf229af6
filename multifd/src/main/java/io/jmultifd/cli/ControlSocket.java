package io.jmultifd.cli;

import io.jmultifd.cli.ControlProtocol.BadLine;
import io.jmultifd.cli.ControlProtocol.Reply;
import io.jmultifd.cli.ControlProtocol.Resume;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The control socket of a running {@code jmultifd migrate}: a Unix domain socket (mode 0600, removed on close) on
 * which {@code jmultifd migrate --resume} asks the source to resume ({@link ControlProtocol}). Each client gets its
 * own short-lived thread, at most {@link #MAX_CLIENTS} at once; a client of another user, one that sends nothing
 * within the idle timeout, too much, or garbage is answered with an error line and closed.
 */
final class ControlSocket implements AutoCloseable {
    static final int MAX_CLIENTS = 4;
    static final long IDLE_TIMEOUT_MS = 5_000;
    private static final System.Logger LOG = System.getLogger(ControlSocket.class.getName());
    /** st_mode's file type bits, and a socket's. */
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final Path path;
    private final ServerSocketChannel server;
    private final UserPrincipal owner;
    private final Function<Resume, Reply> handler;
    private final long idleTimeoutMs;
    private final Semaphore clients = new Semaphore(MAX_CLIENTS);
    private final Thread acceptor;
    private volatile boolean closed;

    private ControlSocket(Path path, ServerSocketChannel server, UserPrincipal owner, Function<Resume, Reply> handler,
                          long idleTimeoutMs) {
        this.path = path;
        this.server = server;
        this.owner = owner;
        this.handler = handler;
        this.idleTimeoutMs = idleTimeoutMs;
        this.acceptor = Thread.ofPlatform().daemon(true).name("jmultifd-control").start(this::accept);
    }

    /**
     * Listens at {@code path}. A stale socket left there by a process that died is replaced; a live one (another
     * source) or any other file is not: IOException saying so.
     */
    static ControlSocket open(Path path, Function<Resume, Reply> handler) throws IOException {
        return open(path, handler, IDLE_TIMEOUT_MS);
    }

    static ControlSocket open(Path path, Function<Resume, Reply> handler, long idleTimeoutMs) throws IOException {
        removeStale(path);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(path));
        } catch (IOException e) {
            server.close();
            throw new IOException("control socket " + path + ": " + Main.describe(e), e);
        }
        try {
            // Until this chmod the umask's mode applies; the peer check below closes that window.
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            return new ControlSocket(path, server, Files.getOwner(path), handler, idleTimeoutMs);
        } catch (IOException | UnsupportedOperationException e) {
            server.close();
            Files.deleteIfExists(path);
            throw new IOException("control socket " + path + ": " + Main.describe(e), e);
        }
    }

    Path path() {
        return path;
    }

    private static void removeStale(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Object mode = Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if (!(mode instanceof Integer m) || (m & S_IFMT) != S_IFSOCK) {
            throw new IOException("control socket " + path + ": a file that is not a socket is there; give another "
                    + "path with --control");
        }
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            throw new IOException("control socket " + path + ": another jmultifd migrate listens there; give another "
                    + "path with --control");
        } catch (java.net.ConnectException stale) {
            Files.deleteIfExists(path); // nothing listens: left by a process that died
        }
    }

    private void accept() {
        while (!closed) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.WARNING, "control socket " + path + ": " + Main.describe(e));
                }
                return;
            }
            if (!clients.tryAcquire()) {
                answer(client, Reply.error("busy: " + MAX_CLIENTS + " other requests are being answered; try again"));
                continue;
            }
            Thread.ofPlatform().daemon(true).name("jmultifd-control-client").start(() -> {
                try {
                    answer(client, serve(client));
                } finally {
                    clients.release();
                }
            });
        }
    }

    /** The reply to one client: its request's, or why there is none. */
    private Reply serve(SocketChannel client) {
        try {
            UnixDomainPrincipal peer = client.getOption(ExtendedSocketOptions.SO_PEERCRED);
            if (!peer.user().equals(owner) && !peer.user().getName().equals("root")) {
                return Reply.error("permission denied: the source runs as " + owner.getName() + ", the request "
                        + "came from " + peer.user().getName());
            }
            String line = ControlProtocol.readLine(client, ControlProtocol.MAX_REQUEST_BYTES, idleTimeoutMs,
                    "request");
            return handler.apply(Resume.decode(line));
        } catch (BadLine e) {
            return Reply.error(e.getMessage());
        } catch (IOException | UnsupportedOperationException e) {
            return Reply.error(Main.describe(e));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "control socket " + path + ": a request failed: " + e);
            return Reply.error("internal error: " + Main.describe(e));
        }
    }

    /** Writes the reply (best effort: a client that went away is not waited for) and closes the connection. */
    private static void answer(SocketChannel client, Reply reply) {
        try (client) {
            client.configureBlocking(true);
            ByteBuffer bytes = ByteBuffer.wrap(reply.encode());
            while (bytes.hasRemaining()) {
                client.write(bytes); // a reply fits the socket's buffer: this does not block on a silent client
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    /** Stops listening and removes the socket file; a request being answered still gets its reply. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "control socket " + path + ": not removed: " + Main.describe(e));
        }
        try {
            acceptor.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
