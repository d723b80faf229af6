package io.jmultifd.multifd;

import com.fasterxml.jackson.databind.JsonNode;
import io.jmultifd.cli.JsonReports;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.guest.Workload;
import io.jmultifd.multifd.snapshot.SnapshotReader;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Save to a {@code file:} endpoint and restore from it: paused and live, every layout, with and without O_DIRECT. */
class SnapshotFileTest {
    @TempDir
    Path dir;

    static MigrationParameters params(String... more) {
        return MigrationParameters.defaults().with("mapped-ram", "on", "setup-timeout", "5000").with(more);
    }

    /** Restores {@code file} and returns the restored blocks' checksums (the destination is closed after). */
    static Map<String, Long> restore(Path file, MigrationParameters p) {
        try (MigrationDestination d = new MigrationDestination(p)) {
            MigrationResult r = d.receive(Endpoint.file(file), null);
            assertTrue(r.completed(), "restore: " + r.error());
            JsonNode report = JsonReports.result(r.toMap());
            assertEquals(d.received().totalBytes(), report.get("ram").get("total").asLong());
            assertEquals(r.ram().transferredBytes(), report.get("ram").get("transferred").asLong());
            return d.received().checksums();
        }
    }

    @ParameterizedTest(name = "{0}, {1} channels, direct-io {2}")
    @CsvSource({"none,1,off", "none,2,on", "none,4,off", "none,4,on", "qpl,2,off", "qpl,4,on", "zlib,2,off",
            "zstd,3,on"})
    void pausedGuestRoundTrips(String method, int channels, String directIo) throws Exception {
        Path file = dir.resolve("guest.snap");
        MigrationParameters p = params("multifd-compression", method, "multifd-channels", "" + channels,
                "direct-io", directIo);
        try (GuestMemory guest = Harness.mixedGuest(3 << 20, (1 << 20) + 4096 * 5, 7)) {
            MigrationResult saved = new MigrationSource(guest, null, p).migrate(Endpoint.file(file), null);
            assertTrue(saved.completed(), "save: " + saved.error());
            JsonNode report = JsonReports.result(saved.toMap());
            assertEquals("completed", report.get("status").asText());
            long written = report.get("ram").get("transferred").asLong();
            assertTrue(written > 0 && written <= Files.size(file), "bytes written into the (sparse) file: " + written);
            assertFalse(Files.exists(dir.resolve("guest.snap.partial")), "the temporary name is gone");
            // The restore reads every parameter it needs from the file: its own channels may differ.
            assertEquals(guest.checksums(), restore(file, params("multifd-channels", "" + (5 - channels),
                    "direct-io", directIo)));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"none", "qpl"})
    void liveGuestRewritesDirtiedPagesAndRestoresWhatWasPaused(String method) throws Exception {
        Path file = dir.resolve("live.snap");
        MigrationParameters p = params("multifd-compression", method, "downtime-limit", "50",
                "convergence-timeout", "60000", "force-converge", "true");
        try (GuestMemory guest = Harness.mixedGuest(8 << 20, 1 << 20, 3);
             Workload workload = new Workload(guest, 20, 11)) {
            workload.start();
            MigrationResult saved = new MigrationSource(guest, workload, p).migrate(Endpoint.file(file), null);
            assertTrue(saved.completed(), "save: " + saved.error());
            assertTrue(workload.isPaused(), "the guest stays paused: the snapshot holds it as it is now");
            assertTrue(saved.ram().dirtySyncCount() >= 1, "rounds " + saved.ram().dirtySyncCount());
            if (method.equals("none")) {
                // pages rewritten in place: the file never grows past its layout
                try (SnapshotReader r = SnapshotReader.open(file, false)) {
                    assertEquals(r.header().dataOffset(), Files.size(file));
                }
            }
            assertEquals(guest.checksums(), restore(file, params()));
        }
    }

    @Test
    void zeroPagesAreHolesAndCompressedFilesAreSmaller() throws Exception {
        try (GuestMemory guest = GuestMemory.of(RamBlock.anonymous("ram", 16 << 20, 4096))) {
            for (long p = 0; p < guest.blocks().getFirst().pageCount(); p += 64) {
                guest.blocks().getFirst().page(p).fill((byte) 'x'); // 1 page in 64 written, 64 KiB of 16 MiB
            }
            Path raw = dir.resolve("raw.snap");
            Path packed = dir.resolve("packed.snap");
            assertTrue(new MigrationSource(guest, null, params()).migrate(Endpoint.file(raw), null).completed());
            assertTrue(new MigrationSource(guest, null, params("multifd-compression", "zstd"))
                    .migrate(Endpoint.file(packed), null).completed());
            long rawAllocated = allocatedBytes(raw);
            assertTrue(rawAllocated < (4 << 20), "a sparse file: " + rawAllocated + " bytes allocated of "
                    + Files.size(raw));
            assertTrue(Files.size(packed) < Files.size(raw) / 4, "compressed " + Files.size(packed) + " vs "
                    + Files.size(raw));
            assertEquals(guest.checksums(), restore(raw, params()));
            assertEquals(guest.checksums(), restore(packed, params()));
        }
    }

    static long allocatedBytes(Path file) throws Exception {
        Process p = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).redirectErrorStream(true).start();
        String[] out = new String(p.getInputStream().readAllBytes()).strip().split(" ");
        assertEquals(0, p.waitFor(), String.join(" ", out));
        return Long.parseLong(out[0]) * Long.parseLong(out[1]);
    }

    /**
     * With O_DIRECT the restore reads through short runs of pages not stored; whatever the file holds there (a hole,
     * zeros the save wrote along, an older round's copy of a page that is zero now) never reaches the guest.
     */
    @ParameterizedTest(name = "direct-io {0}")
    @CsvSource({"on", "off"})
    void pagesNotStoredRestoreAsZeroWhateverTheFileHoldsThere(String directIo) throws Exception {
        Path file = dir.resolve("stale.snap");
        try (GuestMemory guest = GuestMemory.of(RamBlock.anonymous("ram", 1 << 20, 4096))) {
            RamBlock b = guest.blocks().getFirst();
            for (long p = 0; p < b.pageCount(); p++) {
                if (p % 4 != 1) {
                    b.page(p).fill((byte) (p | 1)); // page 1, 5, 9, ...: zero pages between stored ones
                }
            }
            assertTrue(new MigrationSource(guest, null, params("direct-io", directIo)).migrate(Endpoint.file(file), null)
                    .completed());
            long pagesOffset;
            try (SnapshotReader r = SnapshotReader.open(file, false)) {
                assertFalse(r.table(0).stored(5));
                pagesOffset = r.header().blocks().getFirst().pagesOffset();
            }
            try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "rw")) {
                f.seek(pagesOffset + 5 * 4096L);
                f.write(new byte[4096 / 2 + 7]); // zeros first: then bytes that are not
                f.write("an older round's copy".getBytes());
            }
            assertEquals(guest.checksums(), restore(file, params("direct-io", directIo)));
        }
    }

    @Test
    void fileEndpointsNeedMappedRamAndMappedRamNeedsAFile() {
        try (GuestMemory guest = Harness.mixedGuest(1 << 20, 1 << 20, 1)) {
            IllegalArgumentException off = assertThrows(IllegalArgumentException.class, () ->
                    new MigrationSource(guest, null, MigrationParameters.defaults())
                            .migrate(Endpoint.file(dir.resolve("x")), null));
            assertTrue(off.getMessage().contains("mapped-ram=on"), off.getMessage());
            IllegalArgumentException tcp = assertThrows(IllegalArgumentException.class, () ->
                    new MigrationSource(guest, null, params()).migrate(Endpoint.tcp("127.0.0.1", 1), null));
            assertTrue(tcp.getMessage().contains("needs a file:PATH endpoint"), tcp.getMessage());
            assertFalse(Files.exists(dir.resolve("x")));
        }
        try (MigrationDestination d = new MigrationDestination(MigrationParameters.defaults())) {
            assertThrows(IllegalArgumentException.class, () -> d.receive(Endpoint.file(dir.resolve("x")), null));
        }
    }

    @Test
    void aRestoreGivenAnotherMethodOrPageSizeThanTheFileIsRefusedAndOneLeftUnsetTakesTheFiles() throws Exception {
        Path file = dir.resolve("zstd.snap");
        try (GuestMemory guest = Harness.mixedGuest(1 << 20, 1 << 20, 4)) {
            assertTrue(new MigrationSource(guest, null, params("multifd-compression", "zstd"))
                    .migrate(Endpoint.file(file), null).completed());
            for (String[] given : new String[][] {{"multifd-compression", "qpl", "zstd"}, {"page-size", "8192", "4096"}}) {
                try (MigrationDestination d = new MigrationDestination(params(given[0], given[1]))) {
                    MigrationResult r = d.receive(Endpoint.file(file), null);
                    assertFalse(r.completed());
                    assertEquals(MigrationFailure.Cause.REFUSED, r.failure().cause(), r.error());
                    assertTrue(r.error().contains(given[0] + " mismatch: file:" + file + " was saved with " + given[0]
                            + "=" + given[2] + ", the restore was given " + given[0] + "=" + given[1]), r.error());
                    assertEquals(null, d.received(), "nothing restored");
                }
            }
            assertEquals(guest.checksums(), restore(file, params("multifd-compression", "zstd", "page-size", "4096")));
            assertEquals(guest.checksums(), restore(file, params()));
        }
    }

    @Test
    void aSaveWhoseChannelHangsFailsAsStalledAfterPeerTimeoutAndKeepsWhatWasThere() throws Exception {
        Path file = dir.resolve("stall.snap");
        Files.writeString(file, "an older snapshot");
        try (GuestMemory guest = Harness.mixedGuest(1 << 20, 1 << 20, 2)) {
            // a hang guard only (without the watchdog the save never returned): the assertion is the cause
            MigrationResult r = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> new MigrationSource(guest, null,
                    params("multifd-compression", StallingMethod.NAME, "peer-timeout", "300"))
                    .migrate(Endpoint.file(file), null));
            assertFalse(r.completed());
            assertEquals(MigrationFailure.Cause.STALLED, r.failure().cause(), r.error());
            assertTrue(r.error().startsWith("saving to file:" + file + " stalled: no batch of pages written on any "
                    + "channel"), r.error());
            assertTrue(r.error().endsWith("(peer-timeout 300 ms)"), r.error());
        }
        assertEquals("an older snapshot", Files.readString(file));
        assertFalse(Files.exists(dir.resolve("stall.snap.partial")));
    }

    @Test
    void aFailedSaveKeepsTheSnapshotThatWasThere() throws Exception {
        Path file = dir.resolve("keep.snap");
        Files.writeString(file, "an older snapshot");
        try (GuestMemory guest = Harness.mixedGuest(1 << 20, 1 << 20, 1)) {
            // a method that cannot set up fails the save after the file was created
            MigrationResult r = new MigrationSource(guest, null, params("multifd-compression", "qpl",
                    "qpl-path", "hardware")).migrate(Endpoint.file(file), null);
            assertFalse(r.completed());
            assertEquals(MigrationFailure.Cause.METHOD, r.failure().cause(), r.error());
        }
        assertEquals("an older snapshot", Files.readString(file));
        assertFalse(Files.exists(dir.resolve("keep.snap.partial")));
    }
}
