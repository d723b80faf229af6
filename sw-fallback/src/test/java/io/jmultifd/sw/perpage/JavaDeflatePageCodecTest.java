package io.jmultifd.sw.perpage;

import static org.junit.jupiter.api.Assertions.*;

import io.jmultifd.spi.CorruptPayloadException;
import io.jmultifd.spi.MethodParameters;
import io.jmultifd.spi.contract.TestPages;
import io.jmultifd.spi.contract.TestPages.Kind;
import io.jmultifd.sw.Deflate;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class JavaDeflatePageCodecTest {
    static final int PAGE = 4096;
    Arena arena;
    TestPages gen;

    @BeforeEach
    void setUp() {
        arena = Arena.ofConfined();
        gen = new TestPages(arena, PAGE, 11);
    }

    @AfterEach
    void tearDown() {
        arena.close();
    }

    List<MemorySegment> slots(int n) {
        List<MemorySegment> s = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            s.add(arena.allocate(PAGE - 1));
        }
        return s;
    }

    /** Streams from plain java.util.zip at every level and strategy decode in the java tier. */
    @Test
    void decodesStreamsOfOtherLevelsAndStrategies() throws Exception {
        List<MemorySegment> pages = gen.mixed(12);
        try (JavaDeflatePageCodec codec = new JavaDeflatePageCodec(PAGE)) {
            for (int level = 0; level <= 9; level++) {
                for (int strategy : new int[] {Deflater.DEFAULT_STRATEGY, Deflater.FILTERED, Deflater.HUFFMAN_ONLY}) {
                    List<MemorySegment> streams = new ArrayList<>();
                    for (MemorySegment p : pages) {
                        byte[] s = Deflate.compress(Deflate.bytes(p), level, strategy, true);
                        streams.add(arena.allocateFrom(ValueLayout.JAVA_BYTE, s));
                    }
                    List<MemorySegment> targets = gen.targets(pages.size());
                    codec.decompress(streams, targets);
                    TestPages.assertSamePages(pages, targets);
                }
            }
        }
    }

    /** And the other way round: what the java tier writes is plain raw DEFLATE of exactly the page. */
    @ParameterizedTest
    @EnumSource(Huffman.class)
    void writesPlainRawDeflateThatAnyInflaterReads(Huffman huffman) throws Exception {
        List<MemorySegment> pages = gen.mixed(20);
        int[] lengths = new int[pages.size()];
        List<MemorySegment> slots = slots(pages.size());
        try (JavaDeflatePageCodec codec = new JavaDeflatePageCodec(PAGE, 6, huffman)) {
            codec.compress(pages, slots, lengths);
        }
        Inflater inflater = new Inflater(true);
        try {
            for (int i = 0; i < pages.size(); i++) {
                if (lengths[i] == PAGE) {
                    continue;
                }
                inflater.reset();
                inflater.setInput(slots.get(i).asSlice(0, lengths[i]).toArray(ValueLayout.JAVA_BYTE));
                byte[] out = new byte[PAGE + 1];
                int n = inflater.inflate(out);
                assertTrue(inflater.finished(), "page " + i);
                assertEquals(PAGE, n, "page " + i);
                assertArrayEquals(Deflate.bytes(pages.get(i)), Arrays.copyOf(out, PAGE), "page " + i);
            }
        } finally {
            inflater.end();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 9})
    void everyLevelRoundTripsAndRandomPagesGoRaw(int level) throws Exception {
        List<MemorySegment> pages = new ArrayList<>(gen.mixed(10));
        pages.add(gen.page(Kind.RANDOM));
        int[] lengths = new int[pages.size()];
        List<MemorySegment> slots = slots(pages.size());
        try (JavaDeflatePageCodec codec = new JavaDeflatePageCodec(PAGE, level, Huffman.DYNAMIC)) {
            codec.compress(pages, slots, lengths);
            assertEquals(PAGE, lengths[pages.size() - 1], "random page does not shrink");
            List<MemorySegment> streams = new ArrayList<>();
            List<MemorySegment> compressedPages = new ArrayList<>();
            for (int i = 0; i < pages.size(); i++) {
                assertTrue(lengths[i] > 0 && lengths[i] <= PAGE);
                if (lengths[i] < PAGE) {
                    streams.add(slots.get(i).asSlice(0, lengths[i]));
                    compressedPages.add(pages.get(i));
                }
            }
            List<MemorySegment> targets = gen.targets(streams.size());
            codec.decompress(streams, targets);
            TestPages.assertSamePages(compressedPages, targets);
            assertEquals(pages.size() + streams.size(), codec.statistics().get("pages_java"));
        }
    }

    @Test
    void aPageThatCompressesToExactlyTheSlotLimitStillGoesRawOrFits() throws Exception {
        // Pages whose stream length is around pageSize - 1: mostly random with a compressible prefix of varying
        // size, so the stream length sweeps across the cap; every result must be raw or a valid stream.
        try (JavaDeflatePageCodec codec = new JavaDeflatePageCodec(PAGE)) {
            int[] lengths = new int[1];
            List<MemorySegment> slot = slots(1);
            boolean sawRaw = false;
            boolean sawCompressed = false;
            for (int zeros = 0; zeros < 200; zeros += 4) {
                MemorySegment page = gen.page(Kind.RANDOM);
                page.asSlice(0, zeros).fill((byte) 0);
                codec.compress(List.of(page), slot, lengths);
                if (lengths[0] == PAGE) {
                    sawRaw = true;
                } else {
                    sawCompressed = true;
                    MemorySegment target = arena.allocate(PAGE);
                    codec.decompress(List.of(slot.get(0).asSlice(0, lengths[0])), List.of(target));
                    assertEquals(-1, page.mismatch(target));
                }
            }
            assertTrue(sawRaw && sawCompressed, "the sweep crosses the cap");
        }
    }

    @Test
    void failedStreamReportsItsIndexInTheBatch() {
        try (JavaDeflatePageCodec codec = new JavaDeflatePageCodec(PAGE)) {
            MemorySegment good = arena.allocateFrom(ValueLayout.JAVA_BYTE, Deflate.raw(Deflate.bytes(gen.page(Kind.TEXT))));
            MemorySegment bad = arena.allocateFrom(ValueLayout.JAVA_BYTE, Deflate.raw(new byte[100]));
            CorruptPayloadException e = assertThrows(CorruptPayloadException.class,
                    () -> codec.decompress(List.of(good, good, bad), gen.targets(3)));
            assertEquals(2, e.pageIndex());
            assertTrue(e.getMessage().contains("100 bytes, less than one page"), e.getMessage());
        }
    }

    /** A stream that fills the page but lacks its end says so; it used to be called "more than one page". */
    @Test
    void streamCutAfterAWholePageIsNotCalledMoreThanOnePage() {
        try (JavaDeflatePageCodec codec = new JavaDeflatePageCodec(PAGE)) {
            byte[] whole = Deflate.raw(Deflate.bytes(gen.page(Kind.TEXT)));
            // A stream's last byte holds its end-of-block code; cut it off and the page is full, the stream not done.
            MemorySegment cut = arena.allocateFrom(ValueLayout.JAVA_BYTE, Arrays.copyOf(whole, whole.length - 1));
            CorruptPayloadException e = assertThrows(CorruptPayloadException.class,
                    () -> codec.decompress(List.of(cut), gen.targets(1)));
            assertTrue(e.getMessage().contains("ends before its final block"), e.getMessage());
            MemorySegment more = arena.allocateFrom(ValueLayout.JAVA_BYTE, Deflate.raw(new byte[PAGE + 1]));
            CorruptPayloadException m = assertThrows(CorruptPayloadException.class,
                    () -> codec.decompress(List.of(more), gen.targets(1)));
            assertTrue(m.getMessage().contains("more than one page"), m.getMessage());
        }
    }

    @Test
    void constructorAndParameterValidation() {
        assertThrows(IllegalArgumentException.class, () -> new JavaDeflatePageCodec(PAGE, 0, Huffman.DYNAMIC));
        assertThrows(IllegalArgumentException.class, () -> new JavaDeflatePageCodec(PAGE, 10, Huffman.DYNAMIC));
        assertThrows(IllegalArgumentException.class, () -> new JavaDeflatePageCodec(3000));
        assertEquals(Huffman.FIXED, Huffman.from(MethodParameters.of("qpl-huffman", "fixed"), Huffman.DYNAMIC));
        assertEquals(Huffman.DYNAMIC, Huffman.from(MethodParameters.of("qpl-huffman", "dynamic"), Huffman.FIXED));
        assertEquals(Huffman.FIXED, Huffman.from(MethodParameters.of(), Huffman.FIXED));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Huffman.from(MethodParameters.of("qpl-huffman", "static"), Huffman.DYNAMIC));
        assertTrue(e.getMessage().contains("qpl-huffman=static"), e.getMessage());
    }

    @Test
    void closedCodecRefusesWork() {
        JavaDeflatePageCodec codec = new JavaDeflatePageCodec(PAGE);
        codec.close();
        codec.close(); // idempotent
        assertThrows(IllegalStateException.class,
                () -> codec.compress(List.of(gen.page(Kind.TEXT)), slots(1), new int[1]));
    }
}
