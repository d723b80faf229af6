package io.jmultifd.multifd;

import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.wire.MessageWriter;
import io.jmultifd.multifd.wire.Wire;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Peers that are hostile or confused: a trickle of bytes, idle and half-open connections, a handshake that
 * never ends, something that is not jmultifd at either end, another migration's data connection, a second
 * source, a source that gives up during setup, and a guest bigger than the destination agreed to hold (a
 * destination that never answers is FailureTest.stalledDestinationThatNeverReads). Limits in the tests are small
 * (hundreds of ms) and every wait for a verdict is bounded far above them, so a run on loaded cores stays
 * deterministic.
 */
class HostilePeerTest {
    private static final long VERDICT_S = 30;

    static MigrationParameters params(String... kv) {
        Map<String, String> m = new HashMap<>(Map.of("multifd-channels", "1", "packet-pages", "16",
                "max-guest-size", "64M", "peer-timeout", "60000"));
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return MigrationParameters.from(m);
    }

    static int port(Harness.Incoming in) {
        return ((Endpoint.Tcp) in.sourceTarget).port();
    }

    /** A real migration of a small guest to {@code in} completes on both ends, byte for byte. */
    static void realMigrationCompletes(Harness.Incoming in, MigrationParameters p) throws Exception {
        try (GuestMemory guest = Harness.mixedGuest(1 << 20, 1 << 20, 21)) {
            MigrationResult sent = new MigrationSource(guest, null, p).migrate(in.sourceTarget, null);
            Harness.assertCompleted(sent, "source");
            Harness.assertCompleted(in.result.get(VERDICT_S, TimeUnit.SECONDS), "destination");
            Harness.assertSameMemory(guest, in.destination.received());
        }
    }

    /** Blocks until the peer closes {@code c} (EOF or reset); fails if it is still open after 20 s. */
    static void assertClosedByPeer(SocketChannel c) throws IOException {
        c.socket().setSoTimeout(20_000);
        InputStream in = c.socket().getInputStream();
        try {
            while (in.read() >= 0) {
                // whatever it says before it closes
            }
        } catch (SocketTimeoutException e) {
            fail("the destination left the connection open");
        } catch (IOException e) {
            // reset: closed too
        }
    }

    static void send(SocketChannel c, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    @Test
    void aTricklingSourceFailsTheDestinationAfterPeerTimeout() throws Exception {
        MigrationParameters p = params("peer-timeout", "1000");
        // One DATA packet of one raw page, then sent one byte every 100 ms: 415 s in all.
        MessageWriter w = FakeSource.header(Wire.PACKET_DATA, 0, 0, 0, 1, 0, BadInputTest.PAGE).u64(0);
        for (int i = 0; i < BadInputTest.PAGE; i++) {
            w.u8(0x5A);
        }
        byte[] packet = w.toBytes();
        AtomicInteger trickled = new AtomicInteger();
        try (Harness.Incoming in = new Harness.Incoming(p, true);
             FakeSource src = new FakeSource(port(in))) {
            BadInputTest.setUp(src, port(in), p);
            CompletableFuture<Void> trickle = CompletableFuture.runAsync(() -> {
                try {
                    for (byte b : packet) {
                        src.send(src.data, new byte[] {b});
                        trickled.incrementAndGet();
                        Thread.sleep(100);
                    }
                } catch (IOException | InterruptedException e) {
                    // the destination hung up
                }
            });
            MigrationResult r = in.result.get(VERDICT_S, TimeUnit.SECONDS);
            BadInputTest.assertFailed(r, "peer stalled", "(peer-timeout 1000 ms)");
            trickle.get(VERDICT_S, TimeUnit.SECONDS); // ends once its writes fail on the closed connection
            assertTrue(trickled.get() < packet.length, "the trickle was still going when the destination gave up");
        }
        Harness.assertNoEngineThreads();
    }

    @Test
    void idleAndHalfOpenConnectionsDoNotKeepTheRealSourceOut() throws Exception {
        MigrationParameters p = params("multifd-channels", "2", "peer-timeout", "5000");
        List<SocketChannel> idle = new ArrayList<>();
        try (Harness.Incoming in = new Harness.Incoming(p, true)) {
            InetSocketAddress at = new InetSocketAddress("127.0.0.1", port(in));
            byte[] halfHello = new MessageWriter().u32(Wire.MAGIC_MAIN).u16(Wire.VERSION).toBytes();
            for (int i = 0; i < 2000; i++) {
                SocketChannel c = SocketChannel.open(at);
                idle.add(c);
                if (i % 2 == 1) {
                    send(c, halfHello); // half-open: six bytes of a hello, then nothing
                }
            }
            realMigrationCompletes(in, p);
            for (SocketChannel c : idle) {
                assertClosedByPeer(c); // none is left open behind the migration
            }
        } finally {
            for (SocketChannel c : idle) {
                c.close();
            }
        }
        Harness.assertNoEngineThreads();
    }

    @Test
    void pendingConnectionsAreBoundedTheOldestMakesRoomLongBeforeItsDeadline() throws Exception {
        MigrationParameters p = params(); // setup-timeout 10 s: far beyond this test's waits
        List<SocketChannel> idle = new ArrayList<>();
        try (LogCapture log = new LogCapture();
             Harness.Incoming in = new Harness.Incoming(p, true)) {
            InetSocketAddress at = new InetSocketAddress("127.0.0.1", port(in));
            for (int i = 0; i < Reception.MAX_PENDING + 1; i++) {
                idle.add(SocketChannel.open(at));
            }
            assertClosedByPeer(idle.getFirst()); // the one more than may be pending pushed out the oldest
            String line = log.find("to make room for a newer connection");
            assertNotNull(line, log.messages().toString());
            assertTrue(line.endsWith("to make room for a newer connection (at most " + Reception.MAX_PENDING
                    + " may be pending)"), line);
            realMigrationCompletes(in, p);
        } finally {
            for (SocketChannel c : idle) {
                c.close();
            }
        }
        Harness.assertNoEngineThreads();
    }

    @Test
    void aHandshakeThatNeverEndsIsClosedAtSetupTimeoutAndTheDestinationKeepsListening() throws Exception {
        MigrationParameters p = params("setup-timeout", "500");
        try (LogCapture log = new LogCapture();
             Harness.Incoming in = new Harness.Incoming(p, true);
             SocketChannel stalled = SocketChannel.open(new InetSocketAddress("127.0.0.1", port(in)))) {
            byte[] handshake = FakeSource.handshake(Wire.VERSION, p, "ram0", 1L << 20).toBytes();
            send(stalled, java.util.Arrays.copyOf(handshake, 20)); // the hello and the first bytes of the handshake
            assertClosedByPeer(stalled);
            assertNotNull(log.find("did not complete its setup within setup-timeout 500 ms"), log.messages().toString());
            realMigrationCompletes(in, p);
        }
        Harness.assertNoEngineThreads();
    }

    @Test
    void anHttpServerAsDestinationIsNamedNotAJmultifdPeer() throws Exception {
        MigrationParameters p = params();
        try (ServerSocketChannel http = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             GuestMemory guest = Harness.mixedGuest(1 << 20, 1 << 20, 2)) {
            CompletableFuture<MigrationResult> sent = CompletableFuture.supplyAsync(() -> new MigrationSource(guest, null, p)
                    .migrate(Endpoint.tcp("127.0.0.1", http.socket().getLocalPort()), null));
            try (SocketChannel c = http.accept()) {
                c.read(ByteBuffer.allocate(64 * 1024)); // the "request"
                send(c, ("HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\n"
                        + "Bad Request").getBytes(StandardCharsets.US_ASCII));
                c.shutdownOutput();
                MigrationResult r = sent.get(VERDICT_S, TimeUnit.SECONDS);
                assertEquals(MigrationStatus.FAILED, r.status());
                assertEquals("main channel: not a jmultifd peer (it sent 'HTTP/1.0 400 Bad Request')", r.error());
            }
        }
        Harness.assertNoEngineThreads();
    }

    @Test
    void aVersionOneDestinationIsRefusedNamingBothVersions() throws Exception {
        MigrationParameters p = params();
        try (ServerSocketChannel old = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             GuestMemory guest = Harness.mixedGuest(1 << 20, 1 << 20, 2)) {
            CompletableFuture<MigrationResult> sent = CompletableFuture.supplyAsync(() -> new MigrationSource(guest, null, p)
                    .migrate(Endpoint.tcp("127.0.0.1", old.socket().getLocalPort()), null));
            try (SocketChannel c = old.accept()) {
                c.read(ByteBuffer.allocate(64 * 1024)); // the hello and the handshake
                // What a destination of version 1 answers a newer source: its hello, then REFUSE naming both.
                send(c, new MessageWriter().u32(Wire.MAGIC_MAIN).u16(1).u8(Wire.MSG_REFUSE)
                        .str("version mismatch: source 2, destination 1").toBytes());
                MigrationResult r = sent.get(VERDICT_S, TimeUnit.SECONDS);
                assertEquals(MigrationStatus.FAILED, r.status());
                assertEquals("main channel: version mismatch: source 2, destination 1", r.error());
            }
        }
        Harness.assertNoEngineThreads();
    }

    @Test
    void anHttpRequestToTheDestinationIsTurnedAwayAndTheDestinationKeepsListening() throws Exception {
        MigrationParameters p = params();
        try (LogCapture log = new LogCapture();
             Harness.Incoming in = new Harness.Incoming(p, true)) {
            try (SocketChannel http = SocketChannel.open(new InetSocketAddress("127.0.0.1", port(in)))) {
                send(http, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertClosedByPeer(http);
                String line = log.find("not a jmultifd peer");
                assertNotNull(line, log.messages().toString());
                assertTrue(line.matches("WARNING incoming: turned away a connection from 127\\.0\\.0\\.1:\\d+: "
                        + "not a jmultifd peer \\(it sent 'GET / HTTP/1\\.1'\\)"), line);
            }
            realMigrationCompletes(in, p);
        }
        Harness.assertNoEngineThreads();
    }

    @Test
    void binaryGarbageIsQuotedAsEscapes() throws Exception {
        MigrationParameters p = params();
        try (LogCapture log = new LogCapture();
             Harness.Incoming in = new Harness.Incoming(p, true);
             SocketChannel garbage = SocketChannel.open(new InetSocketAddress("127.0.0.1", port(in)))) {
            send(garbage, new byte[] {(byte) 0xDE, (byte) 0xAD, (byte) 0xBE, (byte) 0xEF, 'o', 'k', '\''});
            assertClosedByPeer(garbage);
            assertNotNull(log.find("not a jmultifd peer (it sent '\\xDE\\xAD\\xBE\\xEFok\\x27')"), log.messages().toString());
        }
    }

    @Test
    void theDestinationWaitsForDataConnectionsAtMostSetupTimeout() throws Exception {
        MigrationParameters p = params("setup-timeout", "500");
        try (Harness.Incoming in = new Harness.Incoming(p, true);
             FakeSource src = new FakeSource(port(in))) {
            src.sendMain(FakeSource.handshake(Wire.VERSION, p, "ram0", BadInputTest.RAM0));
            assertEquals("ACCEPT", src.readAnswer());
            // ... and no data connection
            MigrationResult r = in.result.get(VERDICT_S, TimeUnit.SECONDS);
            String expected = "setup-timeout 500 ms passed with 0 of 1 data connections of the source connected";
            BadInputTest.assertFailed(r, expected);
            assertEquals("ERROR " + expected, src.readMessage(), "the source is told why");
        }
        Harness.assertNoEngineThreads();
    }

    /**
     * A source that gives up after ACCEPT, before its data connections (one failed to connect, or it was
     * cancelled), says why on the main connection: the destination hears it at once instead of waiting for the
     * data connections until setup-timeout, here far beyond the wait for its verdict.
     */
    @Test
    void aSourceThatGivesUpWhileItsDataConnectionsAreAwaitedIsHeardAtOnce() throws Exception {
        MigrationParameters p = params("setup-timeout", "600000");
        try (Harness.Incoming in = new Harness.Incoming(p, true);
             FakeSource src = new FakeSource(port(in))) {
            src.sendMain(FakeSource.handshake(Wire.VERSION, p, "ram0", BadInputTest.RAM0));
            assertEquals("ACCEPT", src.readAnswer());
            src.sendMain(new MessageWriter().u8(Wire.MSG_ERROR).str("cancelled by the source"));
            MigrationResult r = in.result.get(VERDICT_S, TimeUnit.SECONDS);
            BadInputTest.assertFailed(r, "source failed: cancelled by the source");
            assertEquals(MigrationFailure.Side.SOURCE, r.failure().side(), "the source named the cause");
        }
        Harness.assertNoEngineThreads();
    }

    /** ... and one that hangs up there (a killed process) is noticed at once too. */
    @Test
    void aSourceThatHangsUpWhileItsDataConnectionsAreAwaitedIsNoticedAtOnce() throws Exception {
        MigrationParameters p = params("setup-timeout", "600000");
        try (Harness.Incoming in = new Harness.Incoming(p, true);
             FakeSource src = new FakeSource(port(in))) {
            src.sendMain(FakeSource.handshake(Wire.VERSION, p, "ram0", BadInputTest.RAM0));
            assertEquals("ACCEPT", src.readAnswer());
            src.main.close();
            MigrationResult r = in.result.get(VERDICT_S, TimeUnit.SECONDS);
            BadInputTest.assertFailed(r, "main channel: connection closed by the peer after 0 of 1 bytes of main channel message");
        }
        Harness.assertNoEngineThreads();
    }

    @Test
    void aDataConnectionOfAnotherMigrationIsTurnedAwayAndTheRightOneAccepted() throws Exception {
        MigrationParameters p = params();
        CRC32C crc = new CRC32C();
        crc.update(new byte[(int) BadInputTest.RAM0]);
        try (LogCapture log = new LogCapture();
             Harness.Incoming in = new Harness.Incoming(p, true);
             FakeSource src = new FakeSource(port(in));
             SocketChannel stranger = SocketChannel.open(new InetSocketAddress("127.0.0.1", port(in)))) {
            src.sendMain(FakeSource.handshake(Wire.VERSION, p, "ram0", BadInputTest.RAM0));
            assertEquals("ACCEPT", src.readAnswer());
            send(stranger, new MessageWriter().u32(Wire.MAGIC_CHANNEL).u16(Wire.VERSION).u64(FakeSource.SESSION + 1)
                    .u16(0).toBytes());
            assertClosedByPeer(stranger);
            assertNotNull(log.find("a data connection of another migration (session id differs)"), log.messages().toString());
            src.openData(port(in), 0);
            src.sendData(FakeSource.header(Wire.PACKET_END, 0, 0, 0, 0, 0, 0));
            src.sendMain(new MessageWriter().u8(Wire.MSG_COMPLETE).u64(0).u32(1).u64(crc.getValue()));
            assertEquals("VERDICT 1 checksums match", src.readMessage());
            src.sendMain(new MessageWriter().u8(Wire.MSG_MEMORY_CHECKED).u8(1).str("memory matches"));
            assertEquals("MEMORY_CHECKED 1 memory matches", src.readMessage());
            Harness.assertCompleted(in.result.get(VERDICT_S, TimeUnit.SECONDS), "destination");
        }
        Harness.assertNoEngineThreads();
    }

    @Test
    void aSecondSourceIsToldTheDestinationIsBusy() throws Exception {
        MigrationParameters p = params();
        try (Harness.Incoming in = new Harness.Incoming(p, true);
             FakeSource first = new FakeSource(port(in));
             GuestMemory guest = Harness.mixedGuest(1 << 20, 1 << 20, 3)) {
            first.sendMain(FakeSource.handshake(Wire.VERSION, p, "ram0", BadInputTest.RAM0));
            assertEquals("ACCEPT", first.readAnswer());
            MigrationResult second = new MigrationSource(guest, null, p).migrate(in.sourceTarget, null);
            assertEquals(MigrationStatus.FAILED, second.status());
            assertTrue(second.error().matches("destination refused the migration: the destination is already "
                    + "receiving a migration \\(from 127\\.0\\.0\\.1:\\d+\\)"), second.error());
        }
        Harness.assertNoEngineThreads();
    }

    /** The physical memory as the OS reports it, independently of the engine. */
    static long physicalMemory() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
    }

    @Test
    void byDefaultTheDestinationRefusesAGuestAsLargeAsPhysicalMemoryBeforeAllocating() throws Exception {
        long physical = physicalMemory();
        long announced = physical & ~4095L;
        // Default max-guest-size; the rest as the fake source sends it.
        MigrationParameters p = MigrationParameters.from(Map.of("multifd-channels", "1", "packet-pages", "16"));
        MigrationResult r = BadInputTest.feed(p, (src, port) -> {
            src.sendMain(FakeSource.handshake(Wire.VERSION, p, "ram0", announced));
            String answer = src.readAnswer();
            assertTrue(answer.startsWith("REFUSE block ram0: size " + announced + " brings the guest beyond max-guest-size "),
                    answer);
        });
        BadInputTest.assertFailed(r, "(the source announced a guest of " + announced + " bytes)");
        Matcher m = Pattern.compile("max-guest-size (\\d+)").matcher(r.error());
        assertTrue(m.find(), r.error());
        long limit = Long.parseLong(m.group(1));
        assertTrue(limit <= physical / 2, "default max-guest-size " + limit + " is more than half of " + physical);
    }

    /** A refused migration is timed from when its source connected, not from when the destination began to listen. */
    @Test
    void aRefusedMigrationIsTimedFromWhenItsSourceConnected() throws Exception {
        MigrationParameters p = params();
        try (Harness.Incoming in = new Harness.Incoming(p, true)) {
            Thread.sleep(1000); // the destination listens; nobody connects yet
            long connecting = System.nanoTime();
            try (FakeSource src = new FakeSource(port(in))) {
                src.sendMain(FakeSource.handshake(Wire.VERSION, p, "ram0", 1L << 40));
                assertTrue(src.readAnswer().startsWith("REFUSE block ram0"));
                MigrationResult r = in.result.get(VERDICT_S, TimeUnit.SECONDS);
                long sinceConnecting = (System.nanoTime() - connecting) / 1_000_000L + 1;
                assertTrue(r.times().totalMs() <= sinceConnecting, "total " + r.times().totalMs()
                        + " ms, but the source connected " + sinceConnecting + " ms before the result");
            }
        }
    }

    @Test
    void aGuestOfSeveralBlocksBeyondMaxGuestSizeIsRefusedNamingBothSizes() throws Exception {
        MigrationParameters p = params();
        MigrationResult r = BadInputTest.feed(p, (src, port) -> {
            src.sendMain(FakeSource.handshake(Wire.VERSION, p, "ram0", 40L << 20, "ram1", 40L << 20));
            assertTrue(src.readAnswer().startsWith("REFUSE block ram1"));
        });
        BadInputTest.assertFailed(r, "block ram1: size 41943040 brings the guest beyond max-guest-size 67108864"
                + " (the source announced a guest of 83886080 bytes)");
    }
}
