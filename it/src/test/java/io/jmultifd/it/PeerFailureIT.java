package io.jmultifd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jmultifd.multifd.Endpoint;
import io.jmultifd.multifd.MigrationParameters;
import io.jmultifd.multifd.MigrationResult;
import io.jmultifd.multifd.MigrationSource;
import io.jmultifd.multifd.MigrationStatus;
import io.jmultifd.multifd.Progress;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.guest.Workload;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The destination dies or stalls in the middle of the bulk round. The source runs in this JVM through the
 * engine API, so the test can check that it survives: its guest and workload are untouched and a second
 * migration to a fresh destination completes.
 */
@EnabledIfEnvironmentVariable(named = "JMULTIFD_IT", matches = "1")
class PeerFailureIT {
    private static final long GUEST_BYTES = 192L << 20;
    /** A second block the workload never writes: after a failed migration it must be bit for bit as it was. */
    private static final long FROZEN_BYTES = 16L << 20;
    private static final int PAGE = 4096;
    /** 192 MiB of incompressible pages at 16 MiB/s: the bulk round lasts about twelve seconds. */
    private static final String SLOW_BANDWIDTH = "16M";
    /** How long the bulk round runs before the peer fails: pages are flowing, the round is far from done. */
    private static final Duration INTO_BULK = Duration.ofSeconds(2);
    private static final long PEER_TIMEOUT_MS = 3000;
    /** How long after the failure the source may take to report it; generous for a loaded 2-core CI machine. */
    private static final Duration FAILURE_REPORT_LIMIT = Duration.ofSeconds(30);

    private final ContainerSet containers = new ContainerSet();
    private final ExecutorService executor = Executors.newSingleThreadExecutor();
    private final List<MigrationSource> sources = new java.util.concurrent.CopyOnWriteArrayList<>();
    private GuestMemory guest;
    private Workload workload;
    private long frozenChecksum;

    @BeforeEach
    void startGuest() {
        RamBlock ram = RamBlock.anonymous("ram", GUEST_BYTES, PAGE);
        RamBlock frozen = RamBlock.anonymous("frozen", FROZEN_BYTES, PAGE);
        guest = GuestMemory.of(List.of(ram, frozen));
        // Random contents, so that pages neither are zero nor compress: the bulk round's length is set by the
        // bandwidth cap, not by the codec.
        SplittableRandom random = new SplittableRandom(1234);
        for (RamBlock block : guest.blocks()) {
            for (long off = 0; off < block.size(); off += Long.BYTES) {
                block.memory().set(ValueLayout.JAVA_LONG_UNALIGNED, off, random.nextLong());
            }
        }
        frozenChecksum = guest.checksums().get("frozen");
        // The workload sees "ram" only (a view on the same block, not closed on its own): "frozen" stays as filled.
        workload = new Workload(GuestMemory.of(List.of(ram)), 4.0, 99);
        workload.start();
    }

    @AfterEach
    void stopEverything() throws InterruptedException {
        // A migration still running (a failed assertion left it) reads the guest: end it before freeing the guest.
        sources.forEach(MigrationSource::cancel);
        executor.shutdownNow();
        boolean ended = executor.awaitTermination(60, TimeUnit.SECONDS);
        try {
            containers.close();
        } finally {
            if (workload != null) {
                workload.close();
            }
            if (guest != null && ended) {
                guest.close();
            }
        }
        assertTrue(ended, "the source's migration ended within 60 s of cancel()");
    }

    private MigrationSource source(String maxBandwidth) {
        MigrationSource source = new MigrationSource(guest, workload, parameters(maxBandwidth));
        sources.add(source);
        return source;
    }

    @Test
    void destinationKilledInBulkRoundFailsTheSourceWhichThenMigratesToANewDestination() throws Exception {
        int port = ItEnvironment.freePort();
        JmultifdContainer doomed = startDestination("destination-killed", port);
        ProgressLog progress = new ProgressLog();
        Future<MigrationResult> first = executor.submit(() ->
                source(SLOW_BANDWIDTH).migrate(Endpoint.parse("tcp:127.0.0.1:" + port), progress));
        awaitBulkUnderWay(port, first, progress);

        doomed.kill();
        long killedAt = System.nanoTime();
        MigrationResult failed = await(first, FAILURE_REPORT_LIMIT, "source after the destination was killed");
        long reportMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
        System.out.println("source reported " + failed.status() + " " + reportMs + " ms after the kill: "
                + failed.error());

        assertEquals(MigrationStatus.FAILED, failed.status(), "first migration: " + failed.toMap());
        assertNotNull(failed.error(), "the failure names its cause");
        assertFalse(failed.error().isBlank(), "the failure names its cause");
        assertFailedInBulkRound(failed);
        assertSourceLetGo(port);
        assertSourceSurvived();

        // The same guest and workload migrate again, to a new destination, at full speed.
        int secondPort = ItEnvironment.freePort();
        JmultifdContainer fresh = startDestination("destination-fresh", secondPort);
        MigrationResult second = await(executor.submit(() ->
                        source("0").migrate(Endpoint.parse("tcp:127.0.0.1:" + secondPort), p -> { })),
                Duration.ofSeconds(240), "second migration");
        assertEquals(MigrationStatus.COMPLETED, second.status(), "second migration: " + second.toMap());
        assertTrue(second.checksumMatch(), "second migration checksums: " + second.toMap());
        assertEquals(0, fresh.awaitExit(Duration.ofSeconds(60)), "fresh destination exit; output:\n" + fresh.output());
        Reports.assertCompleted("fresh destination", fresh.jsonReport());
    }

    @Test
    void stalledDestinationFailsTheSourceWithinThePeerTimeoutAndDoesNotCompleteAfterwards() throws Exception {
        int port = ItEnvironment.freePort();
        JmultifdContainer stalled = startDestination("destination-paused", port);
        ProgressLog progress = new ProgressLog();
        Future<MigrationResult> migration = executor.submit(() ->
                source(SLOW_BANDWIDTH).migrate(Endpoint.parse("tcp:127.0.0.1:" + port), progress));
        awaitBulkUnderWay(port, migration, progress);

        stalled.pause();
        long pausedAt = System.nanoTime();
        MigrationResult failed = await(migration, Duration.ofMillis(PEER_TIMEOUT_MS).plus(FAILURE_REPORT_LIMIT),
                "source with a paused destination");
        long reportMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - pausedAt);
        System.out.println("source reported " + failed.status() + " " + reportMs + " ms after the pause"
                + " (peer-timeout " + PEER_TIMEOUT_MS + " ms): " + failed.error());

        assertEquals(MigrationStatus.FAILED, failed.status(), "migration to a paused destination: " + failed.toMap());
        assertNotNull(failed.error(), "the failure names its cause");
        assertTrue(failed.error().contains("peer-timeout"), "the cause is the stall detection: " + failed.error());
        assertFailedInBulkRound(failed);
        assertSourceLetGo(port);
        assertSourceSurvived();

        // Thawed, the destination finds a half-sent migration: it must fail, not take it as complete.
        stalled.unpause();
        int exit = stalled.awaitExit(Duration.ofSeconds(90));
        assertNotEquals(0, exit, "destination exit code after the source gave up; output:\n" + stalled.output());
        JsonNode report = stalled.jsonReport();
        Reports.assertNotCompleted("thawed destination", report);
    }

    private JmultifdContainer startDestination(String role, int port) throws InterruptedException {
        // The destination's own peer-timeout is longer than the source's: the source must be the one to notice.
        JmultifdContainer destination = containers.add(new JmultifdContainer(ItEnvironment.image(), role)
                .runningCli(Cli.args(new String[]{"incoming", "--listen", "tcp:127.0.0.1:" + port, "--json"},
                        Cli.sets("multifd-compression=qpl", "multifd-channels=2", "peer-timeout=20000"))));
        destination.start();
        destination.awaitListening(port, Duration.ofSeconds(60));
        return destination;
    }

    private static MigrationParameters parameters(String maxBandwidth) {
        Map<String, String> p = new HashMap<>();
        p.put("multifd-compression", "qpl");
        p.put("multifd-channels", "2");
        p.put("max-bandwidth", maxBandwidth);
        p.put("peer-timeout", Long.toString(PEER_TIMEOUT_MS));
        return MigrationParameters.from(p);
    }

    /**
     * A failed migration leaves the source as it was: same blocks, the memory nobody wrote unchanged, the workload
     * still writing.
     */
    private void assertSourceSurvived() throws InterruptedException {
        assertEquals(List.of("ram", "frozen"), guest.blocks().stream().map(RamBlock::name).toList(), "source blocks");
        assertEquals(GUEST_BYTES + FROZEN_BYTES, guest.totalBytes(), "source guest size");
        assertEquals(frozenChecksum, guest.checksums().get("frozen"),
                "the block no one wrote is unchanged by the failed migration (CRC32C)");
        assertTrue(workload.isRunning(), "the source's workload still runs after the failed migration");
        assertFalse(workload.isPaused(), "the source's workload is not left paused by the failed migration");
        long before = workload.bytesWritten();
        assertTrue(ItEnvironment.await(Duration.ofSeconds(20), () -> workload.bytesWritten() > before),
                "the source's workload keeps writing after the failed migration");
    }

    /** Failing cleanly: the source closed its connections to the peer, and its engine threads ended. */
    private static void assertSourceLetGo(int port) throws InterruptedException {
        assertTrue(ItEnvironment.await(Duration.ofSeconds(10), () -> ItEnvironment.establishedTo(port) == 0),
                "the failed source closed its connections to 127.0.0.1:" + port + "; still established: "
                        + ItEnvironment.establishedTo(port));
        assertTrue(ItEnvironment.await(Duration.ofSeconds(10), () -> engineThreads().isEmpty()),
                "the failed source's engine threads ended; alive: " + engineThreads());
    }

    /** Threads of the engine in this JVM (it names them all jmultifd-...; the workload's is guest-workload). */
    private static List<String> engineThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(name -> name.startsWith("jmultifd-")).sorted().toList();
    }

    private static MigrationResult await(Future<MigrationResult> f, Duration limit, String what) throws Exception {
        try {
            return f.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new AssertionError(what + ": no result within " + limit, e);
        }
    }

    /**
     * Waits until the source's channels are connected to the destination, then lets the bulk round run a while.
     * The engine reports progress between rounds only, so "in the bulk round" is checked afterwards on the
     * result: pages were sent and no round was synced (assertFailedInBulkRound).
     */
    private static void awaitBulkUnderWay(int port, Future<MigrationResult> migration, ProgressLog progress)
            throws Exception {
        // main connection + 2 channels
        boolean connected = ItEnvironment.await(Duration.ofSeconds(60),
                () -> ItEnvironment.establishedTo(port) >= 3 || migration.isDone());
        if (!connected || migration.isDone()) {
            throw new AssertionError("the source did not connect its channels within 60 s"
                    + (migration.isDone() ? "; it ended: " + migration.get().toMap() : "") + "; progress: " + progress);
        }
        Thread.sleep(INTO_BULK.toMillis());
        if (migration.isDone()) {
            throw new AssertionError("the migration ended before the peer could fail: " + migration.get().toMap());
        }
    }

    private static void assertFailedInBulkRound(MigrationResult failed) {
        assertTrue(failed.ram().normalPages() > 0, "pages were on their way when the peer failed: " + failed.toMap());
        assertEquals(0, failed.ram().dirtySyncCount(), "the bulk round had not ended when the peer failed: "
                + failed.toMap());
    }

    /** The progress reports, for failure messages. */
    private static final class ProgressLog implements io.jmultifd.multifd.ProgressListener {
        private final java.util.List<Progress> reports = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void onProgress(Progress p) {
            reports.add(p);
        }

        @Override
        public String toString() {
            return reports.toString();
        }
    }
}
