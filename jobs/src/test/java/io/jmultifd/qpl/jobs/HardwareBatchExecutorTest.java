package io.jmultifd.qpl.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.qpl.testing.RequiresLibqpl;
import io.jmultifd.spi.CorruptPayloadException;
import io.jmultifd.spi.MethodStatistics;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The hardware orchestration (submit the batch, then wait; bounded resubmission; per-page software fallback)
 * run on software-path jobs through the real qpl_submit_job / qpl_wait_job, with faults injected around them.
 */
@RequiresLibqpl
class HardwareBatchExecutorTest {
    private static final int RETRIES = 3;

    private Arena arena;
    private Pages pages;
    private FaultyCalls calls;
    /** Pages the test's executor returned as raw (length == page size) so far; raw pages are the format's counter. */
    private long rawPages;

    @BeforeEach
    void setUp() {
        arena = Arena.ofConfined();
        pages = new Pages(arena, 42);
        calls = new FaultyCalls(QplCalls.bindings());
    }

    @AfterEach
    void tearDown() {
        if (arena != null) {
            arena.close();
        }
    }

    private HardwareBatchExecutor executor(int retries) {
        return new HardwareBatchExecutor(QplPath.SOFTWARE, Pages.PAGE, 8, false, retries, calls);
    }

    /** Compressible pages only, so every page's tier shows in pages_hardware / pages_software exactly. */
    private List<MemorySegment> compressible() {
        MemorySegment text = pages.text();
        return List.of(pages.nearZero(), text, pages.oneByteOff(text), pages.binary(), pages.pattern());
    }

    private int[] compress(HardwareBatchExecutor executor, List<MemorySegment> in, List<MemorySegment> slots) {
        int[] lengths = new int[in.size()];
        executor.compress(in, slots, lengths);
        assertEquals(calls.accepted, calls.realWaits, "a submitted job was not waited for");
        for (int length : lengths) {
            rawPages += length == Pages.PAGE ? 1 : 0;
        }
        return lengths;
    }

    /** Inflates the batch's streams with a separate software executor and compares with the pages. */
    private void assertDecodes(List<MemorySegment> in, List<MemorySegment> slots, int[] lengths) throws Exception {
        try (SoftwarePageExecutor check = new SoftwarePageExecutor(Pages.PAGE, 8, false, QplCalls.bindings())) {
            List<Integer> indexes = new ArrayList<>();
            List<MemorySegment> streams = Pages.streams(slots, lengths, indexes);
            List<MemorySegment> targets = pages.targets(streams.size());
            check.decompress(streams, targets);
            for (int k = 0; k < streams.size(); k++) {
                assertEquals(-1, targets.get(k).mismatch(in.get(indexes.get(k))), "page " + indexes.get(k));
            }
        }
    }

    private void assertCounters(MethodStatistics s, long hardware, long software, long raw, long resubmissions,
                                long fallbacks) {
        assertEquals(hardware, s.get("pages_hardware"), "pages_hardware in " + s);
        assertEquals(software, s.get("pages_software"), "pages_software in " + s);
        assertEquals(raw, rawPages, "raw pages among the compressed ones");
        assertEquals(resubmissions, s.get("resubmissions"), "resubmissions in " + s);
        assertEquals(fallbacks, s.get("fallbacks"), "fallbacks in " + s);
        assertEquals(0, s.get("pages_java"));
    }

    @Test
    void batchWithoutFaultsStaysOnTheBatchPathAndRoundTrips() throws Exception {
        try (HardwareBatchExecutor executor = executor(RETRIES)) {
            List<MemorySegment> in = new ArrayList<>(compressible());
            in.add(pages.random());
            List<MemorySegment> slots = pages.slots(in.size());
            int[] lengths = compress(executor, in, slots);
            assertEquals(Pages.PAGE, lengths[5], "random page must go raw");
            assertEquals(in.size(), calls.realSubmits);
            assertEquals(0, calls.executes, "nothing may run on the software fallback");
            assertCounters(executor.statistics(), 6, 0, 1, 0, 0);
            assertDecodes(in, slots, lengths);
        }
    }

    @Test
    void busyNTimesThenAcceptedCountsNResubmissionsAndStaysOnHardware() throws Exception {
        try (HardwareBatchExecutor executor = executor(RETRIES)) {
            List<MemorySegment> in = compressible();
            calls.busy(in.get(1), RETRIES).busy(in.get(3), 1);
            List<MemorySegment> slots = pages.slots(in.size());
            int[] lengths = compress(executor, in, slots);
            assertEquals(RETRIES + 1, calls.busyAnswers);
            assertCounters(executor.statistics(), in.size(), 0, 0, RETRIES + 1, 0);
            assertEquals(0, calls.executes);
            assertDecodes(in, slots, lengths);
        }
    }

    @Test
    void busyOnceMoreThanTheRetriesMovesThatPageToSoftware() throws Exception {
        try (HardwareBatchExecutor executor = executor(RETRIES)) {
            List<MemorySegment> in = compressible();
            calls.busy(in.get(2), RETRIES + 1);
            List<MemorySegment> slots = pages.slots(in.size());
            int[] lengths = compress(executor, in, slots);
            assertCounters(executor.statistics(), in.size() - 1, 1, 0, RETRIES, 1);
            assertEquals(1, calls.executes);
            assertDecodes(in, slots, lengths);
        }
    }

    @Test
    void alwaysBusyPutsEveryPageOnSoftware() throws Exception {
        try (HardwareBatchExecutor executor = executor(RETRIES)) {
            List<MemorySegment> in = compressible();
            calls.alwaysBusy();
            List<MemorySegment> slots = pages.slots(in.size());
            int[] lengths = compress(executor, in, slots);
            int n = in.size();
            assertEquals(0, calls.realSubmits);
            assertEquals(n * (RETRIES + 1), calls.busyAnswers);
            assertCounters(executor.statistics(), 0, n, 0, (long) n * RETRIES, n);
            assertDecodes(in, slots, lengths);
        }
    }

    @Test
    void zeroRetriesFallsBackAtTheFirstBusy() throws Exception {
        try (HardwareBatchExecutor executor = executor(0)) {
            List<MemorySegment> in = compressible();
            calls.busy(in.get(0), 1);
            List<MemorySegment> slots = pages.slots(in.size());
            int[] lengths = compress(executor, in, slots);
            assertCounters(executor.statistics(), in.size() - 1, 1, 0, 0, 1);
            assertDecodes(in, slots, lengths);
        }
    }

    @Test
    void failureAtWaitIsRedoneOnSoftware() throws Exception {
        try (HardwareBatchExecutor executor = executor(RETRIES)) {
            List<MemorySegment> in = compressible();
            calls.failAtWait(in.get(1), QplStatus.INTL_PAGE_FAULT).failAtWait(in.get(4), QplStatus.LIBRARY_INTERNAL_ERR);
            List<MemorySegment> slots = pages.slots(in.size());
            int[] lengths = compress(executor, in, slots);
            assertCounters(executor.statistics(), in.size() - 2, 2, 0, 0, 2);
            assertEquals(2, calls.executes);
            assertDecodes(in, slots, lengths);
        }
    }

    @Test
    void otherSubmitErrorsGoToSoftwareWithoutRetrying() throws Exception {
        try (HardwareBatchExecutor executor = executor(RETRIES)) {
            List<MemorySegment> in = compressible();
            calls.failAtSubmit(in.get(3), QplStatus.LIBRARY_INTERNAL_ERR);
            List<MemorySegment> slots = pages.slots(in.size());
            int[] lengths = compress(executor, in, slots);
            assertCounters(executor.statistics(), in.size() - 1, 1, 0, 0, 1);
            assertDecodes(in, slots, lengths);
        }
    }

    @Test
    void outputDoesNotFitAtWaitMeansRawNotFallback() throws Exception {
        try (HardwareBatchExecutor executor = executor(RETRIES)) {
            List<MemorySegment> in = compressible();
            calls.failAtWait(in.get(2), QplStatus.MORE_OUTPUT_NEEDED);
            List<MemorySegment> slots = pages.slots(in.size());
            int[] lengths = compress(executor, in, slots);
            assertEquals(Pages.PAGE, lengths[2]);
            assertCounters(executor.statistics(), in.size(), 0, 1, 0, 0);
            assertEquals(0, calls.executes);
            assertDecodes(in, slots, lengths);
        }
    }

    @Test
    void decompressionFailureAtWaitIsRetriedOnSoftware() throws Exception {
        try (HardwareBatchExecutor executor = executor(RETRIES)) {
            List<MemorySegment> in = compressible();
            List<MemorySegment> slots = pages.slots(in.size());
            int[] lengths = compress(executor, in, slots);
            List<Integer> indexes = new ArrayList<>();
            List<MemorySegment> streams = Pages.streams(slots, lengths, indexes);
            assertEquals(in.size(), streams.size());

            calls.failAtWait(streams.get(1), QplStatus.INTL_PAGE_FAULT).busy(streams.get(3), RETRIES + 1);
            List<MemorySegment> targets = pages.targets(streams.size());
            executor.decompress(streams, targets);
            assertEquals(calls.accepted, calls.realWaits);
            for (int i = 0; i < in.size(); i++) {
                assertEquals(-1, targets.get(i).mismatch(in.get(i)), "page " + i);
            }
            // compress: all on hardware; decompress: 3 on hardware, 2 retried on software.
            assertCounters(executor.statistics(), in.size() + 3, 2, 0, RETRIES, 2);
        }
    }

    @Test
    void corruptStreamIsTriedOnBothPathsThenNamedWithNothingInFlight() throws Exception {
        try (HardwareBatchExecutor executor = executor(RETRIES)) {
            List<MemorySegment> in = compressible();
            List<MemorySegment> slots = pages.slots(in.size());
            int[] lengths = compress(executor, in, slots);
            List<Integer> indexes = new ArrayList<>();
            List<MemorySegment> streams = new ArrayList<>(Pages.streams(slots, lengths, indexes));
            streams.set(2, pages.random().asSlice(0, 700));
            List<MemorySegment> targets = pages.targets(streams.size());
            int executesBefore = calls.executes;

            CorruptPayloadException e = assertThrows(CorruptPayloadException.class,
                    () -> executor.decompress(streams, targets));
            assertEquals(2, e.pageIndex());
            assertTrue(e.getMessage().contains("DEFLATE stream"), e.getMessage());
            assertTrue(e.getMessage().contains("software path before"), e.getMessage());
            assertEquals(calls.accepted, calls.realWaits, "a job was left in flight");
            assertEquals(executesBefore + 1, calls.executes, "the software retry did not run");
            // The other pages of the batch were still decoded.
            for (int i : new int[] {0, 1, 3, 4}) {
                assertEquals(-1, targets.get(i).mismatch(in.get(i)), "page " + i);
            }
        }
    }

    @Test
    void softwareFallbackThatFailsTooSendsThePageRaw() throws Exception {
        try (HardwareBatchExecutor executor = executor(RETRIES)) {
            List<MemorySegment> in = compressible();
            calls.failAtWait(in.get(1), QplStatus.INTL_PAGE_FAULT).failExecute(in.get(1), QplStatus.LIBRARY_INTERNAL_ERR);
            List<MemorySegment> slots = pages.slots(in.size());
            int[] lengths = compress(executor, in, slots);
            assertEquals(Pages.PAGE, lengths[1], "a page neither path could compress goes raw");
            // One fallback hardware -> software, one software -> raw.
            assertCounters(executor.statistics(), in.size() - 1, 1, 1, 0, 2);
            assertDecodes(in, slots, lengths);
        }
    }

    @Test
    void compressionWaitThatSaysOkWithoutAUsableStreamSendsThePageRaw() throws Exception {
        try (HardwareBatchExecutor executor = executor(RETRIES)) {
            List<MemorySegment> in = compressible();
            calls.okAtWaitWithTotalOut(in.get(0), 0).okAtWaitWithTotalOut(in.get(3), Pages.PAGE);
            List<MemorySegment> slots = pages.slots(in.size());
            int[] lengths = compress(executor, in, slots);
            assertEquals(Pages.PAGE, lengths[0]);
            assertEquals(Pages.PAGE, lengths[3]);
            assertCounters(executor.statistics(), in.size(), 0, 2, 0, 0);
            assertDecodes(in, slots, lengths);
        }
    }

    @Test
    void decompressionWaitThatSaysOkWithOutputThatIsNotOnePageIsRetriedOnSoftware() throws Exception {
        try (HardwareBatchExecutor executor = executor(RETRIES)) {
            List<MemorySegment> in = compressible();
            List<MemorySegment> slots = pages.slots(in.size());
            List<Integer> indexes = new ArrayList<>();
            List<MemorySegment> streams = Pages.streams(slots, compress(executor, in, slots), indexes);
            calls.okAtWaitWithTotalOut(streams.get(1), Pages.PAGE - 1).okAtWaitWithTotalOut(streams.get(4), 0);
            List<MemorySegment> targets = pages.targets(streams.size());
            executor.decompress(streams, targets);
            for (int i = 0; i < in.size(); i++) {
                assertEquals(-1, targets.get(i).mismatch(in.get(i)), "page " + i);
            }
            // compress: all on hardware; decompress: 3 on hardware, 2 retried on software.
            assertCounters(executor.statistics(), in.size() + 3, 2, 0, 0, 2);
            assertEquals(0, calls.inFlight());
        }
    }

    @Test
    void exceptionAtWaitMidBatchLeavesNoJobInFlight() throws Exception {
        try (HardwareBatchExecutor executor = executor(RETRIES)) {
            List<MemorySegment> in = compressible();
            IllegalStateException injected = new IllegalStateException("injected at wait");
            calls.throwAtWait(in.get(2), injected);
            List<MemorySegment> slots = pages.slots(in.size());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> executor.compress(in, slots, new int[in.size()]));
            assertSame(injected, e);
            assertEquals(0, calls.inFlight(), "jobs of the failed batch were left in flight");
            assertEquals(calls.accepted, calls.realWaits);

            // The executor is still usable: the next batch compresses and decodes.
            int[] lengths = compress(executor, in, slots);
            assertDecodes(in, slots, lengths);
        }
    }

    @Test
    void exceptionAtSubmitMidBatchLeavesNoJobInFlight() throws Exception {
        try (HardwareBatchExecutor executor = executor(RETRIES)) {
            List<MemorySegment> in = compressible();
            calls.throwAtSubmit(in.get(3), new IllegalStateException("injected at submit"));
            List<MemorySegment> slots = pages.slots(in.size());
            assertThrows(IllegalStateException.class, () -> executor.compress(in, slots, new int[in.size()]));
            assertEquals(3, calls.accepted, "pages 0..2 were submitted before the exception");
            assertEquals(0, calls.inFlight(), "jobs of the failed batch were left in flight");
        }
    }

    @Test
    void exceptionAtWaitMidDecompressionLeavesNoJobInFlight() throws Exception {
        try (HardwareBatchExecutor executor = executor(RETRIES)) {
            List<MemorySegment> in = compressible();
            List<MemorySegment> slots = pages.slots(in.size());
            List<Integer> indexes = new ArrayList<>();
            List<MemorySegment> streams = Pages.streams(slots, compress(executor, in, slots), indexes);
            calls.throwAtWait(streams.get(0), new IllegalStateException("injected at wait"));
            List<MemorySegment> targets = pages.targets(streams.size());
            assertThrows(IllegalStateException.class, () -> executor.decompress(streams, targets));
            assertEquals(0, calls.inFlight(), "jobs of the failed batch were left in flight");
            executor.decompress(streams, targets);
            for (int i = 0; i < in.size(); i++) {
                assertEquals(-1, targets.get(i).mismatch(in.get(i)), "page " + i);
            }
        }
    }

    @Test
    void waitThatKeepsThrowingWhileDrainingStillDrainsTheOthersAndBlocksTheNextBatch() {
        HardwareBatchExecutor executor = executor(RETRIES);
        List<MemorySegment> in = compressible();
        IllegalStateException first = new IllegalStateException("first");
        calls.throwAtWait(in.get(1), first).throwAtWait(in.get(3), new IllegalStateException("again"), 2);
        List<MemorySegment> slots = pages.slots(in.size());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> executor.compress(in, slots, new int[in.size()]));
        assertSame(first, e);
        assertEquals(1, e.getSuppressed().length, "the drain's own failure travels with the first");
        // Every job but the one whose wait never returned was waited for.
        assertEquals(1, calls.inFlight());
        IllegalStateException blocked = assertThrows(IllegalStateException.class,
                () -> executor.compress(in, slots, new int[in.size()]));
        assertTrue(blocked.getMessage().contains("still in flight"), blocked.getMessage());
        // close() waits for it once more (this time the wait returns) before freeing the jobs.
        executor.close();
        assertEquals(0, calls.inFlight());
    }

    @Test
    void hardwareJobsOnThisHostFailAtSetupNamingTheStatus() {
        QplException e;
        try {
            new HardwareBatchExecutor(QplPath.HARDWARE, Pages.PAGE, 4, false, RETRIES, calls).close();
            Assumptions.abort("this host has working IAA jobs");
            return;
        } catch (QplException thrown) {
            e = thrown;
        }
        assertTrue(e.getMessage().contains("QPL_STS_INIT_"), e.getMessage());
    }

    @Test
    void retriesOutsideTheirRangeAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new HardwareBatchExecutor(QplPath.SOFTWARE, Pages.PAGE, 4, false, -1, calls));
        assertTrue(e.getMessage().contains("between 0 and"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new HardwareBatchExecutor(QplPath.SOFTWARE, Pages.PAGE, 4,
                false, HardwareBatchExecutor.MAX_SUBMIT_RETRIES + 1, calls));
    }
}
