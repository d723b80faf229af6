package io.jmultifd.multifd;

import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.Workload;
import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.CompressionMethods;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whole migrations with a live workload, checked by checksums and byte for byte. */
class EndToEndTest {

    /**
     * The fault-injecting method is meant to fail, and the redirtying one never to converge unthrottled; each has
     * its own test.
     */
    static boolean healthy(CompressionMethod m) {
        return !m.name().equals(FaultyXorMethod.NAME) && !m.name().equals(RedirtyingMethod.NAME)
                && !m.name().equals(StallingMethod.NAME);
    }

    static Stream<Arguments> matrix() {
        List<Arguments> out = new ArrayList<>();
        for (CompressionMethod m : CompressionMethods.all()) {
            if (!healthy(m)) {
                continue;
            }
            for (String zero : List.of("none", "legacy", "multifd")) {
                for (int channels : List.of(1, 2, 4)) {
                    // `none` runs over both transports; other methods over the in-process one (same code path).
                    out.add(Arguments.of(m.name(), zero, channels, false));
                    if (m.name().equals("none")) {
                        out.add(Arguments.of(m.name(), zero, channels, true));
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} zero-page={1} channels={2} tcp={3}")
    @MethodSource("matrix")
    void migratesWithLiveWorkload(String method, String zero, int channels, boolean tcp) throws Exception {
        MigrationParameters p = MigrationParameters.from(Map.of(
                "multifd-compression", method, "multifd-zero-page", zero,
                "multifd-channels", Integer.toString(channels), "packet-pages", "64",
                "downtime-limit", "20"));
        try (GuestMemory guest = Harness.mixedGuest(6 << 20, 2 << 20, 42);
             Workload workload = Harness.startWorkload(guest, 40, 7);
             Harness.Incoming in = new Harness.Incoming(p, tcp)) {
            MigrationSource source = new MigrationSource(guest, workload, p);
            int[] writtenAfterBulk = {0};
            // Runs on the source's main thread once the bulk round is sent: the guest writes 64 pages anew through
            // the write API, so later rounds must resend them, however the workload's thread is scheduled (a
            // loaded 2-core box may not run it at all before a small migration ends).
            MigrationResult sent = source.migrate(in.sourceTarget, progress -> {
                if (progress.phase() == Progress.Phase.ITERATE && writtenAfterBulk[0] == 0) {
                    writtenAfterBulk[0] = Harness.rewritePages(guest, 64, channels);
                }
            });
            MigrationResult got = in.await();
            Harness.assertCompleted(sent, "source");
            Harness.assertCompleted(got, "destination");
            assertTrue(workload.isPaused(), "a completed migration leaves the workload paused");
            assertEquals(64, writtenAfterBulk[0], "the guest changed after the bulk round");
            assertTrue(sent.ram().normalPages() + sent.ram().zeroPages() >= guest.totalPages() + 64,
                    "the pages written after the bulk round were sent again: " + sent.toMap());
            Harness.assertSameMemory(guest, in.destination.received());
            assertEquals(method, sent.multifd().method());
            assertEquals(channels, sent.multifd().channels());
            assertTrue(sent.ram().dirtySyncCount() >= 2, "bulk + stop-and-copy at least");
            assertEquals(sent.ram().normalPages(), got.ram().normalPages());
            assertEquals(sent.ram().zeroPages(), got.ram().zeroPages());
            if (zero.equals("none")) {
                assertEquals(0, sent.ram().zeroPages());
            } else {
                assertTrue(sent.ram().zeroPages() > 0, "the guest has zero pages");
            }
            if (method.equals("none")) {
                assertTrue(sent.ram().transferredBytes() > guest.totalBytes() / 2, "raw pages travel in full");
            }
        }
        Harness.assertNoEngineThreads();
    }

    @org.junit.jupiter.api.Test
    void preallocatedDestinationReceivesTheGuest() throws Exception {
        MigrationParameters p = MigrationParameters.from(Map.of("multifd-compression", "none", "prealloc", "true"));
        try (GuestMemory guest = Harness.mixedGuest(2 << 20, 1 << 20, 9);
             Harness.Incoming in = new Harness.Incoming(p, true)) {
            MigrationResult sent = new MigrationSource(guest, null, p).migrate(in.sourceTarget, null);
            Harness.assertCompleted(sent, "source");
            Harness.assertCompleted(in.await(), "destination");
            Harness.assertSameMemory(guest, in.destination.received());
        }
    }

    @org.junit.jupiter.api.Test
    void resultReportsStatisticsInOrder() throws Exception {
        MigrationParameters p = MigrationParameters.from(Map.of("multifd-compression", XorMethod.NAME, "multifd-channels", "3"));
        try (GuestMemory guest = Harness.mixedGuest(2 << 20, 1 << 20, 5);
             Harness.Incoming in = new Harness.Incoming(p, false)) {
            MigrationResult sent = new MigrationSource(guest, null, p).migrate(in.sourceTarget, null);
            MigrationResult got = in.await();
            Harness.assertCompleted(sent, "source");
            Harness.assertCompleted(got, "destination");
            for (MigrationResult side : List.of(sent, got)) {
                Map<String, Object> report = side.toMap();
                io.jmultifd.cli.JsonReports.result(report);
                assertEquals(List.of("status", "total-time", "setup-time", "downtime", "ram", "compression", "jmultifd"),
                        List.copyOf(report.keySet()));
                assertEquals("completed", report.get("status"));
                assertEquals(List.of("transferred", "remaining", "total", "duplicate", "normal", "normal-bytes", "mbps",
                        "pages-per-second", "dirty-sync-count", "dirty-pages-rate", "page-size"),
                        List.copyOf(((Map<?, ?>) report.get("ram")).keySet()));
                assertEquals(guest.totalBytes(), ((Map<?, ?>) report.get("ram")).get("total"));
                assertEquals(Boolean.TRUE, ((Map<?, ?>) report.get("jmultifd")).get("checksum-match"));
                assertEquals(List.of("channels", "cpu-time", "process-cpu-time", "verify-time", "downtime-exceeded",
                        "checksum-match", "free-pages-skipped", "free-page-hints", "free-page-hints-invalidated", "huge-pages",
                        "page-faults", "method-statistics"),
                        List.copyOf(((Map<?, ?>) report.get("jmultifd")).keySet()));
            }
            assertEquals(guest.totalPages(), sent.ram().normalPages() + sent.ram().zeroPages(), "no workload: every page once");
            assertEquals(Map.of("pages_xor", sent.ram().normalPages()), sent.multifd().methodStatistics(), "summed over channels");
            assertEquals(Map.of("pages_xor", got.ram().normalPages()), got.multifd().methodStatistics());
            assertEquals(sent.ram().normalPages() * (4096 + 4), sent.multifd().compressedBytes());
            assertTrue(sent.ram().transferredBytes() > sent.multifd().compressedBytes());
            assertTrue(sent.times().cpuMs() >= 0 && sent.times().totalMs() >= sent.times().downtimeMs());
            assertEquals(3, sent.multifd().channels());
        }
    }

    @org.junit.jupiter.api.Test
    void receivesIntoFileMappedBlocks(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        MigrationParameters p = MigrationParameters.defaults();
        try (GuestMemory guest = Harness.mixedGuest(1 << 20, 1 << 20, 6);
             MigrationDestination d = new MigrationDestination(p,
                     (name, size, pageSize) -> io.jmultifd.multifd.guest.RamBlock.mapFile(name, dir.resolve(name + ".img"), size, pageSize))) {
            Endpoint e = Endpoint.inProcess(Harness.uniqueName("file"));
            var got = java.util.concurrent.CompletableFuture.supplyAsync(() -> d.receive(e, null));
            d.awaitListening();
            Harness.assertCompleted(new MigrationSource(guest, null, p).migrate(e, null), "source");
            Harness.assertCompleted(got.get(), "destination");
            Harness.assertSameMemory(guest, d.received());
            byte[] image = java.nio.file.Files.readAllBytes(dir.resolve("ram1.img"));
            org.junit.jupiter.api.Assertions.assertArrayEquals(
                    guest.block("ram1").memory().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), image);
        }
    }
}
