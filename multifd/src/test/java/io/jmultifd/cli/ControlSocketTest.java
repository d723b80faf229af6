package io.jmultifd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.cli.ControlProtocol.Reply;
import io.jmultifd.cli.ControlProtocol.Resume;
import io.jmultifd.multifd.Endpoint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control socket of {@code jmultifd migrate} against what a client may send: a resume reaches the handler and its
 * reply comes back; a line too long, an unknown request, bytes that are no text, a bad destination and a client that
 * never sends are each answered with one error line and closed, never reach the handler, and block no other client.
 */
@EnabledOnOs(OS.LINUX)
class ControlSocketTest {
    @TempDir
    Path dir;

    private final List<Resume> handled = new CopyOnWriteArrayList<>();

    private ControlSocket open(long idleTimeoutMs) throws IOException {
        return ControlSocket.open(dir.resolve("c.sock"), r -> {
            handled.add(r);
            return Reply.ok("resumed: to " + (r.toOrNull() == null ? "the same" : r.toOrNull()));
        }, idleTimeoutMs);
    }

    /** Sends {@code bytes} (nothing when empty), then reads what the server says until it closes. */
    private static String exchange(Path socket, byte[] bytes) throws IOException {
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            if (bytes.length > 0) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                try {
                    while (b.hasRemaining()) {
                        c.write(b);
                    }
                } catch (IOException closed) {
                    // the server may answer before it reads (busy) and close: its answer is still there to read
                }
            }
            return readToEnd(c);
        }
    }

    private static String readToEnd(SocketChannel c) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(8192);
        while (true) {
            int n;
            try {
                n = c.read(buf.clear());
            } catch (IOException reset) {
                break; // the server closed with our bytes unread
            }
            if (n < 0) {
                break;
            }
            got.write(buf.array(), 0, n);
        }
        return got.toString(StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aResumeReachesTheSourceAndItsReplyComesBack() throws Exception {
        try (ControlSocket socket = open(ControlSocket.IDLE_TIMEOUT_MS)) {
            Reply reply = ControlClient.resume(socket.path(), new Resume(new Endpoint.Tcp("127.0.0.1", 4444)));
            assertTrue(reply.ok(), reply.toString());
            assertEquals("resumed: to tcp:127.0.0.1:4444", reply.text());
            assertEquals("ok resumed: to the same\n", exchange(socket.path(), utf8("resume\n")));
            assertEquals(List.of(new Resume(new Endpoint.Tcp("127.0.0.1", 4444)), new Resume(null)), handled);
        }
    }

    @Test
    void theSocketIsTheOwnersAloneAndGoneAfterClose() throws Exception {
        Path path;
        try (ControlSocket socket = open(ControlSocket.IDLE_TIMEOUT_MS)) {
            path = socket.path();
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(path)));
        }
        assertFalse(Files.exists(path), "removed on close");
    }

    @Test
    void aLineLongerThanTheLimitIsRefusedUnread() throws Exception {
        try (ControlSocket socket = open(ControlSocket.IDLE_TIMEOUT_MS)) {
            // without a newline: the server stops reading at the limit instead of waiting for one
            String noNewline = exchange(socket.path(), utf8("resume " + "x".repeat(4000)));
            assertEquals("error request longer than " + ControlProtocol.MAX_REQUEST_BYTES + " bytes\n", noNewline);
            String withNewline = exchange(socket.path(), utf8("resume tcp:" + "h".repeat(2000) + ":1\n"));
            assertEquals(noNewline, withNewline);
            assertTrue(handled.isEmpty(), handled.toString());
        }
    }

    @Test
    void anUnknownRequestIsAnsweredWithTheOneKnown() throws Exception {
        try (ControlSocket socket = open(ControlSocket.IDLE_TIMEOUT_MS)) {
            assertEquals("error unknown request 'shutdown'; the one known: resume [tcp:HOST:PORT]\n",
                    exchange(socket.path(), utf8("shutdown now\n")));
            assertEquals("error empty request; the one known: resume [tcp:HOST:PORT]\n",
                    exchange(socket.path(), utf8("\n")));
            assertTrue(handled.isEmpty(), handled.toString());
        }
    }

    @Test
    void bytesThatAreNoTextAndBadDestinationsAreRefused() throws Exception {
        try (ControlSocket socket = open(ControlSocket.IDLE_TIMEOUT_MS)) {
            Path p = socket.path();
            assertEquals("error request is not UTF-8 text\n",
                    exchange(p, new byte[] {'r', 'e', (byte) 0xff, (byte) 0xfe, '\n'}));
            assertEquals("error request holds control characters\n", exchange(p, utf8("resume\u0000\u001b[2J\n")));
            assertEquals("error more than one line in the request\n", exchange(p, utf8("resume\nresume\n")));
            assertEquals("error resume takes at most one argument, tcp:HOST:PORT\n",
                    exchange(p, utf8("resume tcp:a:1 tcp:b:2\n")));
            assertEquals("error a resume goes to tcp:HOST:PORT (the destination's port), not file:/etc/passwd\n",
                    exchange(p, utf8("resume file:/etc/passwd\n")));
            assertEquals("error a resume goes to tcp:HOST:PORT (the destination's port), not tcp:127.0.0.1:0\n",
                    exchange(p, utf8("resume tcp:127.0.0.1:0\n")));
            assertEquals("error endpoint tcp:h:99999: port must be 0..65535\n",
                    exchange(p, utf8("resume tcp:h:99999\n")));
            assertTrue(handled.isEmpty(), handled.toString());
        }
    }

    @Test
    void aClientThatNeverSendsIsClosedAtTheIdleTimeoutAndBlocksNoOther() throws Exception {
        try (ControlSocket socket = open(300);
             SocketChannel silent = SocketChannel.open(UnixDomainSocketAddress.of(socket.path()))) {
            // another client meanwhile is answered at once
            assertEquals("ok resumed: to the same\n", exchange(socket.path(), utf8("resume\n")));
            assertEquals("error no request within 300 ms\n", readToEnd(silent));
        }
    }

    @Test
    void moreSilentClientsThanTheLimitAreToldTheSourceIsBusy() throws Exception {
        List<SocketChannel> silent = new ArrayList<>();
        try (ControlSocket socket = open(60_000)) {
            for (int i = 0; i < ControlSocket.MAX_CLIENTS; i++) {
                silent.add(SocketChannel.open(UnixDomainSocketAddress.of(socket.path())));
            }
            // each silent client holds its slot until it sends or goes; one more is turned away, not queued
            String busy = exchange(socket.path(), utf8("resume\n"));
            assertTrue(busy.startsWith("error busy: "), busy);
            silent.getFirst().close(); // its thread sees the end and frees a slot
            String served = "";
            for (int i = 0; i < 1000 && !served.startsWith("ok"); i++) { // until the slot is free (not a time check)
                served = exchange(socket.path(), utf8("resume\n"));
            }
            assertEquals("ok resumed: to the same\n", served);
        } finally {
            for (SocketChannel c : silent) {
                c.close();
            }
        }
    }

    @Test
    void aLiveSocketOrAnotherFileIsNeverTakenOverButAStaleSocketIs() throws Exception {
        Path path = dir.resolve("c.sock");
        try (ControlSocket first = open(ControlSocket.IDLE_TIMEOUT_MS)) {
            IOException e = assertThrows(IOException.class, () -> open(ControlSocket.IDLE_TIMEOUT_MS));
            assertTrue(e.getMessage().contains("another jmultifd migrate listens there"), e.getMessage());
            assertEquals("ok resumed: to the same\n", exchange(first.path(), utf8("resume\n")), "the first goes on");
        }
        // a process that died leaves its socket file behind
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(path));
        }
        assertTrue(Files.exists(path));
        try (ControlSocket again = open(ControlSocket.IDLE_TIMEOUT_MS)) {
            assertEquals("ok resumed: to the same\n", exchange(again.path(), utf8("resume\n")));
        }
        Files.writeString(path, "precious");
        IOException e = assertThrows(IOException.class, () -> open(ControlSocket.IDLE_TIMEOUT_MS));
        assertTrue(e.getMessage().contains("a file that is not a socket is there"), e.getMessage());
        assertEquals("precious", Files.readString(path));
    }

    @Test
    void aClientFindsNoSourceWhereNothingListens() throws Exception {
        Path none = dir.resolve("none.sock");
        IOException missing = assertThrows(IOException.class, () -> ControlClient.resume(none, new Resume(null)));
        assertEquals("no such source: " + none + " does not exist", missing.getMessage());
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(none));
        }
        IOException stale = assertThrows(IOException.class, () -> ControlClient.resume(none, new Resume(null)));
        assertEquals("no such source: nothing listens on " + none + " (its jmultifd migrate has ended)",
                stale.getMessage());
    }

    @Test
    void aClientRefusesAnAnswerThatIsNoReply() throws Exception {
        Path path = dir.resolve("fake.sock");
        CountDownLatch served = new CountDownLatch(1);
        try (ServerSocketChannel fake = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            fake.bind(UnixDomainSocketAddress.of(path));
            Thread t = Thread.ofPlatform().start(() -> {
                try (SocketChannel c = fake.accept()) {
                    ControlProtocol.readLine(c, ControlProtocol.MAX_REQUEST_BYTES, 30_000, "request");
                    c.configureBlocking(true);
                    c.write(ByteBuffer.wrap(utf8("HTTP/1.1 200 OK\n")));
                    served.countDown();
                } catch (IOException | ControlProtocol.BadLine ignored) {
                    // the test fails on the client's side
                }
            });
            IOException e = assertThrows(IOException.class, () -> ControlClient.resume(path, new Resume(null)));
            assertEquals(path + ": not a reply of jmultifd migrate: 'HTTP/1.1 200 OK'", e.getMessage());
            assertTrue(served.await(30, TimeUnit.SECONDS));
            t.join();
        }
    }

    @Test
    void theRequestRoundTrips() throws Exception {
        Resume to = new Resume(new Endpoint.Tcp("::1", 7));
        assertEquals("resume tcp:[::1]:7", to.encode());
        assertEquals(to, Resume.decode(to.encode()));
        assertNull(Resume.decode("resume").toOrNull());
        assertEquals("error a b\n", new String(Reply.error("a\nb").encode(), StandardCharsets.UTF_8));
    }
}
