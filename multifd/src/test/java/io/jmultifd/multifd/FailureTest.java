package io.jmultifd.multifd;

import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.guest.Workload;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Mismatches, a dying or stalled destination, cancellation, non-convergence, a corrupting method. */
class FailureTest {

    static MigrationParameters params(String... kv) {
        Map<String, String> m = new java.util.HashMap<>(Map.of("multifd-channels", "2", "packet-pages", "32"));
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return MigrationParameters.from(m);
    }

    private static void mismatch(MigrationParameters src, MigrationParameters dst, String expected) throws Exception {
        try (GuestMemory guest = GuestMemory.of(RamBlock.anonymous("ram0", 1 << 20, src.pageSize()));
             Harness.Incoming in = new Harness.Incoming(dst, false)) {
            MigrationResult sent = new MigrationSource(guest, null, src).migrate(in.sourceTarget, null);
            MigrationResult got = in.await();
            assertEquals(MigrationStatus.FAILED, sent.status());
            assertEquals(MigrationStatus.FAILED, got.status());
            assertEquals("destination refused the migration: " + expected, sent.error());
            assertEquals(expected, got.error());
        }
        Harness.assertNoEngineThreads();
    }

    @Test
    void methodMismatch() throws Exception {
        mismatch(params("multifd-compression", XorMethod.NAME), params(), "multifd-compression mismatch: source test-xor, destination none");
    }

    @Test
    void methodParameterMismatch() throws Exception {
        mismatch(params("multifd-compression", XorMethod.NAME, "test-xor-key", "1"),
                params("multifd-compression", XorMethod.NAME, "test-xor-key", "2"),
                "test-xor-key mismatch: source 1, destination 2");
    }

    @Test
    void pageSizeMismatch() throws Exception {
        mismatch(params("page-size", "8192"), params(), "page-size mismatch: source 8192, destination 4096");
    }

    @Test
    void channelCountMismatch() throws Exception {
        mismatch(params("multifd-channels", "4"), params(), "multifd-channels mismatch: source 4, destination 2");
    }

    @Test
    void zeroPageModeMismatch() throws Exception {
        mismatch(params("multifd-zero-page", "legacy"), params(), "multifd-zero-page mismatch: source legacy, destination multifd");
    }

    @Test
    void destinationDroppedMidBulkRound() throws Exception {
        // Bandwidth-limited so that the bulk round is still running when the proxy drops everything.
        MigrationParameters p = params("max-bandwidth", "16M", "peer-timeout", "10000");
        try (GuestMemory guest = Harness.mixedGuest(16 << 20, 1 << 20, 3)) {
            Map<String, Long> before = guest.checksums();
            MigrationSource source = new MigrationSource(guest, null, p);
            try (Harness.Incoming in = new Harness.Incoming(p, true);
                 FaultyProxy proxy = new FaultyProxy(((Endpoint.Tcp) in.sourceTarget).port(), FaultyProxy.Fault.DROP, 4 << 20)) {
                MigrationResult r = source.migrate(Endpoint.tcp("127.0.0.1", proxy.port()), null);
                assertTrue(proxy.triggered());
                assertEquals(MigrationStatus.FAILED, r.status());
                assertTrue(r.error().contains("channel"), r.error());
                assertFalse(r.checksumMatch());
                assertEquals(MigrationStatus.FAILED, in.await().status());
            }
            assertEquals(before, guest.checksums(), "the engine must not change guest memory");
            Harness.assertNoEngineThreads();
            // The same source migrates again, to a fresh destination, from a full bulk round.
            try (Harness.Incoming in = new Harness.Incoming(p, true)) {
                MigrationResult r = source.migrate(in.sourceTarget, null);
                Harness.assertCompleted(r, "second migration");
                Harness.assertCompleted(in.await(), "second destination");
                Harness.assertSameMemory(guest, in.destination.received());
            }
        }
    }

    @Test
    void droppedDuringStopAndCopyResumesTheWorkloadAndASecondMigrationCompletes() throws Exception {
        MigrationParameters p = params("peer-timeout", "10000");
        try (GuestMemory guest = Harness.mixedGuest(8 << 20, 1 << 20, 4);
             Workload workload = Harness.startWorkload(guest, 20, 9)) {
            MigrationSource source = new MigrationSource(guest, workload, p);
            try (Harness.Incoming in = new Harness.Incoming(p, true);
                 FaultyProxy proxy = new FaultyProxy(((Endpoint.Tcp) in.sourceTarget).port(), FaultyProxy.Fault.DROP, Long.MAX_VALUE)) {
                // The listener runs on the source's main thread: the drop happens right after the guest paused.
                MigrationResult r = source.migrate(Endpoint.tcp("127.0.0.1", proxy.port()), progress -> {
                    if (progress.phase() == Progress.Phase.STOP_COPY) {
                        assertTrue(workload.isPaused());
                        proxy.drop();
                    }
                });
                assertEquals(MigrationStatus.FAILED, r.status());
                assertTrue(proxy.triggered());
                assertTrue(workload.isRunning() && !workload.isPaused(), "the workload runs again after a failure");
                in.await();
            }
            Harness.assertNoEngineThreads();
            long written = workload.bytesWritten();
            // A new migration to a fresh destination starts over with a full bulk round and completes.
            try (Harness.Incoming in = new Harness.Incoming(p, true)) {
                MigrationResult r = source.migrate(in.sourceTarget, null);
                Harness.assertCompleted(r, "second migration");
                Harness.assertCompleted(in.await(), "second destination");
                assertTrue(r.ram().normalPages() + r.ram().zeroPages() >= guest.totalPages(), "full bulk round");
                assertTrue(workload.bytesWritten() >= written);
                Harness.assertSameMemory(guest, in.destination.received());
            }
        }
    }

    @Test
    void destinationCancelledMidMigration() throws Exception {
        MigrationParameters p = params("max-bandwidth", "16M");
        java.util.concurrent.atomic.AtomicReference<MigrationDestination> destination =
                new java.util.concurrent.atomic.AtomicReference<>();
        try (GuestMemory guest = Harness.mixedGuest(16 << 20, 1 << 20, 5);
             Workload workload = Harness.startWorkload(guest, 10, 1);
             // Cancelled from the destination's own thread as the bulk round begins: no race with the round's end.
             Harness.Incoming in = new Harness.Incoming(p, true, progress -> {
                 if (progress.phase() == Progress.Phase.BULK) {
                     destination.get().cancel();
                 }
             }, destination::set)) {
            CompletableFuture<MigrationResult> sent = CompletableFuture.supplyAsync(
                    () -> new MigrationSource(guest, workload, p).migrate(in.sourceTarget, null));
            MigrationResult got = in.await();
            assertEquals(MigrationStatus.CANCELLED, got.status());
            assertEquals("cancelled", got.error());
            MigrationResult r = sent.get(60, TimeUnit.SECONDS);
            assertEquals(MigrationStatus.FAILED, r.status());
            assertEquals("destination failed: cancelled", r.error());
            assertTrue(workload.isRunning() && !workload.isPaused());
            Harness.assertNoEngineThreads();
            try (ServerSocketChannel again = ServerSocketChannel.open()) {
                again.bind(new InetSocketAddress("127.0.0.1", ((Endpoint.Tcp) in.sourceTarget).port()));
            }
        }
    }

    @Test
    void sourceCancelledMidMigration() throws Exception {
        MigrationParameters p = params("max-bandwidth", "8M");
        try (GuestMemory guest = Harness.mixedGuest(16 << 20, 1 << 20, 6);
             Harness.Incoming in = new Harness.Incoming(p, true)) {
            MigrationSource source = new MigrationSource(guest, null, p);
            // Cancelled from the source's own thread as the bulk round begins: no race with the round's end.
            CompletableFuture<MigrationResult> sent = CompletableFuture.supplyAsync(() -> source.migrate(in.sourceTarget, progress -> {
                if (progress.phase() == Progress.Phase.BULK) {
                    source.cancel();
                }
            }));
            MigrationResult r = sent.get(60, TimeUnit.SECONDS);
            assertEquals(MigrationStatus.CANCELLED, r.status());
            assertEquals("cancelled", r.error());
            MigrationResult got = in.await();
            assertEquals(MigrationStatus.FAILED, got.status());
            assertEquals("source failed: cancelled by the source", got.error());
        }
        Harness.assertNoEngineThreads();
    }

    @Test
    void destinationCancelledWhileListeningFreesThePort() throws Exception {
        MigrationDestination d = new MigrationDestination(params());
        CompletableFuture<MigrationResult> got = CompletableFuture.supplyAsync(() -> d.receive(Endpoint.tcp("127.0.0.1", 0), null));
        int port = d.awaitListening();
        d.cancel();
        MigrationResult r = got.get(60, TimeUnit.SECONDS);
        assertEquals(MigrationStatus.CANCELLED, r.status());
        assertNull(d.received());
        Harness.assertNoEngineThreads();
        try (ServerSocketChannel again = ServerSocketChannel.open()) {
            again.bind(new InetSocketAddress("127.0.0.1", port)); // throws if still bound
        }
        d.close();
    }

    @Test
    void destinationPortIsFreeAfterACompletedMigration() throws Exception {
        MigrationParameters p = params();
        int port;
        try (GuestMemory guest = Harness.mixedGuest(1 << 20, 1 << 20, 8);
             Harness.Incoming in = new Harness.Incoming(p, true)) {
            port = ((Endpoint.Tcp) in.sourceTarget).port();
            Harness.assertCompleted(new MigrationSource(guest, null, p).migrate(in.sourceTarget, null), "source");
            Harness.assertCompleted(in.await(), "destination");
        }
        Harness.assertNoEngineThreads();
        try (ServerSocketChannel again = ServerSocketChannel.open()) {
            again.bind(new InetSocketAddress("127.0.0.1", port));
        }
    }

    /** Before any handshake answer the source waits setup-timeout, not peer-timeout, and says it was the setup. */
    @Test
    void stalledDestinationThatNeverReads() throws Exception {
        MigrationParameters p = params("peer-timeout", "60000", "setup-timeout", "500");
        try (ServerSocketChannel fake = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             GuestMemory guest = Harness.mixedGuest(4 << 20, 1 << 20, 2)) {
            int port = fake.socket().getLocalPort();
            CompletableFuture<MigrationResult> sent = CompletableFuture.supplyAsync(() -> new MigrationSource(guest, null, p)
                    .migrate(Endpoint.tcp("127.0.0.1", port), null));
            try (SocketChannel accepted = fake.accept()) { // accepts, then never reads nor answers
                MigrationResult r = sent.get(30, TimeUnit.SECONDS);
                assertEquals(MigrationStatus.FAILED, r.status());
                assertEquals("no answer to the handshake from tcp:127.0.0.1:" + port + " within setup-timeout 500 ms"
                        + " (a jmultifd destination answers at once; is something else listening there?)", r.error());
            }
        }
        Harness.assertNoEngineThreads();
    }

    @Test
    void destinationStallsMidBulkRound() throws Exception {
        MigrationParameters p = params("peer-timeout", "500");
        try (GuestMemory guest = Harness.mixedGuest(16 << 20, 1 << 20, 2);
             Harness.Incoming in = new Harness.Incoming(p, true);
             FaultyProxy proxy = new FaultyProxy(((Endpoint.Tcp) in.sourceTarget).port(), FaultyProxy.Fault.STALL, 2 << 20)) {
            MigrationResult r = new MigrationSource(guest, null, p).migrate(Endpoint.tcp("127.0.0.1", proxy.port()), null);
            assertTrue(proxy.triggered());
            assertEquals(MigrationStatus.FAILED, r.status());
            assertTrue(r.error().startsWith("peer stalled"), r.error());
            MigrationResult got = in.await();
            assertEquals(MigrationStatus.FAILED, got.status());
        }
        Harness.assertNoEngineThreads();
    }

    @Test
    void corruptingMethodFailsBothSides() throws Exception {
        MigrationParameters p = params("multifd-compression", FaultyXorMethod.NAME, "test-fault-packet", "2");
        try (GuestMemory guest = Harness.mixedGuest(2 << 20, 1 << 20, 11);
             Workload workload = Harness.startWorkload(guest, 10, 1);
             Harness.Incoming in = new Harness.Incoming(p, false)) {
            MigrationResult sent = new MigrationSource(guest, workload, p).migrate(in.sourceTarget, null);
            MigrationResult got = in.await();
            assertEquals(MigrationStatus.FAILED, got.status());
            assertTrue(got.error().matches("channel \\d, packet 2: page 0 of packet: CRC mismatch"), got.error());
            assertEquals(MigrationStatus.FAILED, sent.status());
            assertEquals("destination failed: " + got.error(), sent.error());
            assertTrue(workload.isRunning() && !workload.isPaused());
        }
        Harness.assertNoEngineThreads();
    }

    /**
     * A guest that dirties every page again as soon as it is sent (test-redirty), whatever the bandwidth and the
     * scheduling: at 8 MiB/s every round takes long enough that resending it would overrun the 50 ms downtime
     * limit, so no round can converge. (The workload is idle: it is only there to be paused, resumed, throttled.)
     */
    private static MigrationParameters redirtying(GuestMemory guest, Workload workload, String... more) {
        List<String> kv = new ArrayList<>(List.of(RedirtyingMethod.parametersFor(guest, workload)));
        kv.addAll(List.of("max-bandwidth", "8M", "convergence-timeout", "1000", "downtime-limit", "50"));
        kv.addAll(List.of(more));
        return params(kv.toArray(String[]::new));
    }

    @Test
    void doesNotConvergeWithinTheTimeout() throws Exception {
        try (GuestMemory guest = Harness.mixedGuest(4 << 20, 1 << 20, 12);
             Workload workload = Harness.startWorkload(guest, 0, 2)) {
            MigrationParameters p = redirtying(guest, workload);
            try (Harness.Incoming in = new Harness.Incoming(p, false)) {
                MigrationResult r = new MigrationSource(guest, workload, p).migrate(in.sourceTarget, null);
                assertEquals(MigrationStatus.FAILED, r.status());
                assertTrue(r.error().matches("did not converge: dirty rate [0-9.]+ MB/s (above|below) bandwidth [0-9.]+ MB/s after \\d+ rounds.*"),
                        r.error());
                assertTrue(r.multifd().methodStatistics().get("pages_redirtied") > 0, "the guest kept dirtying: " + r.toMap());
                assertTrue(workload.isRunning() && !workload.isPaused());
                MigrationResult got = in.await();
                assertEquals(MigrationStatus.FAILED, got.status());
                assertEquals("source failed: " + r.error(), got.error());
            }
        }
        Harness.assertNoEngineThreads();
    }

    @Test
    void forceConvergeThrottlesTheWorkloadAndCompletes() throws Exception {
        try (GuestMemory guest = Harness.mixedGuest(4 << 20, 1 << 20, 12);
             Workload workload = Harness.startWorkload(guest, 0, 2)) {
            MigrationParameters p = redirtying(guest, workload, "force-converge", "true");
            try (Harness.Incoming in = new Harness.Incoming(p, false)) {
                MigrationResult r = new MigrationSource(guest, workload, p).migrate(in.sourceTarget, null);
                Harness.assertCompleted(r, "source");
                Harness.assertCompleted(in.await(), "destination");
                assertTrue(workload.throttle() > 0, "the workload was throttled");
                assertTrue(r.ram().dirtySyncCount() >= 3, "bulk, at least one round that missed, then converged: " + r.toMap());
                Harness.assertSameMemory(guest, in.destination.received());
            }
        }
        Harness.assertNoEngineThreads();
    }
}
