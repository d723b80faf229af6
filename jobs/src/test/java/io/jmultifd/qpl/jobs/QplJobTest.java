package io.jmultifd.qpl.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.qpl.testing.RequiresLibqpl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Assumptions;

@RequiresLibqpl
class QplJobTest {

    @Test
    void hardwareJobOnAHostWithoutIaaFailsWithTheInitStatus() {
        QplException e;
        try {
            QplJob job = QplJob.open(QplPath.HARDWARE);
            job.close();
            Assumptions.abort("this host initialises hardware QPL jobs (IAA present); the no-IAA case cannot be shown");
            return;
        } catch (QplException thrown) {
            e = thrown;
        }
        assertEquals("qpl_init_job", e.operation());
        assertSame(QplPath.HARDWARE, e.path());
        // 500..503: not supported, no libaccel-config, libaccel error, no work queues.
        assertTrue(e.statusCode() >= 500 && e.statusCode() <= 503, e.getMessage());
        assertTrue(e.getMessage().contains(e.status().qplName() + " (" + e.statusCode() + ")"), e.getMessage());
    }

    @Test
    void softwareJobCompressesAndInflatesOnePage() {
        try (Arena arena = Arena.ofConfined(); QplJob job = QplJob.open(QplPath.SOFTWARE)) {
            Pages pages = new Pages(arena, 1);
            MemorySegment page = pages.text();
            MemorySegment slot = arena.allocate(Pages.PAGE - 1);
            job.prepareCompress(page, Pages.PAGE, slot, Pages.PAGE - 1, false);
            assertEquals(0, QplCalls.bindings().execute(job.segment()));
            int length = job.totalOut();
            assertTrue(length > 0 && length < Pages.PAGE, "length " + length);

            MemorySegment back = arena.allocate(Pages.PAGE);
            job.prepareDecompress(slot, length, back, Pages.PAGE);
            assertEquals(0, QplCalls.bindings().execute(job.segment()));
            assertEquals(Pages.PAGE, job.totalOut());
            assertEquals(length, job.totalIn());
            assertEquals(-1, back.mismatch(page));
        }
    }

    @Test
    void heapSegmentsAndOutOfRangeLengthsAreRefusedBeforeQplSeesThem() {
        try (Arena arena = Arena.ofConfined(); QplJob job = QplJob.open(QplPath.SOFTWARE)) {
            MemorySegment page = arena.allocate(Pages.PAGE);
            MemorySegment heap = MemorySegment.ofArray(new byte[Pages.PAGE]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> job.prepareCompress(heap, Pages.PAGE, page, Pages.PAGE - 1, false));
            assertTrue(e.getMessage().contains("input must be off-heap"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> job.prepareDecompress(page, 10, heap, Pages.PAGE));
            assertThrows(IndexOutOfBoundsException.class,
                    () -> job.prepareCompress(page, Pages.PAGE + 1, page, Pages.PAGE - 1, false));
            assertThrows(IndexOutOfBoundsException.class,
                    () -> job.prepareDecompress(page, 10, page.asSlice(0, 100), 101));
            assertThrows(IndexOutOfBoundsException.class,
                    () -> job.prepareDecompress(page, -1, page, 100));
        }
    }

    @Test
    void closedJobRefusesUseAndClosesOnce() {
        QplJob job = QplJob.open(QplPath.SOFTWARE);
        job.close();
        job.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, job::segment);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }
}
