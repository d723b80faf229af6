package io.jmultifd.multifd;

import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.RamBlock;
import io.jmultifd.multifd.snapshot.SnapshotException;
import io.jmultifd.multifd.snapshot.SnapshotReader;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One page read alone from a snapshot ({@link SnapshotReader#readPage}), as postcopy from a file would. */
class SnapshotReadPageTest {
    @TempDir
    Path dir;

    private Path save(GuestMemory guest, String method, String directIo) {
        Path file = dir.resolve(method + ".snap");
        MigrationResult r = new MigrationSource(guest, null, SnapshotFileTest.params("multifd-compression", method,
                "multifd-channels", "2", "direct-io", directIo)).migrate(Endpoint.file(file), null);
        assertTrue(r.completed(), r.error());
        return file;
    }

    @ParameterizedTest(name = "{0}, direct-io {1}")
    @CsvSource({"none,off", "none,on", "qpl,off", "qpl,on", "zstd,off"})
    void everyPageReadAloneIsThePageSaved(String method, String directIo) throws Exception {
        try (GuestMemory guest = Harness.mixedGuest(1 << 20, 512 << 10, 9);
             Arena arena = Arena.ofConfined()) {
            Path file = save(guest, method, directIo);
            MemorySegment page = arena.allocate(4096); // not aligned for O_DIRECT on purpose: the reader copies
            int zeroPages = 0;
            try (SnapshotReader reader = SnapshotReader.open(file, directIo.equals("on"))) {
                for (RamBlock b : guest.blocks()) {
                    for (long p = 0; p < b.pageCount(); p++) {
                        page.fill((byte) 0x5A); // a zero page must be written as zeros, not left as it was
                        reader.readPage(b.name(), p, page);
                        assertEquals(-1, page.mismatch(b.page(p)), "block " + b.name() + " page " + p);
                        zeroPages += b.page(p).mismatch(MemorySegment.ofArray(new byte[4096])) == -1 ? 1 : 0;
                    }
                }
            }
            assertTrue(zeroPages > 0, "the guest has zero pages (holes) as well");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "qpl"})
    void aDamagedPageReadAloneNamesItsBlockAndPage(String method) throws Exception {
        Path file;
        try (GuestMemory guest = Harness.mixedGuest(2 << 20, 1 << 20, 5)) {
            file = save(guest, method, "off");
        }
        long[] damaged = SnapshotIntegrityTest.storedPage(file, 3);
        SnapshotIntegrityTest.flip(file, damaged[0]);
        try (SnapshotReader reader = SnapshotReader.open(file, false); Arena arena = Arena.ofConfined()) {
            MemorySegment page = arena.allocate(4096);
            SnapshotException e = assertThrows(SnapshotException.class, () -> reader.readPage("ram1", damaged[1], page));
            assertTrue(e.getMessage().contains("block ram1 page " + damaged[1] + " is damaged"), e.getMessage());
            reader.readPage("ram1", damaged[1] + 1, page); // the others still read
        }
    }

    @Test
    void aPageOutsideTheFileOrATargetOfAnotherSizeIsRefusedClearly() throws Exception {
        Path file;
        try (GuestMemory guest = Harness.mixedGuest(64 << 10, 64 << 10, 1)) {
            file = save(guest, "none", "off");
        }
        try (SnapshotReader reader = SnapshotReader.open(file, false); Arena arena = Arena.ofConfined()) {
            MemorySegment page = arena.allocate(4096);
            IllegalArgumentException block = assertThrows(IllegalArgumentException.class,
                    () -> reader.readPage("ram9", 0, page));
            assertTrue(block.getMessage().contains("has no block ram9; its blocks: [ram0, ram1]"), block.getMessage());
            IllegalArgumentException beyond = assertThrows(IllegalArgumentException.class,
                    () -> reader.readPage("ram0", 16, page));
            assertTrue(beyond.getMessage().contains("block ram0 has pages 0..15, not 16"), beyond.getMessage());
            IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                    () -> reader.readPage("ram0", 0, arena.allocate(100)));
            assertTrue(size.getMessage().contains("is 4096 bytes; the target is 100"), size.getMessage());
            assertFalse(page.mismatch(arena.allocate(4096)) != -1, "nothing was written into the target");
        }
    }
}
