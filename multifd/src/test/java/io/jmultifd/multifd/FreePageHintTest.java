package io.jmultifd.multifd;

import com.fasterxml.jackson.databind.JsonNode;
import io.jmultifd.cli.JsonReports;
import io.jmultifd.multifd.guest.FreeList;
import io.jmultifd.multifd.guest.FreePageHints;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.guest.Workload;
import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.CompressionMethods;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Free-page hints end to end: every method, the window, the API's bad input, the handshake. */
class FreePageHintTest {

    static Stream<String> methods() {
        return CompressionMethods.all().stream().filter(EndToEndTest::healthy).map(CompressionMethod::name);
    }

    /**
     * A guest with a free list (stale bytes in its free chunks) and a live workload: the free pages are skipped,
     * read as zero at the destination, and everything else arrives byte for byte.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("methods")
    void freePagesAreSkippedAndReadAsZero(String method) throws Exception {
        MigrationParameters p = MigrationParameters.from(Map.of("multifd-compression", method,
                "multifd-channels", "2", "packet-pages", "32", "downtime-limit", "20"));
        try (GuestMemory guest = Harness.mixedGuest(8 << 20, 2 << 20, 3);
             Harness.Incoming in = new Harness.Incoming(p, false)) {
            FreeList.create(guest, 75, 5);
            try (Workload workload = Harness.startWorkload(guest, 16, 9)) {
                MigrationResult r = new MigrationSource(guest, workload, p).migrate(in.sourceTarget, null);
                MigrationResult dr = in.await();
                Harness.assertCompleted(r, "source");
                Harness.assertCompleted(dr, "destination");
                long skipped = r.freePages().skippedPages();
                assertTrue(skipped >= guest.totalPages() / 2, "most of the 75% free pages skipped: " + r.freePages());
                assertEquals(skipped, dr.freePages().skippedPages(), "the destination got every free range");
                assertTrue(r.freePages().hintsReceived() > 0);
                JsonNode sent = JsonReports.result(r.toMap()).get("jmultifd");
                assertEquals(skipped, sent.get("free-pages-skipped").asLong());
                assertEquals(r.freePages().hintsReceived(), sent.get("free-page-hints").asLong());
                assertEquals(r.freePages().hintsInvalidated(), sent.get("free-page-hints-invalidated").asLong());
                JsonNode got = JsonReports.result(dr.toMap()).get("jmultifd");
                assertEquals(skipped, got.get("free-pages-skipped").asLong());
                assertEquals(0, got.get("free-page-hints").asLong(), "the destination is given no hints");
                assertTrue(r.ram().normalPages() + r.ram().zeroPages() < guest.totalPages(), "fewer pages sent");
                assertReceivedAsAgreed(guest, in.destination.received());
            }
        }
    }

    /** Every page free at the source reads as zero at the destination, every other page as at the source. */
    static void assertReceivedAsAgreed(GuestMemory source, GuestMemory received) {
        MemorySegment zero = Arena.global().allocate(source.pageSize());
        long free = 0;
        for (int b = 0; b < source.blocks().size(); b++) {
            RamBlock s = source.blocks().get(b);
            RamBlock d = received.blocks().get(b);
            for (long page = 0; page < s.pageCount(); page++) {
                boolean isFree = s.free().isFree(page);
                free += isFree ? 1 : 0;
                assertEquals(-1, (isFree ? zero : s.page(page)).mismatch(d.page(page)),
                        "block " + s.name() + " page " + page + (isFree ? " (free)" : ""));
            }
            assertEquals(s.checksumFreeAsZero(), d.checksum(), "the agreed checksum of block " + s.name());
        }
        assertTrue(free > 0, "some pages are free at the end");
    }

    @Test
    void hintsOffSendsEveryPageAsItIs() throws Exception {
        MigrationParameters p = MigrationParameters.from(Map.of("free-page-hint", "off"));
        try (GuestMemory guest = Harness.mixedGuest(4 << 20, 1 << 20, 3);
             Harness.Incoming in = new Harness.Incoming(p, false)) {
            FreeList.create(guest, 75, 5);
            MigrationResult r = new MigrationSource(guest, null, p).migrate(in.sourceTarget, null);
            Harness.assertCompleted(r, "source");
            Harness.assertCompleted(in.await(), "destination");
            assertEquals(MigrationResult.FreePages.NONE, r.freePages());
            JsonNode report = JsonReports.result(r.toMap()).get("jmultifd");
            for (String key : new String[] {"free-pages-skipped", "free-page-hints", "free-page-hints-invalidated"}) {
                assertEquals(0, report.get(key).asLong(), key);
            }
            assertEquals(guest.totalPages(), r.ram().normalPages() + r.ram().zeroPages());
            Harness.assertSameMemory(guest, in.destination.received());
        }
    }

    @Test
    void aMismatchIsRefusedNamingBothValues() throws Exception {
        try (GuestMemory guest = Harness.mixedGuest(1 << 20, 1 << 20, 3);
             Harness.Incoming in = new Harness.Incoming(MigrationParameters.from(Map.of("free-page-hint", "off")), false)) {
            MigrationResult r = new MigrationSource(guest, null, MigrationParameters.defaults()).migrate(in.sourceTarget, null);
            assertEquals(MigrationStatus.FAILED, r.status());
            assertTrue(r.error().contains("free-page-hint mismatch: source on, destination off"), r.error());
            assertTrue(in.await().error().contains("free-page-hint mismatch: source on, destination off"));
        }
    }

    @Test
    void badParameterValueIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MigrationParameters.from(Map.of("free-page-hint", "yes")));
        assertEquals("free-page-hint=yes: must be one of [off, on]", e.getMessage());
    }

    @Test
    void hintsCountOnlyWhileTheWindowIsOpenAndOnlyWholePages() {
        try (GuestMemory guest = GuestMemory.of(RamBlock.anonymous("b", 64 * 4096, 4096))) {
            FreePageHints hints = guest.hints();
            RamBlock b = guest.blocks().getFirst();
            assertFalse(hints.hintFree("b", 0, 4096), "no migration: not taken");
            assertEquals(0, b.free().count());
            hints.open();
            assertTrue(hints.hintFree("b", 100, 3 * 4096)); // covers page 1 and 2 whole, page 0 and 3 in part
            assertFalse(b.free().isFree(0));
            assertTrue(b.free().isFree(1) && b.free().isFree(2));
            assertFalse(b.free().isFree(3));
            assertTrue(b.dirty().isDirty(1), "a newly free page is visited by the scan");
            b.writeLong(4096, 7);
            assertFalse(b.free().isFree(1), "a write takes the hint back");
            assertEquals(1, hints.hintsInvalidated());
            hints.close();
            assertFalse(hints.hintFree("b", 0, 4096), "closed: not taken");
            assertEquals(1, hints.hintsReceived());
        }
    }

    @Test
    void badHintsAreClearErrors() {
        try (GuestMemory guest = GuestMemory.of(RamBlock.anonymous("b", 8 * 4096, 4096))) {
            guest.hints().open();
            assertEquals("no RAM block called x",
                    assertThrows(IllegalArgumentException.class, () -> guest.hints().hintFree("x", 0, 4096)).getMessage());
            assertEquals("hint of 8192 bytes at 28672 outside block b of 32768 bytes",
                    assertThrows(IllegalArgumentException.class, () -> guest.hints().hintFree("b", 7 * 4096, 8192)).getMessage());
            assertThrows(IllegalArgumentException.class, () -> guest.hints().hintFree("b", -1, 10));
            assertThrows(IllegalArgumentException.class, () -> guest.hints().hintFree("b", 0, Long.MAX_VALUE));
        }
    }
}
