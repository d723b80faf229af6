package io.jmultifd.multifd;

import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.tls.TestPki;
import io.jmultifd.multifd.tls.TestPki.Issued;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.jmultifd.multifd.TlsMigrationTest.awaitLog;
import static io.jmultifd.multifd.TlsMigrationTest.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS against an eavesdropper and against peers that hold connections: a recording proxy sees no page content,
 * half-open TLS connections do not keep the real source out, a handshake that stops half-way is closed at
 * setup-timeout on either end, and TLS 1.2 is spoken only where allowed.
 */
class TlsHostilePeerTest {
    @TempDir
    static Path dir;
    static Issued ca;
    static Issued client;
    static Path dst;
    static Path src;

    @BeforeAll
    static void credentials() throws Exception {
        ca = TestPki.ca("jmultifd test CA");
        client = TestPki.client(ca, "jmultifd-source");
        dst = TestPki.destinationDir(dir.resolve("dst"), ca, TestPki.server(ca, "destination", "IP:127.0.0.1"));
        src = TestPki.sourceDir(dir.resolve("src"), ca, client);
    }

    /** Everything that crossed the network during a migration of {@code guest} through a recording proxy. */
    static byte[] recordMigration(GuestMemory guest, MigrationParameters dstParams, MigrationParameters srcParams)
            throws Exception {
        try (Harness.Incoming in = new Harness.Incoming(dstParams, true);
             RecordingProxy proxy = new RecordingProxy(HostilePeerTest.port(in))) {
            Harness.assertCompleted(new MigrationSource(guest, null, srcParams)
                    .migrate(Endpoint.tcp("127.0.0.1", proxy.port()), null), "source");
            Harness.assertCompleted(in.await(), "destination");
            Harness.assertSameMemory(guest, in.destination.received());
            return proxy.recorded();
        }
    }

    /**
     * How many pages of the guest show up in {@code wire}: each page that is not one repeated byte is probed by its
     * 16 bytes at offset 100, and every 16-byte window of what crossed is looked up.
     */
    static int pagesSeen(GuestMemory guest, byte[] wire) {
        Map<Long, Set<Long>> probes = new HashMap<>();
        for (RamBlock b : guest.blocks()) {
            for (long p = 0; p < b.pageCount(); p++) {
                long base = p * b.pageSize();
                var page = b.memory().asSlice(base, b.pageSize());
                byte first = page.get(ValueLayout.JAVA_BYTE, 0);
                boolean uniform = true;
                for (long i = 1; i < b.pageSize() && uniform; i++) {
                    uniform = page.get(ValueLayout.JAVA_BYTE, i) == first;
                }
                if (!uniform) {
                    probes.computeIfAbsent(page.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 100),
                            k -> new HashSet<>()).add(page.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 108));
                }
            }
        }
        ByteBuffer w = ByteBuffer.wrap(wire);
        Set<List<Long>> seen = new HashSet<>();
        for (int i = 0; i + 16 <= wire.length; i++) {
            Set<Long> second = probes.get(w.getLong(i));
            if (second != null && second.contains(w.getLong(i + 8))) {
                seen.add(List.of(w.getLong(i), w.getLong(i + 8)));
            }
        }
        int distinct = probes.values().stream().mapToInt(Set::size).sum();
        assertTrue(distinct > 50, "the guest has pages to look for: " + distinct);
        return seen.size();
    }

    @Test
    void aRecordingProxySeesNoPageContentUnderTls() throws Exception {
        try (GuestMemory guest = Harness.mixedGuest(1 << 20, 512 << 10, 77)) {
            // The control: without TLS the eavesdropper reads the pages (method none sends them raw).
            byte[] clear = recordMigration(guest, params(), params());
            int seenInClear = pagesSeen(guest, clear);
            assertTrue(seenInClear > 50, "without TLS the pages cross in clear: " + seenInClear);
            byte[] secure = recordMigration(guest, params("tls-creds", dst.toString()), params("tls-creds", src.toString()));
            assertTrue(secure.length > (1 << 20), "the TLS migration crossed the proxy: " + secure.length + " bytes");
            assertEquals(0, pagesSeen(guest, secure), "page content crossed in clear under TLS");
        }
    }

    /** The bytes of a real TLS ClientHello, made by the JDK for this CA's clients. */
    static byte[] clientHello() throws Exception {
        SSLEngine e = RawTls.context(client, ca).createSSLEngine("127.0.0.1", 1);
        e.setUseClientMode(true);
        ByteBuffer out = ByteBuffer.allocate(e.getSession().getPacketBufferSize());
        e.wrap(ByteBuffer.allocate(0), out);
        byte[] hello = new byte[out.flip().remaining()];
        out.get(hello);
        assertEquals(0x16, hello[0]);
        return hello;
    }

    @Test
    void halfOpenTlsConnectionsDoNotKeepTheRealSourceOut() throws Exception {
        byte[] hello = clientHello();
        List<SocketChannel> held = new ArrayList<>();
        try (Harness.Incoming in = new Harness.Incoming(params("tls-creds", dst.toString()), true)) {
            InetSocketAddress at = new InetSocketAddress("127.0.0.1", HostilePeerTest.port(in));
            for (int i = 0; i < 2 * Reception.MAX_PENDING; i++) {
                SocketChannel c = SocketChannel.open(at);
                held.add(c);
                switch (i % 3) {
                    case 0 -> { } // says nothing
                    case 1 -> HostilePeerTest.send(c, java.util.Arrays.copyOf(hello, 9)); // a ClientHello cut short
                    default -> HostilePeerTest.send(c, hello); // a whole ClientHello, then silence: the server answered
                }
            }
            HostilePeerTest.realMigrationCompletes(in, params("tls-creds", src.toString()));
        } finally {
            for (SocketChannel c : held) {
                c.close();
            }
        }
        Harness.assertNoEngineThreads();
    }

    @Test
    void garbageInTlsRecordsIsTurnedAwayAndTheRealSourceStillMigrates() throws Exception {
        java.util.SplittableRandom r = new java.util.SplittableRandom(16);
        byte[] hello = clientHello();
        List<SocketChannel> held = new ArrayList<>();
        // setup-timeout bounds the ones whose damage makes the engine wait for bytes that never come
        try (Harness.Incoming in = new Harness.Incoming(params("tls-creds", dst.toString(), "setup-timeout", "3000"), true)) {
            InetSocketAddress at = new InetSocketAddress("127.0.0.1", HostilePeerTest.port(in));
            for (int i = 0; i < 40; i++) {
                byte[] junk;
                if (i % 2 == 0) { // a whole handshake record of noise
                    junk = new byte[5 + 1 + r.nextInt(2000)];
                    r.nextBytes(junk);
                    junk[0] = 0x16;
                    junk[1] = 3;
                    junk[2] = (byte) r.nextInt(4);
                    junk[3] = (byte) ((junk.length - 5) >> 8);
                    junk[4] = (byte) (junk.length - 5);
                } else { // a real ClientHello with one byte flipped inside
                    junk = hello.clone();
                    junk[5 + r.nextInt(junk.length - 5)] ^= (byte) (1 + r.nextInt(255));
                }
                SocketChannel c = SocketChannel.open(at);
                held.add(c);
                HostilePeerTest.send(c, junk);
            }
            for (SocketChannel c : held) {
                HostilePeerTest.assertClosedByPeer(c);
            }
            HostilePeerTest.realMigrationCompletes(in, params("tls-creds", src.toString()));
        } finally {
            for (SocketChannel c : held) {
                c.close();
            }
        }
        Harness.assertNoEngineThreads();
    }

    @Test
    void aTlsHandshakeThatStopsHalfWayIsClosedAtSetupTimeout() throws Exception {
        try (LogCapture log = new LogCapture();
             Harness.Incoming in = new Harness.Incoming(params("tls-creds", dst.toString(), "setup-timeout", "500"), true);
             SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", HostilePeerTest.port(in)))) {
            HostilePeerTest.send(c, clientHello());
            HostilePeerTest.assertClosedByPeer(c);
            awaitLog(log, "did not complete its TLS handshake within setup-timeout 500 ms");
            assertNull(in.destination.received());
        }
    }

    @Test
    void aTlsSourceWhosePeerNeverAnswersFailsAtSetupTimeout() throws Exception {
        try (ServerSocketChannel silent = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             GuestMemory guest = Harness.mixedGuest(1 << 20, 512 << 10, 7)) {
            // The kernel completes the connection; nobody ever reads the ClientHello.
            MigrationResult r = new MigrationSource(guest, null, params("tls-creds", src.toString(), "setup-timeout", "500"))
                    .migrate(Endpoint.tcp("127.0.0.1", silent.socket().getLocalPort()), null);
            TlsMigrationTest.assertFailure(r, MigrationFailure.Cause.SETUP_TIMEOUT, "setup-timeout 500 ms");
        }
        Harness.assertNoEngineThreads();
    }

    @Test
    void tls12IsSpokenOnlyWhereAllowed() throws Exception {
        try (LogCapture log = new LogCapture();
             Harness.Incoming in = new Harness.Incoming(params("tls-creds", dst.toString()), true)) {
            assertNull(RawTls.connectAndHandshake(RawTls.context(client, ca), HostilePeerTest.port(in), "TLSv1.2"));
            awaitLog(log, "share no TLS version");
        }
        try (Harness.Incoming in = new Harness.Incoming(params("tls-creds", dst.toString(), "tls-min-version", "1.2",
                "setup-timeout", "1000"), true)) {
            SSLSession s = RawTls.connectAndHandshake(RawTls.context(client, ca), HostilePeerTest.port(in), "TLSv1.2");
            assertNotNull(s, "TLS 1.2 handshake with tls-min-version=1.2");
            assertEquals("TLSv1.2", s.getProtocol());
        }
    }
}
