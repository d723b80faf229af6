package io.jmultifd.multifd;

import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.Workload;
import io.jmultifd.multifd.verify.EndClock;
import io.jmultifd.multifd.verify.EndClock.Moment;
import io.jmultifd.multifd.postcopy.UserfaultfdRequired;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Postcopy end to end over TCP, with and without the preempt channel: a live guest switches after the bulk round
 * ({@code startPostcopy}), its workload then runs at the destination and faults pages in, and the migration
 * completes only when the verification passes as after precopy: each block's digest folded from the pages as
 * placed (precopy's writes, then userfaultfd's copies) matches the source's as sent, and the source's frozen memory
 * matches what it sent. A page damaged on its way after the switchover, and a source page changed behind the dirty
 * bitmap after it, fail the migration on both ends, named.
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")
class PostcopyMigrationTest {

    @BeforeAll
    static void userfaultfd() {
        UserfaultfdRequired.here();
    }

    @ParameterizedTest
    @ValueSource(strings = {"off", "on"})
    void aLiveGuestCompletesInPostcopyWithEveryPageVerified(String preempt) throws Exception {
        MigrationParameters p = FailureTest.params("postcopy-ram", "on", "postcopy-preempt", preempt,
                "max-bandwidth", "64M");
        List<Progress.Phase> phases = new ArrayList<>();
        try (GuestMemory guest = Harness.mixedGuest(8 << 20, 1 << 20, 5);
             Harness.Incoming in = new Harness.Incoming(p, true, ProgressListener.NONE)) {
            Workload w = Harness.startWorkload(guest, 64, 9);
            try {
                MigrationSource source = new MigrationSource(guest, w, p);
                source.startPostcopy();
                MigrationResult sent = source.migrate(in.sourceTarget, pr -> phases.add(pr.phase()));
                MigrationResult got = in.await();
                Harness.assertCompleted(sent, "source");
                Harness.assertCompleted(got, "destination");
                // The blocks as migrated, from the digests: the source's frozen memory, and what was placed there.
                assertEquals(2, sent.blockChecksums().size());
                assertEquals(sent.blockChecksums(), got.blockChecksums());
                for (var b : guest.blocks()) {
                    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
                    crc.update(b.memory().asByteBuffer());
                    assertEquals(crc.getValue(), sent.blockChecksums().get(b.name()), b.name());
                }
                assertTrue(phases.contains(Progress.Phase.POSTCOPY_ACTIVE), phases::toString);
                assertTrue(sent.postcopy().switched() && got.postcopy().switched());
                assertEquals(got.postcopy().pageRequests(), sent.postcopy().pageRequests(), "every request arrived");
                // Placed at most once each; a requested page the background stream placed first is dropped.
                assertTrue(got.postcopy().preemptPages() <= sent.postcopy().preemptPages());
                assertTrue(preempt.equals("on") || sent.postcopy().preemptPages() == 0);
                @SuppressWarnings("unchecked")
                java.util.Map<String, Object> json = (java.util.Map<String, Object>) got.toMap().get("jmultifd");
                assertTrue(json.containsKey("postcopy"), json::toString);
                assertTrue(w.isPaused(), "the source's guest stays paused: it runs at the destination");
                Workload there = in.destination.postcopy().workload();
                assertTrue(there != null && there.isRunning(), "the workload runs at the destination");
            } finally {
                w.stop();
            }
        }
        Harness.assertNoEngineThreads();
    }

    /**
     * The progress reports carry postcopy's statistics from the switchover on, on both ends, each as a schema-valid
     * --json-progress event: after three pages faulted in at the destination (each requested and served), the
     * requests never go down from one report to the next, and the reports that follow the faults (the verification's
     * and the completion's, at least) count them: the destination its faults and requests, the source the requests it
     * served and, with the preempt channel, the pages it sent there.
     */
    @ParameterizedTest
    @ValueSource(strings = {"off", "on"})
    void progressReportsCarryThePostcopyStatisticsAfterTheSwitchover(String preempt) throws Exception {
        // 1 MB/s: the background stream of the 1024 discarded pages lasts seconds, the faults fall inside it
        MigrationParameters p = FailureTest.params("postcopy-ram", "on", "postcopy-preempt", preempt,
                "max-bandwidth", "1M");
        List<Progress> sourceReports = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Progress> destinationReports = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (GuestMemory guest = Harness.mixedGuest(8 << 20, 1 << 20, 5);
             Harness.Incoming in = new Harness.Incoming(p, true, destinationReports::add)) {
            MigrationSource source = new MigrationSource(guest, null, p);
            source.startPostcopy();
            boolean[] dirtied = {false};
            var sent = java.util.concurrent.CompletableFuture.supplyAsync(() -> source.migrate(in.sourceTarget, pr -> {
                sourceReports.add(pr);
                if (pr.phase() == Progress.Phase.ITERATE && !dirtied[0]) { // the main thread, before the switchover
                    dirtied[0] = true;
                    Harness.rewritePages(guest, 1024, 17);
                }
            }));
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            while (in.destination.postcopy() == null || !in.destination.postcopy().switched()) {
                assertTrue(System.nanoTime() < deadline, "timed out waiting for the switchover");
                Thread.sleep(5);
            }
            var memory = (io.jmultifd.multifd.postcopy.FaultedMemory) in.destination.postcopy().memory();
            var block = in.destination.received().blocks().getFirst();
            int touched = 0;
            for (long page = block.pageCount() - 1; page >= 0 && touched < 3; page--) {
                if (memory.isPending(0, page)) {
                    memory.touch(block, page * block.pageSize()); // returns once the page is placed
                    touched++;
                }
            }
            assertEquals(3, touched, "pages still to come at the switchover");
            int faultsAt = destinationReports.size();
            MigrationResult result = sent.get(120, java.util.concurrent.TimeUnit.SECONDS);
            MigrationResult got = in.await();
            Harness.assertCompleted(result, "source");
            Harness.assertCompleted(got, "destination");

            for (List<Progress> reports : List.of(sourceReports, destinationReports)) {
                String side = reports == sourceReports ? "source" : "destination";
                long requests = 0;
                boolean switched = false;
                for (Progress r : reports) {
                    var json = io.jmultifd.cli.JsonReports.event(new com.fasterxml.jackson.databind.ObjectMapper()
                            .writeValueAsString(MigrationInfo.progress(r, side, 0, 1_700_000_000_000L, 4096)));
                    assertEquals(r.postcopy().switched(), json.get("jmultifd").has("postcopy"), json::toString);
                    switched |= r.postcopy().switched();
                    assertTrue(!switched || r.postcopy().switched(), side + ": the statistics stay once there");
                    assertTrue(r.postcopy().pageRequests() >= requests, side + ": requests never go down");
                    requests = r.postcopy().pageRequests();
                }
                Progress last = reports.getLast();
                assertEquals(Progress.Phase.COMPLETED, last.phase(), side);
                assertTrue(last.postcopy().pageRequests() >= 3, side + ": " + last.postcopy());
            }
            // the destination's reports after the faults: the verification's and the completion's at least
            List<Progress> after = destinationReports.subList(faultsAt, destinationReports.size());
            assertTrue(after.stream().filter(r -> r.postcopy().pageRequests() >= 3 && r.postcopy().faults() >= 3)
                    .map(Progress::phase).toList().containsAll(List.of(Progress.Phase.VERIFY, Progress.Phase.COMPLETED)),
                    after::toString);
            MigrationResult.Postcopy there = destinationReports.getLast().postcopy();
            assertTrue(there.requestLatencyP50Us() <= there.requestLatencyP99Us()
                    && there.requestLatencyP99Us() <= there.requestLatencyMaxUs(), there::toString);
            assertEquals(got.postcopy().pageRequests(), there.pageRequests());
            assertEquals(result.postcopy().pageRequests(), sourceReports.getLast().postcopy().pageRequests());
            if (preempt.equals("on")) { // every request goes on the preempt channel
                assertTrue(sourceReports.getLast().postcopy().preemptPages() >= 3, sourceReports.getLast()::toString);
            }
        }
        Harness.assertNoEngineThreads();
    }

    /**
     * Switches after the bulk round with 64 pages of ram0 written anew meanwhile (so they are discarded and go in the
     * background round), then {@code iterating}; {@code switching} runs on the source's main thread once its guest
     * is paused, as the switchover starts. No workload: nothing at the destination faults, every page comes on the
     * channels.
     */
    private static MigrationResult[] switchWithRewrittenPages(MigrationParameters p,
                                                              java.util.function.Consumer<GuestMemory> iterating,
                                                              java.util.function.Consumer<GuestMemory> switching)
            throws Exception {
        try (GuestMemory guest = Harness.mixedGuest(2 << 20, 1 << 20, 11);
             Harness.Incoming in = new Harness.Incoming(p, true, ProgressListener.NONE)) {
            guest.block("ram1").page(7).fill((byte) 1);
            MigrationSource source = new MigrationSource(guest, null, p);
            source.startPostcopy();
            int[] rewritten = {0};
            MigrationResult sent = source.migrate(in.sourceTarget, pr -> {
                if (pr.phase() == Progress.Phase.ITERATE && rewritten[0] == 0) {
                    rewritten[0] = Harness.rewritePages(guest, 64, 3);
                    iterating.accept(guest);
                } else if (pr.phase() == Progress.Phase.POSTCOPY_ACTIVE) {
                    switching.accept(guest);
                }
            });
            assertEquals(64, rewritten[0]);
            return new MigrationResult[] {sent, in.await()};
        }
    }

    private static void assertMismatch(MigrationResult r, String side, String named) {
        assertEquals(MigrationStatus.FAILED, r.status(), side + ": " + r.error());
        assertEquals(MigrationFailure.Cause.CHECKSUM_MISMATCH, r.failure().cause(), side + ": " + r.error());
        assertTrue(r.error().contains(named), side + ": " + r.error());
        assertEquals(Boolean.FALSE, r.checksumVerdict(), side);
        assertTrue(r.blockChecksums().isEmpty(), side + ": no block checksums for a failed migration");
    }

    @ParameterizedTest
    @ValueSource(strings = {"off", "on"})
    void aPageDamagedOnItsWayAfterTheSwitchoverFailsTheVerdict(String preempt) throws Exception {
        List<String> kv = new ArrayList<>(List.of("postcopy-ram", "on", "postcopy-preempt", preempt));
        DamagingMethod.Trigger trigger = DamagingMethod.trigger(kv);
        MigrationParameters p = FailureTest.params(kv.toArray(String[]::new));
        MigrationResult[] r = switchWithRewrittenPages(p, guest -> { }, guest -> trigger.arm());
        assertEquals(1, trigger.damaged.get(), "one packet of the background round damaged");
        assertTrue(r[0].postcopy().switched() && r[1].postcopy().switched());
        // The damaged page was placed with UFFDIO_COPY and recorded as placed: its block's digests differ.
        assertMismatch(r[1], "destination", "checksum mismatch: block ram0: source 0x");
        assertMismatch(r[0], "source", "checksum mismatch: block ram0: source 0x");
    }

    @Test
    void aSourcePageChangedBehindTheDirtyBitmapAfterTheSwitchoverIsNamed() throws Exception {
        MigrationParameters p = FailureTest.params("postcopy-ram", "on");
        // Paused, switching: a write the dirty bitmap does not see, so the page is not sent again.
        MigrationResult[] r = switchWithRewrittenPages(p, guest -> { },
                guest -> guest.block("ram1").memory().set(ValueLayout.JAVA_BYTE, 7 * 4096 + 9, (byte) 0x77));
        assertTrue(r[0].postcopy().switched() && r[1].postcopy().switched());
        String named = "source memory differs from the pages sent last: block ram1 page 7 (offset 0x7000): sent 0x";
        assertMismatch(r[0], "source", named);
        assertMismatch(r[1], "destination", named);
    }

    @Test
    void pagesHintedFreeAfterTheirLastRoundGoAsDataInPostcopyAndVerify() throws Exception {
        MigrationParameters p = FailureTest.params("postcopy-ram", "on", "free-page-hint", "on");
        boolean[] hinted = {false};
        // After the bulk round, 16 pages of ram1 that went as data are hinted free, so they are free and dirty at
        // the switchover. Postcopy sends them as data (it has no free ranges): the source's memory check must compare
        // their bytes with what was sent, not take them as the zeros a free range would have been.
        MigrationResult[] r = switchWithRewrittenPages(p,
                guest -> hinted[0] = guest.hints().hintFree("ram1", 32 * 4096, 16 * 4096), guest -> { });
        assertTrue(hinted[0], "the hint window is open until the switchover");
        Harness.assertCompleted(r[0], "source");
        Harness.assertCompleted(r[1], "destination");
    }

    @Test
    void withVerifyBlockingTheDestinationChecksItsMemoryOnceBeforeItsGuestRunsNotAgainAtTheHandover() throws Exception {
        MigrationParameters p = FailureTest.params("postcopy-ram", "on", "verify", "blocking");
        MigrationDestination[] dest = new MigrationDestination[1];
        List<Moment> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        EndClock clock = m -> {
            seen.add(m);
            if (m == Moment.DOWNTIME_END) {
                // RUNNING went out: the guest runs here and writes a page that was valid at the switchover.
                dest[0].received().block("ram1").memory().set(ValueLayout.JAVA_BYTE, 7 * 4096 + 9, (byte) 0x77);
            }
            return System.nanoTime();
        };
        java.util.concurrent.ExecutorService exec = java.util.concurrent.Executors.newSingleThreadExecutor();
        try (GuestMemory guest = Harness.mixedGuest(2 << 20, 1 << 20, 11);
             MigrationDestination d = new MigrationDestination(p, BlockFactory.ANONYMOUS, clock)) {
            dest[0] = d;
            guest.block("ram1").page(7).fill((byte) 1);
            var got = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> d.receive(Endpoint.tcp("127.0.0.1", 0), null), exec);
            MigrationSource source = new MigrationSource(guest, null, p);
            source.startPostcopy();
            int[] rewritten = {0};
            MigrationResult sent = source.migrate(Endpoint.tcp("127.0.0.1", d.awaitListening()), pr -> {
                if (pr.phase() == Progress.Phase.ITERATE && rewritten[0] == 0) {
                    rewritten[0] = Harness.rewritePages(guest, 64, 3);
                }
            });
            MigrationResult received = got.get(120, java.util.concurrent.TimeUnit.SECONDS);
            Harness.assertCompleted(sent, "source");
            Harness.assertCompleted(received, "destination");
            assertTrue(received.postcopy().switched());
            assertEquals(List.of(Moment.DOWNTIME_START,
                    Moment.MEMORY_CHECK_START,
                    Moment.MEMORY_CHECK_END,
                    Moment.DOWNTIME_END,
                    Moment.HANDED_OVER,
                    Moment.VERIFIED), seen);
        } finally {
            exec.shutdownNow();
        }
    }
}
