package io.jmultifd.multifd;

import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.guest.Workload;
import io.jmultifd.multifd.verify.EndClock;
import io.jmultifd.multifd.verify.EndClock.Moment;
import io.jmultifd.multifd.verify.VerifyMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongUnaryOperator;

import static io.jmultifd.multifd.verify.EndClock.Moment.DOWNTIME_END;
import static io.jmultifd.multifd.verify.EndClock.Moment.DOWNTIME_START;
import static io.jmultifd.multifd.verify.EndClock.Moment.MEMORY_CHECK_END;
import static io.jmultifd.multifd.verify.EndClock.Moment.MEMORY_CHECK_START;
import static io.jmultifd.multifd.verify.EndClock.Moment.VERIFIED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The end of a migration: the verdict on the blocks' digests is the handover, each side's memory check runs after
 * it (verify=inline) or before it (verify=blocking), a page that differs is found and named in both modes, and a
 * downtime over downtime-limit is reported. Each side gets a clock that records the moments it reads, and may act at
 * one or shift the time it returns; no assertion depends on how long anything takes.
 */
class VerificationTest {
    private static final long PAGE = 4096;

    /** Records the moments one side reads, in order; {@code at} acts at a moment; {@code time} maps the time read. */
    static final class Moments implements EndClock {
        final List<Moment> seen = new CopyOnWriteArrayList<>();
        volatile Consumer<Moment> at = m -> { };
        volatile LongUnaryOperator time = LongUnaryOperator.identity();
        private final Moment shifted;

        Moments() {
            this(null);
        }

        /** {@code time} applies at {@code shifted} only. */
        Moments(Moment shifted) {
            this.shifted = shifted;
        }

        @Override
        public long nanos(Moment m) {
            seen.add(m);
            at.accept(m);
            long now = System.nanoTime();
            return shifted == null || m == shifted ? time.applyAsLong(now) : now;
        }
    }

    /** Both results of one migration between a source and a destination that read their own clocks. */
    record Outcome(MigrationResult source, MigrationResult destination) {}

    private static MigrationParameters params(VerifyMode mode, String... more) {
        MigrationParameters p = MigrationParameters.from(Map.of("verify", mode.parameterValue(), "multifd-channels", "2",
                "packet-pages", "64", "peer-timeout", "60000"));
        return more.length == 0 ? p : p.with(more);
    }

    /**
     * @param created sees the destination before it listens (to reach its received guest from its clock)
     */
    private static Outcome migrate(GuestMemory guest, Workload workload, MigrationParameters p, EndClock sourceClock,
                                   EndClock destinationClock, Consumer<MigrationDestination> created,
                                   ProgressListener progress) throws Exception {
        ExecutorService exec = Executors.newSingleThreadExecutor();
        try (MigrationDestination d = new MigrationDestination(p, BlockFactory.ANONYMOUS, destinationClock)) {
            created.accept(d);
            Endpoint at = Endpoint.inProcess(Harness.uniqueName("verify"));
            CompletableFuture<MigrationResult> got = CompletableFuture.supplyAsync(() -> d.receive(at, null), exec);
            d.awaitListening();
            MigrationResult sent = new MigrationSource(guest, workload, p, sourceClock).migrate(at, progress);
            MigrationResult received = got.get(120, TimeUnit.SECONDS);
            io.jmultifd.cli.JsonReports.result(sent.toMap());
            io.jmultifd.cli.JsonReports.result(received.toMap());
            if (received.completed()) {
                Harness.assertSameMemory(guest, d.received());
            }
            return new Outcome(sent, received);
        } finally {
            exec.shutdownNow();
        }
    }

    private static Outcome migrate(GuestMemory guest, MigrationParameters p, EndClock sourceClock,
                                   EndClock destinationClock, Consumer<MigrationDestination> created) throws Exception {
        return migrate(guest, null, p, sourceClock, destinationClock, created, null);
    }

    @ParameterizedTest
    @EnumSource(VerifyMode.class)
    void theMemoryCheckRunsAfterTheHandoverUnlessBlocking(VerifyMode mode) throws Exception {
        Moments source = new Moments();
        Moments destination = new Moments();
        try (GuestMemory guest = Harness.mixedGuest(4 << 20, 1 << 20, 3)) {
            Outcome o = migrate(guest, params(mode), source, destination, d -> { });
            Harness.assertCompleted(o.source(), "source");
            Harness.assertCompleted(o.destination(), "destination");
        }
        List<Moment> expected = mode == VerifyMode.INLINE
                ? List.of(DOWNTIME_START, DOWNTIME_END, MEMORY_CHECK_START, MEMORY_CHECK_END, VERIFIED)
                : List.of(DOWNTIME_START, MEMORY_CHECK_START, MEMORY_CHECK_END, DOWNTIME_END, VERIFIED);
        assertEquals(expected, source.seen, "source");
        assertEquals(expected, destination.seen, "destination");
    }

    @ParameterizedTest
    @EnumSource(VerifyMode.class)
    void aPageChangedOnTheDestinationAfterItWasPlacedIsNamed(VerifyMode mode) throws Exception {
        Moments destination = new Moments();
        MigrationDestination[] dest = new MigrationDestination[1];
        destination.at = m -> {
            if (m == MEMORY_CHECK_START) { // every page is placed: something overwrites page 5 of ram0
                dest[0].received().block("ram0").memory().set(ValueLayout.JAVA_BYTE, 5 * PAGE + 100, (byte) 0x5A);
            }
        };
        try (GuestMemory guest = Harness.mixedGuest(1 << 20, 1 << 20, 8)) {
            guest.block("ram0").page(5).fill((byte) 1); // so that the byte written there differs
            Outcome o = migrate(guest, params(mode), new Moments(), destination, d -> dest[0] = d);
            String named = "destination memory differs from the pages placed: block ram0 page 5 (offset 0x5000): placed 0x";
            assertMismatch(o.destination(), named);
            assertMismatch(o.source(), named);
        }
    }

    @ParameterizedTest
    @EnumSource(VerifyMode.class)
    void aPageChangedOnTheSourceBehindTheDirtyBitmapIsNamed(VerifyMode mode) throws Exception {
        Moments source = new Moments();
        GuestMemory[] g = new GuestMemory[1];
        source.at = m -> {
            if (m == DOWNTIME_START) { // paused, before the last round: a write the dirty bitmap does not see
                g[0].block("ram1").memory().set(ValueLayout.JAVA_BYTE, 7 * PAGE, (byte) 0x77);
            }
        };
        try (GuestMemory guest = Harness.mixedGuest(1 << 20, 1 << 20, 9)) {
            g[0] = guest;
            guest.block("ram1").page(7).fill((byte) 1);
            Outcome o = migrate(guest, params(mode), source, new Moments(), d -> { });
            String named = "source memory differs from the pages sent last: block ram1 page 7 (offset 0x7000): sent 0x";
            assertMismatch(o.source(), named);
            assertMismatch(o.destination(), named);
        }
    }

    private static void assertMismatch(MigrationResult r, String named) {
        assertEquals(MigrationStatus.FAILED, r.status(), String.valueOf(r.error()));
        assertEquals(MigrationFailure.Cause.CHECKSUM_MISMATCH, r.failure().cause(), r.error());
        assertTrue(r.error().contains(named), r.error());
        assertEquals(Boolean.FALSE, r.checksumVerdict());
        assertTrue(r.blockChecksums().isEmpty(), "no block checksums for a failed migration");
    }

    @ParameterizedTest
    @EnumSource(VerifyMode.class)
    void pagesSentAgainWithALiveWorkloadVerify(VerifyMode mode) throws Exception {
        MigrationParameters p = params(mode, "downtime-limit", "20");
        try (GuestMemory guest = Harness.mixedGuest(6 << 20, 2 << 20, 42);
             Workload workload = Harness.startWorkload(guest, 40, 7)) {
            int[] writtenAfterBulk = {0};
            // As EndToEndTest: 64 pages written anew once the bulk round is sent, so later rounds send them again.
            Outcome o = migrate(guest, workload, p, new Moments(), new Moments(), d -> { }, progress -> {
                if (progress.phase() == Progress.Phase.ITERATE && writtenAfterBulk[0] == 0) {
                    writtenAfterBulk[0] = Harness.rewritePages(guest, 64, 5);
                }
            });
            Harness.assertCompleted(o.source(), "source");
            Harness.assertCompleted(o.destination(), "destination");
            assertEquals(64, writtenAfterBulk[0]);
            MigrationResult.Ram ram = o.source().ram();
            assertTrue(ram.normalPages() + ram.zeroPages() >= guest.totalPages() + 64, "pages sent again: " + ram);
        }
    }

    /** The CRC32C of each block's memory, read here: what a full pass over the guest would give. */
    private static Map<String, Long> crc32cOfEachBlock(GuestMemory guest) {
        Map<String, Long> m = new java.util.LinkedHashMap<>();
        for (RamBlock b : guest.blocks()) {
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(b.memory().asByteBuffer());
            m.put(b.name(), crc.getValue());
        }
        return m;
    }

    @ParameterizedTest
    @EnumSource(VerifyMode.class)
    void aCompletedMigrationReportsEachBlocksCrc32cFromItsDigestsOnBothEnds(VerifyMode mode) throws Exception {
        try (GuestMemory guest = Harness.mixedGuest(3 << 20, 1 << 20, 12);
             Workload workload = Harness.startWorkload(guest, 20, 3)) {
            MigrationDestination[] dest = new MigrationDestination[1];
            var received = new java.util.concurrent.atomic.AtomicReference<Map<String, Long>>();
            Moments destination = new Moments();
            destination.at = m -> {
                if (m == VERIFIED) { // the destination's memory, before the destination is closed
                    received.set(crc32cOfEachBlock(dest[0].received()));
                }
            };
            Outcome o = migrate(guest, workload, params(mode), new Moments(), destination, d -> dest[0] = d, null);
            Harness.assertCompleted(o.source(), "source");
            Harness.assertCompleted(o.destination(), "destination");
            Map<String, Long> expected = crc32cOfEachBlock(guest); // paused after COMPLETED: the migrated contents
            assertEquals(expected, o.source().blockChecksums(), "source");
            assertEquals(expected, o.destination().blockChecksums(), "destination");
            assertEquals(expected, received.get(), "the destination's memory");
        }
    }

    @Test
    void aDowntimeOverTheLimitIsReportedAndTheMigrationStillCompletes() throws Exception {
        // The handover reads a clock 10 s ahead on both sides: a downtime of 10 s against downtime-limit 300 ms.
        Moments source = new Moments(DOWNTIME_END);
        Moments destination = new Moments(DOWNTIME_END);
        source.time = now -> now + TimeUnit.SECONDS.toNanos(10);
        destination.time = source.time;
        try (GuestMemory guest = Harness.mixedGuest(1 << 20, 1 << 20, 4)) {
            Outcome o = migrate(guest, params(VerifyMode.INLINE, "downtime-limit", "300"), source, destination, d -> { });
            for (MigrationResult r : List.of(o.source(), o.destination())) {
                Harness.assertCompleted(r, "side");
                assertTrue(r.times().downtimeMs() >= 10_000, r.times().toString());
                assertTrue(r.times().downtimeExceeded());
                assertEquals(Boolean.TRUE, ((Map<?, ?>) r.toMap().get("jmultifd")).get("downtime-exceeded"));
            }
        }
    }

    @Test
    void aDowntimeWithinTheLimitIsNotReportedAsExceeded() throws Exception {
        // Every moment reads the same time: a downtime of 0 ms.
        Moments source = new Moments();
        Moments destination = new Moments();
        source.time = now -> 1_000_000_000L;
        destination.time = source.time;
        try (GuestMemory guest = Harness.mixedGuest(1 << 20, 1 << 20, 4)) {
            Outcome o = migrate(guest, params(VerifyMode.INLINE, "downtime-limit", "0"), source, destination, d -> { });
            for (MigrationResult r : List.of(o.source(), o.destination())) {
                Harness.assertCompleted(r, "side");
                assertEquals(0, r.times().downtimeMs());
                assertFalse(r.times().downtimeExceeded());
                assertEquals(Boolean.FALSE, ((Map<?, ?>) r.toMap().get("jmultifd")).get("downtime-exceeded"));
            }
        }
    }
}
