package io.jmultifd.multifd.guest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The destination's free pages read as zero, whether dropped (anonymous memory) or filled (a mapped file). */
class DiscardTest {
    @Test
    void anonymousSmallAndLargePages() {
        for (int pageSize : new int[] {512, 4096, 16384}) {
            try (RamBlock b = RamBlock.anonymous("b", 64L * pageSize, pageSize)) {
                check(b);
            }
        }
    }

    @Test
    void mappedFile(@TempDir Path dir) {
        try (RamBlock b = RamBlock.mapFile("b", dir.resolve("img"), 64L * 4096, 4096)) {
            check(b);
        }
    }

    private static void check(RamBlock b) {
        b.memory().fill((byte) 7);
        b.discard(3, 37);
        MemorySegment zero = Arena.global().allocate(b.pageSize());
        MemorySegment sevens = Arena.global().allocate(b.pageSize()).fill((byte) 7);
        for (long p = 0; p < b.pageCount(); p++) {
            boolean dropped = p >= 3 && p < 40;
            assertEquals(-1, b.page(p).mismatch(dropped ? zero : sevens), "page size " + b.pageSize() + ", page " + p);
        }
    }
}
