package io.jmultifd.multifd.guest;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link RamBlock#checksumFreeAsZero()} equals the CRC32C of a copy of the block with its free pages zeroed, for
 * free runs shorter and longer than the ones appended by arithmetic, at the start, in the middle and at the end,
 * and across bitmap words; {@link FreePages#nextFree} and {@link FreePages#nextInUse} find the runs.
 */
class ChecksumFreeAsZeroTest {
    private static final int PAGE = 4096;
    /** Pages of the shortest free run that is appended by arithmetic. */
    private static final long LONG_RUN = RamBlock.ZEROS_BY_ARITHMETIC / PAGE;

    @Test
    void freeRunsOfEveryKindCountAsZeros() {
        long pages = 3 * LONG_RUN + 77; // not a whole number of bitmap words
        try (RamBlock b = RamBlock.anonymous("b", pages * PAGE, PAGE)) {
            byte[] stale = new byte[(int) b.size()];
            new SplittableRandom(3).nextBytes(stale);
            MemorySegment.copy(MemorySegment.ofArray(stale), 0, b.memory(), 0, stale.length);
            check(b, "none free");
            free(b, 0, 1); // a short run at the start
            free(b, 5, 3);
            free(b, 63, 2); // across a word boundary
            check(b, "short runs");
            free(b, 100, LONG_RUN); // exactly as long as the arithmetic takes
            free(b, 100 + LONG_RUN + 1, LONG_RUN - 1); // one page shorter, one page in use between
            check(b, "runs around the threshold");
            free(b, pages - LONG_RUN - 10, LONG_RUN + 10); // a long run at the end
            check(b, "a long run at the end");
            free(b, 0, pages);
            check(b, "all free");
        }
    }

    @Test
    void randomFreePages() {
        SplittableRandom random = new SplittableRandom(4);
        for (int round = 0; round < 20; round++) {
            long pages = 1 + random.nextInt(700);
            try (RamBlock b = RamBlock.anonymous("b", pages * PAGE, PAGE)) {
                b.memory().fill((byte) (round + 1));
                for (int i = 0; i < 8; i++) {
                    long first = random.nextLong(pages);
                    free(b, first, 1 + random.nextLong(pages - first));
                }
                check(b, "round " + round);
            }
        }
    }

    @Test
    void nextFreeAndNextInUseFindTheRuns() {
        FreePages f = new FreePages(200);
        f.set(64, 70, (w, bits) -> { });
        f.set(199, 1, (w, bits) -> { });
        assertEquals(64, f.nextFree(0));
        assertEquals(64, f.nextFree(64));
        assertEquals(100, f.nextFree(100));
        assertEquals(199, f.nextFree(134));
        assertEquals(200, f.nextFree(200));
        assertEquals(0, f.nextInUse(0));
        assertEquals(134, f.nextInUse(64));
        assertEquals(200, f.nextInUse(199), "past the last page");
        assertEquals(200, new FreePages(200).nextFree(0), "none free");
    }

    private static void free(RamBlock b, long first, long count) {
        b.free().set(first, count, (w, bits) -> { });
    }

    /** The expectation from the bytes themselves: a copy, free pages zeroed, through CRC32C. */
    private static void check(RamBlock b, String what) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment copy = arena.allocate(b.size()).copyFrom(b.memory());
            for (long p = 0; p < b.pageCount(); p++) {
                if (b.free().isFree(p)) {
                    copy.asSlice(p * PAGE, PAGE).fill((byte) 0);
                }
            }
            CRC32C crc = new CRC32C();
            crc.update(copy.asByteBuffer());
            assertEquals(crc.getValue(), b.checksumFreeAsZero(), what);
        }
    }
}
