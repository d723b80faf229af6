package io.jmultifd.qpl.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.qpl.testing.RequiresLibqpl;
import io.jmultifd.spi.CorruptPayloadException;
import io.jmultifd.spi.MethodStatistics;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

@RequiresLibqpl
class SoftwarePageExecutorTest {

    @ParameterizedTest(name = "dynamic Huffman {0}")
    @ValueSource(booleans = {false, true})
    void roundTripsVariedPagesAndSendsIncompressibleOnesRaw(boolean dynamic) throws Exception {
        try (Arena arena = Arena.ofConfined();
             SoftwarePageExecutor executor = new SoftwarePageExecutor(Pages.PAGE, 16, dynamic, QplCalls.bindings())) {
            Pages pages = new Pages(arena, 7);
            List<MemorySegment> in = pages.mixed();
            int n = in.size();
            List<MemorySegment> slots = pages.slots(n);
            int[] lengths = new int[n];
            executor.compress(in, slots, lengths);

            int raw = 0;
            for (int i = 0; i < n; i++) {
                assertTrue(lengths[i] > 0 && lengths[i] <= Pages.PAGE, "length " + lengths[i]);
                raw += lengths[i] == Pages.PAGE ? 1 : 0;
            }
            // mixed() has two random pages: they cannot shrink; everything else does.
            assertEquals(2, raw);
            assertEquals(Pages.PAGE, lengths[4]);
            assertEquals(Pages.PAGE, lengths[7]);

            List<Integer> indexes = new ArrayList<>();
            List<MemorySegment> streams = Pages.streams(slots, lengths, indexes);
            List<MemorySegment> targets = pages.targets(streams.size());
            executor.decompress(streams, targets);
            for (int k = 0; k < streams.size(); k++) {
                assertEquals(-1, targets.get(k).mismatch(in.get(indexes.get(k))), "page " + indexes.get(k));
                // Every stream is plain raw DEFLATE: java.util.zip inflates it to the same page.
                assertEquals(-1, MemorySegment.ofArray(javaInflate(streams.get(k))).mismatch(in.get(indexes.get(k))));
            }

            MethodStatistics s = executor.statistics();
            assertEquals(n + streams.size(), s.get("pages_software"));
            assertEquals(0, s.get("pages_hardware"));
            assertEquals(0, s.get("fallbacks"));
            assertEquals(0, s.get("resubmissions"));
        }
    }

    @Test
    void aCompressionTheSoftwarePathFailsSendsThePageRawAndCountsAFallback() throws Exception {
        FaultyCalls calls = new FaultyCalls(QplCalls.bindings());
        try (Arena arena = Arena.ofConfined();
             SoftwarePageExecutor executor = new SoftwarePageExecutor(Pages.PAGE, 16, false, calls)) {
            Pages pages = new Pages(arena, 12);
            List<MemorySegment> in = List.of(pages.text(), pages.binary(), pages.pattern());
            calls.failExecute(in.get(1), QplStatus.LIBRARY_INTERNAL_ERR);
            List<MemorySegment> slots = pages.slots(in.size());
            int[] lengths = new int[in.size()];
            executor.compress(in, slots, lengths);
            assertEquals(Pages.PAGE, lengths[1], "a page the software path failed on must go raw");
            assertTrue(lengths[0] < Pages.PAGE && lengths[2] < Pages.PAGE);
            MethodStatistics s = executor.statistics();
            assertEquals(3, s.get("pages_software"));
            assertEquals(1, s.get("fallbacks"));
            // The other pages' streams are intact.
            List<MemorySegment> targets = pages.targets(2);
            executor.decompress(List.of(slots.get(0).asSlice(0, lengths[0]), slots.get(2).asSlice(0, lengths[2])),
                    targets);
            assertEquals(-1, targets.get(0).mismatch(in.get(0)));
            assertEquals(-1, targets.get(1).mismatch(in.get(2)));
        }
    }

    @Test
    void inflatesStreamsMadeByJavaUtilZip() throws Exception {
        try (Arena arena = Arena.ofConfined();
             SoftwarePageExecutor executor = new SoftwarePageExecutor(Pages.PAGE, 16, false, QplCalls.bindings())) {
            Pages pages = new Pages(arena, 8);
            List<MemorySegment> in = List.of(pages.text(), pages.binary(), pages.pattern(), pages.nearZero());
            List<MemorySegment> streams = new ArrayList<>();
            for (MemorySegment p : in) {
                streams.add(javaDeflate(arena, p, Pages.PAGE * 2));
            }
            List<MemorySegment> targets = pages.targets(in.size());
            executor.decompress(streams, targets);
            for (int i = 0; i < in.size(); i++) {
                assertEquals(-1, targets.get(i).mismatch(in.get(i)), "page " + i);
            }
        }
    }

    @Test
    void badStreamsAreNamedAndNothingOutsideTheTargetIsWritten() throws Exception {
        try (Arena arena = Arena.ofConfined();
             SoftwarePageExecutor executor = new SoftwarePageExecutor(Pages.PAGE, 16, false, QplCalls.bindings())) {
            Pages pages = new Pages(arena, 9);
            MemorySegment good = javaDeflate(arena, pages.text(), Pages.PAGE);
            MemorySegment twoPages = javaDeflate(arena, arena.allocate(2L * Pages.PAGE), Pages.PAGE);
            MemorySegment halfPage = javaDeflate(arena, arena.allocate(Pages.PAGE / 2), Pages.PAGE);
            MemorySegment trailing = arena.allocate(good.byteSize() + 16);
            MemorySegment.copy(good, 0, trailing, 0, good.byteSize());
            MemorySegment random = pages.random().asSlice(0, 1000);

            assertCorrupt(executor, arena, good, good.asSlice(0, good.byteSize() / 2), "not one page");
            assertCorrupt(executor, arena, good, random, "invalid DEFLATE stream");
            assertCorrupt(executor, arena, good, arena.allocate(1).asSlice(0, 0), "empty DEFLATE stream");
            assertCorrupt(executor, arena, good, twoPages, "more than one page");
            assertCorrupt(executor, arena, good, halfPage, "inflates to 2048 bytes");
            assertCorrupt(executor, arena, good, trailing, "trailing data");
        }
    }

    /**
     * QPL does not report where a stream ends (its software path counts up to 7 bytes read ahead), so what this
     * executor says of trailing data must never be a count: 7 or more such bytes used to be "counted" short.
     */
    @Test
    void trailingDataIsNeverCountedWrong() throws Exception {
        try (Arena arena = Arena.ofConfined();
             SoftwarePageExecutor executor = new SoftwarePageExecutor(Pages.PAGE, 16, false, QplCalls.bindings())) {
            Pages pages = new Pages(arena, 13);
            MemorySegment good = javaDeflate(arena, pages.text(), Pages.PAGE);
            int end = (int) good.byteSize();
            for (int extra = 1; extra <= 24; extra++) {
                MemorySegment longer = arena.allocate(end + extra);
                MemorySegment.copy(good, 0, longer, 0, end);
                longer.asSlice(end).fill((byte) 0x5A);
                try {
                    executor.decompress(List.of(longer), pages.targets(1));
                } catch (CorruptPayloadException e) {
                    assertFalse(e.reason().matches("\\d+ bytes of trailing data.*"), e.getMessage());
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("ends within the first (\\d+) of its "
                            + (end + extra) + " bytes").matcher(e.getMessage());
                    assertTrue(m.find(), e.getMessage());
                    int within = Integer.parseInt(m.group(1));
                    assertTrue(within >= end && within < end + extra, e.getMessage());
                }
            }
        }
    }

    /** Batch of [good, bad]: names page 1, leaves the guard bytes around both targets as they were. */
    private static void assertCorrupt(SoftwarePageExecutor executor, Arena arena, MemorySegment good,
                                      MemorySegment bad, String expected) {
        MemorySegment guarded = arena.allocate(5L * Pages.PAGE, 64);
        guarded.fill((byte) 0xA5);
        List<MemorySegment> targets = List.of(guarded.asSlice(Pages.PAGE, Pages.PAGE),
                guarded.asSlice(3L * Pages.PAGE, Pages.PAGE));
        CorruptPayloadException e = assertThrows(CorruptPayloadException.class,
                () -> executor.decompress(List.of(good, bad), targets));
        assertEquals(1, e.pageIndex(), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        for (long[] guard : new long[][] {{0, Pages.PAGE}, {2L * Pages.PAGE, 3L * Pages.PAGE},
                {4L * Pages.PAGE, 5L * Pages.PAGE}}) {
            for (long at = guard[0]; at < guard[1]; at++) {
                assertEquals((byte) 0xA5, guarded.get(ValueLayout.JAVA_BYTE, at), "guard byte " + at + " changed");
            }
        }
    }

    @Test
    void refusesBatchesThatDoNotFit() {
        try (Arena arena = Arena.ofConfined();
             SoftwarePageExecutor executor = new SoftwarePageExecutor(Pages.PAGE, 2, false, QplCalls.bindings())) {
            Pages pages = new Pages(arena, 10);
            IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class,
                    () -> executor.compress(List.of(pages.text(), pages.text(), pages.text()), pages.slots(3),
                            new int[3]));
            assertTrue(tooMany.getMessage().contains("3 pages in one batch"), tooMany.getMessage());
            IllegalArgumentException shortPage = assertThrows(IllegalArgumentException.class,
                    () -> executor.compress(List.of(pages.text().asSlice(0, 100)), pages.slots(1), new int[1]));
            assertTrue(shortPage.getMessage().contains("page 0 has 100 bytes"), shortPage.getMessage());
            IllegalArgumentException shortSlot = assertThrows(IllegalArgumentException.class,
                    () -> executor.compress(List.of(pages.text()), List.of(arena.allocate(10)), new int[1]));
            assertTrue(shortSlot.getMessage().contains("slot 0 has 10 bytes"), shortSlot.getMessage());
        }
    }

    static byte[] javaInflate(MemorySegment stream) throws DataFormatException {
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(stream.toArray(ValueLayout.JAVA_BYTE));
            byte[] out = new byte[Pages.PAGE];
            int n = inflater.inflate(out);
            assertTrue(inflater.finished(), "java.util.zip did not reach the end of the stream");
            assertEquals(Pages.PAGE, n);
            return out;
        } finally {
            inflater.end();
        }
    }

    static MemorySegment javaDeflate(Arena arena, MemorySegment data, int capacity) {
        Deflater deflater = new Deflater(1, true);
        try {
            deflater.setInput(data.toArray(ValueLayout.JAVA_BYTE));
            deflater.finish();
            byte[] out = new byte[capacity];
            int n = deflater.deflate(out);
            assertTrue(deflater.finished(), "test stream does not fit in " + capacity + " bytes");
            MemorySegment s = arena.allocate(n);
            MemorySegment.copy(out, 0, s, ValueLayout.JAVA_BYTE, 0, n);
            return s;
        } finally {
            deflater.end();
        }
    }
}
