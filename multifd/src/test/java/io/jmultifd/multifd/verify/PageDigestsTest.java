package io.jmultifd.multifd.verify;

import io.jmultifd.multifd.guest.RamBlock;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Page digests fold to the CRC32C of the whole block, whatever the order and repetition of pages. */
class PageDigestsTest {
    private static final int PAGE = 4096;

    /** CRC32C of the block's bytes, fed through java.util.zip (the expectation, computed apart from the fold). */
    private static long crcOf(RamBlock b) {
        CRC32C crc = new CRC32C();
        crc.update(b.memory().asByteBuffer());
        return crc.getValue();
    }

    private static void randomPage(RamBlock b, long page, Random r) {
        for (long i = 0; i < PAGE; i += 8) {
            b.memory().set(ValueLayout.JAVA_LONG_UNALIGNED, page * PAGE + i, r.nextLong());
        }
    }

    @Test
    void foldOfPagesRecordedInAnyOrderIsTheBlocksCrc32c() {
        try (RamBlock a = RamBlock.anonymous("a", 37L * PAGE, PAGE); RamBlock b = RamBlock.anonymous("b", 5L * PAGE, PAGE)) {
            Random r = new Random(11);
            PageDigests digests = new PageDigests(List.of(a, b), PAGE);
            // Before anything is recorded the slots are pages of zeros: fresh memory.
            assertEquals(crcOf(a), digests.blockDigest(0));
            List<Long> order = new ArrayList<>();
            for (long p = 0; p < a.pageCount(); p++) {
                order.add(p);
            }
            Collections.shuffle(order, r);
            PageDigests.Recorder rec = digests.recorder();
            for (long p : order) {
                if (p % 3 != 0) { // every third page stays zero, recorded as a zero page
                    randomPage(a, p, r);
                    rec.page(0, p, a.page(p));
                } else {
                    rec.zero(0, p);
                }
            }
            randomPage(b, 2, r);
            rec.page(1, 2, b.page(2));
            assertEquals(crcOf(a), digests.blockDigest(0));
            assertEquals(List.of(crcOf(a), crcOf(b)), digests.blockDigests());
        }
    }

    @Test
    void aPageRecordedAgainCountsWithItsLastContent() {
        try (RamBlock a = RamBlock.anonymous("a", 8L * PAGE, PAGE)) {
            Random r = new Random(5);
            PageDigests digests = new PageDigests(List.of(a), PAGE);
            PageDigests.Recorder rec = digests.recorder();
            for (long p = 0; p < 8; p++) {
                randomPage(a, p, r);
                rec.page(0, p, a.page(p));
            }
            randomPage(a, 3, r); // sent again in a later round, as it is now
            rec.page(0, 3, a.page(3));
            a.memory().asSlice(6L * PAGE, 2L * PAGE).fill((byte) 0); // then free: zeros
            rec.zeros(0, 6, 2);
            assertEquals(crcOf(a), digests.blockDigest(0));
        }
    }

    @Test
    void memoryCheckNamesEveryDifferingPageAndCountsBeyondTheNamed() {
        try (RamBlock a = RamBlock.anonymous("ram0", 64L * PAGE, PAGE)) {
            PageDigests digests = new PageDigests(List.of(a), PAGE);
            assertTrue(MemoryCheck.run(List.of(a), digests, "placed", false, () -> true).ok());
            a.memory().set(ValueLayout.JAVA_BYTE, 5L * PAGE + 17, (byte) 1);
            MemoryCheck.Findings one = MemoryCheck.run(List.of(a), digests, "placed", false, () -> true);
            assertEquals(1, one.differing());
            CRC32C crc = new CRC32C();
            crc.update(a.page(5).asByteBuffer());
            assertEquals(String.format("block ram0 page 5 (offset 0x5000): placed 0x%08x, memory 0x%08x",
                    digests.zeroPage(), crc.getValue()), one.describe());
            for (long p = 10; p < 20; p++) {
                a.memory().set(ValueLayout.JAVA_BYTE, p * PAGE, (byte) 2);
            }
            MemoryCheck.Findings many = MemoryCheck.run(List.of(a), digests, "sent", false, () -> true);
            assertEquals(11, many.differing());
            assertEquals(MemoryCheck.NAMED, many.named().size());
            assertTrue(many.describe().endsWith("; 3 more pages"), many.describe());
        }
    }

    @Test
    void freePagesCountAsZerosUnreadWhenAsked() {
        try (RamBlock a = RamBlock.anonymous("ram0", 4L * PAGE, PAGE)) {
            PageDigests digests = new PageDigests(List.of(a), PAGE);
            MemorySegment stale = a.page(2);
            stale.fill((byte) 9); // stale bytes of a page the guest hinted free
            a.free().set(2, 1, (word, bits) -> { });
            assertTrue(MemoryCheck.run(List.of(a), digests, "sent", true, () -> true).ok());
            assertEquals(1, MemoryCheck.run(List.of(a), digests, "sent", false, () -> true).differing());
        }
    }
}
