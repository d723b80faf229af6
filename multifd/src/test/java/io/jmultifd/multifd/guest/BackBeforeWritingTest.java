package io.jmultifd.multifd.guest;

import io.jmultifd.linux.ErrnoException;
import io.jmultifd.linux.VirtualMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The destination backs a packet's pages before writing them (MADV_POPULATE_WRITE): exactly the pages of the range
 * become resident (mincore), still reading zero, and nothing else; memory that is not anonymous is left alone.
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")
class BackBeforeWritingTest {
    private static final long MIB = 1 << 20;

    @Test
    void theRangeIsBackedAndStillZeroAndNothingElseIs() throws ErrnoException {
        try (RamBlock block = RamBlock.anonymous("ram", 4 * MIB, 4096, false, TransparentHugePages.off())) {
            long system = VirtualMemory.pageSize();
            assertEquals(0, VirtualMemory.residentPages(block.memory()), "fresh memory is not backed");
            block.backBeforeWriting(MIB, 256 * 1024);
            assertEquals(256 * 1024 / system, VirtualMemory.residentPages(block.memory().asSlice(MIB, 256 * 1024)));
            assertEquals(256 * 1024 / system, VirtualMemory.residentPages(block.memory()), "nothing outside the range");
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment zeros = arena.allocate(4 * MIB); // Arena memory is zero-filled
                assertEquals(-1L, block.memory().mismatch(zeros), "backed pages read as zero");
            }
        }
    }

    @Test
    void aFileMappingIsLeftToItsWrites(@TempDir Path dir) throws ErrnoException {
        try (RamBlock block = RamBlock.mapFile("ram", dir.resolve("image"), 4 * MIB)) {
            long before = VirtualMemory.residentPages(block.memory());
            block.backBeforeWriting(0, 4 * MIB);
            assertEquals(before, VirtualMemory.residentPages(block.memory()), "a sparse file's pages stay as they were");
        }
    }
}
