package io.jmultifd.multifd;

import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.postcopy.FaultedMemory;
import io.jmultifd.multifd.postcopy.UserfaultfdRequired;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Postcopy recovery: a relay between the two ends drops every connection in the middle of postcopy, after page
 * requests were served; both ends pause (postcopy-paused) instead of losing the guest, a page faulted meanwhile stays
 * requested, {@link MigrationSource#resume} reconnects through the relay, and the migration completes with every
 * page's digest matching and the destination's memory equal to the source's frozen memory (no workload runs there).
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")
class PostcopyRecoveryTest {
    private static final int DISCARDED = 1024;

    @BeforeAll
    static void userfaultfd() {
        UserfaultfdRequired.here();
    }

    @ParameterizedTest
    @ValueSource(strings = {"off", "on"})
    void aCutConnectionPausesBothEndsAndTheResumeCompletesWithEveryPage(String preempt) throws Exception {
        // 1 MB/s: the background stream of the discarded pages (4 MiB) lasts seconds, the cut falls inside it
        MigrationParameters p = FailureTest.params("postcopy-ram", "on", "postcopy-preempt", preempt,
                "max-bandwidth", "1M");
        PhaseLog dst = new PhaseLog();
        PhaseLog src = new PhaseLog();
        try (GuestMemory guest = Harness.mixedGuest(8 << 20, 1 << 20, 5);
             Harness.Incoming in = new Harness.Incoming(p, true, dst);
             TcpRelay relay = new TcpRelay(((Endpoint.Tcp) in.sourceTarget).port())) {
            MigrationSource source = new MigrationSource(guest, null, p);
            source.startPostcopy();
            boolean[] dirtied = {false};
            ProgressListener dirtyBeforeSwitch = pr -> {
                src.onProgress(pr);
                if (pr.phase() == Progress.Phase.ITERATE && !dirtied[0]) { // on the main thread, before the switchover
                    dirtied[0] = true;
                    Harness.rewritePages(guest, DISCARDED, 17);
                }
            };
            assertThrows(IllegalStateException.class, () -> source.resume(null), "nothing is paused yet");
            Thread migration = Thread.ofPlatform().start(() -> src.result = source.migrate(
                    Endpoint.tcp("127.0.0.1", relay.port()), dirtyBeforeSwitch));

            await(() -> in.destination.postcopy() != null && in.destination.postcopy().switched(), "the switchover");
            FaultedMemory memory = (FaultedMemory) in.destination.postcopy().memory();
            RamBlock block = in.destination.received().blocks().getFirst();
            List<Long> pending = pendingPages(memory, block);
            assertTrue(pending.size() > 8, "pages still to come: " + pending.size());
            for (int i = 0; i < 3; i++) { // served through page requests before the cut
                memory.touch(block, pending.get(pending.size() - 1 - i) * block.pageSize());
            }
            assertTrue(in.destination.postcopy().statistics().pageRequests() >= 1);

            relay.cut();
            assertTrue(src.paused.await(60, TimeUnit.SECONDS), "the source pauses: " + src.phases);
            assertTrue(dst.paused.await(60, TimeUnit.SECONDS), "the destination pauses: " + dst.phases);
            // A page faulted while paused: its thread waits, its request is kept for the resume.
            long waiting = pendingPages(memory, block).get(1);
            Thread faulting = Thread.ofPlatform().start(() -> memory.touch(block, waiting * block.pageSize()));
            await(() -> memory.outstandingRequests().stream().anyMatch(r -> r[1] == waiting * block.pageSize()),
                    "the request of the page faulted while paused");

            resumeWhilePaused(source, src, migration);
            assertFalse(migration.isAlive(), "the source finished");
            MigrationResult got = in.await();
            Harness.assertCompleted(src.result, "source");
            Harness.assertCompleted(got, "destination");
            faulting.join(TimeUnit.SECONDS.toMillis(30));
            assertFalse(faulting.isAlive(), "the thread that faulted while paused was woken");
            int perMigration = 1 + p.channels() + (preempt.equals("on") ? 1 : 0);
            assertTrue(relay.connections() >= 2 * perMigration, "every connection made again at the resume: "
                    + relay.connections());
            List<Progress.Phase> postcopy = src.postcopyPhases();
            assertEquals(List.of(Progress.Phase.POSTCOPY_ACTIVE, Progress.Phase.POSTCOPY_PAUSED), postcopy.subList(0, 2),
                    src.phases::toString);
            assertEquals(Progress.Phase.POSTCOPY_ACTIVE, postcopy.getLast(), src.phases::toString);
            assertTrue(dst.phases.contains(Progress.Phase.POSTCOPY_PAUSED), dst.phases::toString);
            Harness.assertSameMemory(guest, in.destination.received());
        }
        Harness.assertNoEngineThreads();
    }

    /**
     * The switchover's window: the main connection breaks after the destination has read the DISCARDs and before RUN
     * arrives (the relay withholds RUN and ends the stream there, then drops every connection). The destination had
     * begun the switchover, so it pauses like the source instead of failing (which left the source paused with its
     * guest paused, and nothing to resume). Its resume answer says that the guest never started there; the source
     * sends the switchover again and the migration completes with every page. Two pages that differ at the
     * destination while it is paused (as a page of the last precopy round the break left half written) are found by
     * the resume's page digests and sent again.
     */
    @ParameterizedTest
    @ValueSource(strings = {"off", "on"})
    void aBreakBetweenDiscardAndRunPausesBothEndsAndTheResumeSendsTheSwitchoverAgain(String preempt) throws Exception {
        MigrationParameters p = FailureTest.params("postcopy-ram", "on", "postcopy-preempt", preempt);
        PhaseLog dst = new PhaseLog();
        PhaseLog src = new PhaseLog();
        try (GuestMemory guest = Harness.mixedGuest(8 << 20, 1 << 20, 5);
             Harness.Incoming in = new Harness.Incoming(p, true, dst);
             TcpRelay relay = new TcpRelay(((Endpoint.Tcp) in.sourceTarget).port())) {
            BooleanSupplier destinationReacted = () -> dst.paused.getCount() == 0 || in.result.isDone();
            relay.cutAtPostcopyRun(() -> {
                try {
                    await(destinationReacted, "the destination to see the end of the main stream");
                } catch (InterruptedException | AssertionError e) {
                    // cut anyway; the assertions below say what happened
                }
            });
            MigrationSource source = new MigrationSource(guest, null, p);
            source.startPostcopy();
            ProgressListener dirtyBeforeSwitch = pr -> {
                if (pr.phase() == Progress.Phase.ITERATE && !src.phases.contains(Progress.Phase.ITERATE)) {
                    Harness.rewritePages(guest, DISCARDED, 17); // ram0's even pages: DISCARDs before RUN
                }
                src.onProgress(pr);
            };
            Thread migration = Thread.ofPlatform().start(() -> src.result = source.migrate(
                    Endpoint.tcp("127.0.0.1", relay.port()), dirtyBeforeSwitch));
            try {
                await(() -> src.paused.getCount() == 0 || !migration.isAlive(), "the source to pause or end");
                // (before the fix the destination failed, and the source failed on its farewell, its guest paused)
                assertEquals(0, src.paused.getCount(), () -> "the source pauses: " + src.phases);
                await(destinationReacted, "the destination to pause or end");
                assertFalse(in.result.isDone(), () -> "the destination ended instead of pausing: " + in.result.join());
                assertFalse(in.destination.postcopy().switched(), "RUN never arrived: the guest did not start there");
                GuestMemory there = in.destination.received();
                for (var page : List.of(new long[] {0, 1}, new long[] {1, 3})) { // pages no DISCARD names
                    MemorySegment m = there.blocks().get((int) page[0]).page(page[1]);
                    m.set(ValueLayout.JAVA_BYTE, 5, (byte) ~m.get(ValueLayout.JAVA_BYTE, 5));
                }
                resumeWhilePaused(source, src, migration);
                assertFalse(migration.isAlive(), "the source finished");
            } finally {
                source.cancel();
                migration.join(TimeUnit.SECONDS.toMillis(60));
            }
            MigrationResult got = in.await();
            Harness.assertCompleted(src.result, "source");
            Harness.assertCompleted(got, "destination");
            assertTrue(in.destination.postcopy().switched(), "the guest started there at the second RUN");
            assertTrue(src.result.postcopy().switched() && got.postcopy().switched());
            assertEquals(List.of(Progress.Phase.POSTCOPY_ACTIVE, Progress.Phase.POSTCOPY_PAUSED,
                    Progress.Phase.POSTCOPY_ACTIVE), src.postcopyPhases().subList(0, 3), src.phases::toString);
            assertTrue(dst.phases.contains(Progress.Phase.POSTCOPY_PAUSED), dst.phases::toString);
            Harness.assertSameMemory(guest, in.destination.received());
        }
        Harness.assertNoEngineThreads();
    }

    /**
     * A source that never comes back (its process died; here it is cancelled while paused): the destination does not
     * wait silently for ever: at postcopy-pause-timeout it fails and says the guest is lost.
     */
    @org.junit.jupiter.api.Test
    void withoutItsSourceThePausedDestinationGivesTheGuestUpAtThePauseTimeout() throws Exception {
        MigrationParameters p = FailureTest.params("postcopy-ram", "on", "max-bandwidth", "1M");
        PhaseLog dst = new PhaseLog();
        PhaseLog src = new PhaseLog();
        try (GuestMemory guest = Harness.mixedGuest(8 << 20, 1 << 20, 5);
             Harness.Incoming in = new Harness.Incoming(p.with("postcopy-pause-timeout", "1500"), true, dst);
             TcpRelay relay = new TcpRelay(((Endpoint.Tcp) in.sourceTarget).port())) {
            MigrationSource source = new MigrationSource(guest, null, p);
            source.startPostcopy();
            ProgressListener dirtyBeforeSwitch = pr -> {
                if (pr.phase() == Progress.Phase.ITERATE && !src.phases.contains(Progress.Phase.ITERATE)) {
                    Harness.rewritePages(guest, DISCARDED, 17);
                }
                src.onProgress(pr);
            };
            Thread migration = Thread.ofPlatform().start(() -> src.result = source.migrate(
                    Endpoint.tcp("127.0.0.1", relay.port()), dirtyBeforeSwitch));
            await(() -> in.destination.postcopy() != null && in.destination.postcopy().switched(), "the switchover");
            relay.cut();
            assertTrue(src.paused.await(60, TimeUnit.SECONDS), "the source pauses: " + src.phases);
            source.cancel(); // gone for good
            migration.join(TimeUnit.SECONDS.toMillis(60));
            assertEquals(MigrationStatus.CANCELLED, src.result.status());
            MigrationResult got = in.await();
            assertEquals(MigrationStatus.FAILED, got.status());
            String why = got.failure().message();
            assertTrue(why.contains("postcopy-paused for") && why.contains("postcopy-pause-timeout 1500 ms")
                    && why.contains("it is lost"), why);
        }
        Harness.assertNoEngineThreads();
    }

    /**
     * After the handover (the blocks' digests matched, every page is at the destination) there is nothing to recover: a
     * connection that breaks during the memory checks that follow ends both sides, neither pauses.
     */
    @org.junit.jupiter.api.Test
    void aConnectionBrokenAfterTheHandoverEndsBothSidesWithoutAPause() throws Exception {
        // A pause would end at postcopy-pause-timeout, so a side that wrongly paused still returns (and says so).
        MigrationParameters p = FailureTest.params("postcopy-ram", "on", "postcopy-pause-timeout", "5000");
        PhaseLog dst = new PhaseLog();
        PhaseLog src = new PhaseLog();
        try (GuestMemory guest = Harness.mixedGuest(8 << 20, 1 << 20, 5);
             Harness.Incoming in = new Harness.Incoming(p, true, dst);
             TcpRelay relay = new TcpRelay(((Endpoint.Tcp) in.sourceTarget).port())) {
            // The source's memory check starts once the matching verdict arrived: the cut falls after the handover.
            MigrationSource source = new MigrationSource(guest, null, p, moment -> {
                if (moment == io.jmultifd.multifd.verify.EndClock.Moment.MEMORY_CHECK_START) {
                    relay.cut();
                }
                return System.nanoTime();
            });
            source.startPostcopy();
            ProgressListener dirtyBeforeSwitch = pr -> {
                if (pr.phase() == Progress.Phase.ITERATE && !src.phases.contains(Progress.Phase.ITERATE)) {
                    Harness.rewritePages(guest, DISCARDED, 17);
                }
                src.onProgress(pr);
            };
            MigrationResult sent = source.migrate(Endpoint.tcp("127.0.0.1", relay.port()), dirtyBeforeSwitch);
            MigrationResult got = in.await();
            assertTrue(src.phases.contains(Progress.Phase.POSTCOPY_ACTIVE), src.phases::toString);
            // The destination never gets the source's memory check; the source may have read the destination's
            // before the cut (then its own went into a socket already closed): completed or failed, never paused.
            assertEquals(MigrationStatus.FAILED, got.status(), got::toString);
            assertEquals(MigrationFailure.Cause.CONNECTION, got.failure().cause(), got.failure().message());
            assertTrue(sent.completed() || sent.failure().cause() == MigrationFailure.Cause.CONNECTION, sent::toString);
            assertFalse(src.phases.contains(Progress.Phase.POSTCOPY_PAUSED), src.phases::toString);
            assertFalse(dst.phases.contains(Progress.Phase.POSTCOPY_PAUSED), dst.phases::toString);
        }
        Harness.assertNoEngineThreads();
    }

    private static List<Long> pendingPages(FaultedMemory memory, RamBlock block) {
        List<Long> pages = new ArrayList<>();
        for (long page = 0; page < block.pageCount(); page++) {
            if (memory.isPending(0, page)) {
                pages.add(page);
            }
        }
        return pages;
    }

    /**
     * As the CLI does: resumes the source whenever it is paused (an attempt before the destination listens again
     * pauses anew) until the migration ends, two minutes at most.
     */
    private static void resumeWhilePaused(MigrationSource source, PhaseLog src, Thread migration)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (migration.isAlive() && System.nanoTime() < deadline) {
            if (src.phases.getLast() == Progress.Phase.POSTCOPY_PAUSED) {
                try {
                    source.resume(null);
                } catch (IllegalStateException e) {
                    // reconnecting already
                }
            }
            migration.join(100);
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(5);
        }
    }

    /** The phases one end reported; {@link #paused} opens at the first postcopy-paused. */
    private static final class PhaseLog implements ProgressListener {
        final List<Progress.Phase> phases = new CopyOnWriteArrayList<>();
        final CountDownLatch paused = new CountDownLatch(1);
        volatile MigrationResult result;

        @Override
        public void onProgress(Progress p) {
            if (phases.isEmpty() || phases.getLast() != p.phase()) {
                phases.add(p.phase());
            }
            if (p.phase() == Progress.Phase.POSTCOPY_PAUSED) {
                paused.countDown();
            }
        }

        List<Progress.Phase> postcopyPhases() {
            return phases.stream().filter(ph -> ph == Progress.Phase.POSTCOPY_ACTIVE
                    || ph == Progress.Phase.POSTCOPY_PAUSED).toList();
        }
    }
}
