package io.jmultifd.multifd.transport;

import io.jmultifd.multifd.Endpoint;
import io.jmultifd.multifd.tls.TestPki;
import io.jmultifd.multifd.tls.TestPki.Issued;
import io.jmultifd.multifd.tls.TlsContext;
import io.jmultifd.multifd.tls.TlsSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.EOFException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TlsConnection end to end over loopback: gathering writes and scatter reads whose buffer boundaries fall anywhere
 * in the TLS records (small ones through the record buffer, large ones decrypted in place), both directions at
 * once, the end of the stream, and a transfer across many TLS 1.3 key updates (in a child JVM whose key limit is
 * tiny: the JDK reads it once per process).
 */
class TlsSessionTest {
    /** Each task on a thread of its own: the common pool has a single worker on two cores, and these block. */
    static final java.util.concurrent.Executor OWN_THREAD = r -> Thread.ofPlatform().daemon(true).start(r);

    @TempDir
    Path dir;

    /** A connected pair: [0] the source's end, [1] the destination's. */
    static TlsConnection[] pair(Path dir) throws Exception {
        Issued ca = TestPki.ca("session CA");
        Path dst = TestPki.destinationDir(dir.resolve("dst"), ca, TestPki.server(ca, "d", "IP:127.0.0.1"));
        Path src = TestPki.sourceDir(dir.resolve("src"), ca, TestPki.client(ca, "s"));
        TlsContext server = TlsContext.forDestination(TlsSettings.parse(dst.toString(), "", "", true, "1.3"));
        try (ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            int port = listener.socket().getLocalPort();
            CompletableFuture<TlsConnection> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    SocketChannel ch = listener.accept();
                    TlsSession s = new TlsSession(ch, server, ByteBuffer.allocate(0));
                    s.handshake();
                    return new TlsConnection(s, ch, 0);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, OWN_THREAD);
            Endpoint to = Endpoint.tcp("127.0.0.1", port);
            TlsContext client = TlsContext.forSource(TlsSettings.parse(src.toString(), "", "", true, "1.3"), to);
            TlsConnection c = (TlsConnection) new SocketTransport(client).connect(to, 10_000, false);
            return new TlsConnection[] {c, accepted.get(30, TimeUnit.SECONDS)};
        }
    }

    /** Buffers of seeded sizes (1 byte to 3 records) holding seeded bytes, {@code total} bytes in all. */
    static List<ByteBuffer> pieces(long seed, int total, boolean fill) {
        SplittableRandom r = new SplittableRandom(seed);
        List<ByteBuffer> out = new ArrayList<>();
        int left = total;
        while (left > 0) {
            int size = Math.min(left, switch (r.nextInt(4)) {
                case 0 -> 1 + r.nextInt(16);
                case 1 -> 4096;
                case 2 -> 1 + r.nextInt(20_000);
                default -> 40_000 + r.nextInt(20_000);
            });
            ByteBuffer b = r.nextBoolean() ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
            if (fill) {
                for (int i = 0; i < size; i++) {
                    b.put(i, (byte) r.nextInt());
                }
            }
            out.add(b);
            left -= size;
        }
        return out;
    }

    static byte[] bytesOf(List<ByteBuffer> bufs) {
        int n = bufs.stream().mapToInt(ByteBuffer::capacity).sum();
        ByteBuffer all = ByteBuffer.allocate(n);
        for (ByteBuffer b : bufs) {
            all.put(b.duplicate().clear());
        }
        return all.array();
    }

    /** Sends {@code total} bytes as gathering writes of 1..8 buffers; the receiver scatter-reads with other cuts. */
    static void transfer(TlsConnection from, TlsConnection to, long seed, int total) throws Exception {
        List<ByteBuffer> sent = pieces(seed, total, true);
        List<ByteBuffer> received = pieces(seed + 1, total, false);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                for (int i = 0; i < sent.size(); i += 8) {
                    List<ByteBuffer> group = sent.subList(i, Math.min(sent.size(), i + 8));
                    from.writeFully(group.toArray(ByteBuffer[]::new), group.size());
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, OWN_THREAD);
        for (int i = 0; i < received.size(); i += 5) {
            List<ByteBuffer> group = received.subList(i, Math.min(received.size(), i + 5));
            if (group.size() == 1) {
                to.readFully(group.getFirst(), "a piece");
            } else {
                to.readFully(group.toArray(ByteBuffer[]::new), group.size(), "pieces");
            }
        }
        writer.get(60, TimeUnit.SECONDS);
        assertArrayEquals(bytesOf(sent), bytesOf(received));
        for (ByteBuffer b : sent) {
            assertEquals(0, b.remaining(), "every byte written was consumed");
        }
    }

    @Test
    void scatterAndGatherAcrossRecordBoundariesBothWaysAtOnce() throws Exception {
        TlsConnection[] p = pair(dir);
        try {
            CompletableFuture<Void> back = CompletableFuture.runAsync(() -> {
                try {
                    transfer(p[1], p[0], 11, 3 << 20);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, OWN_THREAD);
            transfer(p[0], p[1], 5, 6 << 20);
            back.get(60, TimeUnit.SECONDS);
            assertEquals(6 << 20, p[0].bytesWritten());
            assertEquals(6 << 20, p[1].bytesRead());
            assertEquals(3 << 20, p[1].bytesWritten());
        } finally {
            p[0].close();
            p[1].close();
        }
    }

    @Test
    void theEndOfTheStreamIsAnEofNamingWhatWasRead() throws Exception {
        TlsConnection[] p = pair(dir);
        p[0].writeFully(ByteBuffer.wrap(new byte[10]));
        p[0].shutdownOutput();
        EOFException e = assertThrows(EOFException.class, () -> p[1].readFully(ByteBuffer.allocate(20), "the header"));
        assertEquals("connection closed by the peer after 10 of 20 bytes of the header", e.getMessage());
        p[0].close();
        p[1].close();
    }

    /** The child JVM's part: a pair, and transfers both ways that cross many key updates. */
    public static void main(String[] args) throws Exception {
        TlsConnection[] p = pair(Path.of(args[0]));
        CompletableFuture<Void> back = CompletableFuture.runAsync(() -> {
            try {
                transfer(p[1], p[0], 3, 1 << 20);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, OWN_THREAD);
        transfer(p[0], p[1], 4, 1 << 20);
        back.get(60, TimeUnit.SECONDS);
        p[0].close();
        p[1].close();
        System.out.println("transferred");
    }

    @Test
    void transfersSurviveManyKeyUpdates() throws Exception {
        Path security = dir.resolve("java.security");
        Files.writeString(security, "jdk.tls.keyLimits=AES/GCM/NoPadding KeyUpdate 2^14, "
                + "ChaCha20-Poly1305 KeyUpdate 2^14\n");
        Path log = dir.resolve("child.log");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.security.properties=" + security, "-Djavax.net.debug=ssl:handshake",
                "-cp", System.getProperty("java.class.path"), TlsSessionTest.class.getName(), dir.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the child JVM finished");
        String out = Files.readString(log);
        assertEquals(0, child.exitValue(), out.length() > 4000 ? out.substring(out.length() - 4000) : out);
        assertTrue(out.contains("transferred"), "the transfers completed");
        long updates = out.lines().filter(l -> l.contains("\"KeyUpdate\"") || l.contains("KeyUpdate\":")).count();
        assertTrue(updates > 20, "key updates happened during the transfers: " + updates);
    }
}
