package io.jmultifd.sw.perpage;

import static org.junit.jupiter.api.Assertions.*;

import io.jmultifd.spi.contract.TestPages;
import io.jmultifd.spi.contract.TestPages.Kind;
import io.jmultifd.sw.EdgePages;
import io.jmultifd.sw.FixedBlockReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The java tier with {@code qpl-huffman=fixed}: every stream must be one final fixed-Huffman block whose matches
 * stay within IAA's 4 KiB window, and must inflate with {@link Inflater} (and with the independent
 * {@link FixedBlockReader}) to exactly its page. What a page must become is decided by those two decoders, never
 * by the encoder.
 */
class FixedHuffmanPageEncoderTest {
    static final int WINDOW = 4096;
    Arena arena;
    Inflater inflater;

    @BeforeEach
    void setUp() {
        arena = Arena.ofShared();
        inflater = new Inflater(true);
    }

    @AfterEach
    void tearDown() {
        inflater.end();
        arena.close();
    }

    /** Compresses one page with a fresh slot of exactly page size - 1 bytes; returns the stream, or null if raw. */
    byte[] compress(JavaDeflatePageCodec codec, MemorySegment page) {
        int size = (int) page.byteSize();
        MemorySegment slot = arena.allocate(size - 1);
        int[] length = new int[1];
        codec.compress(List.of(page), List.of(slot), length);
        assertTrue(length[0] > 0 && length[0] <= size, "length " + length[0]);
        return length[0] == size ? null : slot.asSlice(0, length[0]).toArray(ValueLayout.JAVA_BYTE);
    }

    /** Both decoders agree that {@code stream} is exactly {@code page}, in one fixed block within the window. */
    FixedBlockReader.Summary assertValidStreamOf(byte[] stream, MemorySegment page, String what) throws Exception {
        byte[] expected = page.toArray(ValueLayout.JAVA_BYTE);
        inflater.reset();
        inflater.setInput(stream);
        byte[] out = new byte[expected.length + 1];
        int n = inflate(out);
        assertTrue(inflater.finished(), what + ": Inflater did not reach the end of the stream");
        assertEquals(expected.length, n, what + ": Inflater's length");
        assertEquals(0, inflater.getRemaining(), what + ": bytes after the end of the stream");
        assertArrayEquals(expected, Arrays.copyOf(out, n), what + ": Inflater's bytes");
        FixedBlockReader.Summary s = FixedBlockReader.read(stream);
        assertEquals(1, s.blocks(), what + ": blocks");
        assertTrue(s.farthestDistance() <= WINDOW, what + ": a match reaches " + s.farthestDistance() + " back");
        assertEquals(stream.length, s.bytesRead(), what + ": stream length");
        assertArrayEquals(expected, s.output(), what + ": FixedBlockReader's bytes");
        return s;
    }

    private int inflate(byte[] out) throws DataFormatException {
        int n = 0;
        while (!inflater.finished() && n < out.length) {
            int k = inflater.inflate(out, n, out.length - n);
            if (k == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                break;
            }
            n += k;
        }
        return n;
    }

    @ParameterizedTest(name = "page size {0}")
    @ValueSource(ints = {512, 1024, 2048, 4096, 8192, 16384, 65536, 1 << 20})
    void everyKindOfPageIsOneFixedBlockThatInflatesToIt(int pageSize) throws Exception {
        TestPages pages = new TestPages(arena, pageSize, pageSize);
        EdgePages edges = new EdgePages(arena, pageSize, pageSize);
        try (JavaDeflatePageCodec codec = new JavaDeflatePageCodec(pageSize, 1, Huffman.FIXED)) {
            for (Kind kind : Kind.values()) {
                MemorySegment page = pages.page(kind);
                byte[] stream = compress(codec, page);
                if (kind == Kind.RANDOM) {
                    assertNull(stream, "random bytes do not shrink: the page goes raw");
                    continue;
                }
                assertNotNull(stream, kind + " shrinks");
                assertValidStreamOf(stream, page, kind.toString());
            }
            for (MemorySegment page : List.of(edges.textEndingInCopy(), edges.fuzz(), edges.run((byte) 0),
                    edges.run((byte) 0xff))) {
                byte[] stream = compress(codec, page);
                assertNotNull(stream, "edge page shrinks");
                assertValidStreamOf(stream, page, "edge page");
            }
        }
    }

    /**
     * A run is one literal, then matches of 258 bytes (the longest) up to the page's end. With 65536 bytes, 3 are
     * left after the last 258: too few for a match (4 bytes at least), so they end the page as literals.
     */
    @ParameterizedTest(name = "page size {0}")
    @ValueSource(ints = {512, 4096, 65536, 1 << 20})
    void aRunOfOneByteIsLongestMatchesToThePageEnd(int pageSize) throws Exception {
        EdgePages edges = new EdgePages(arena, pageSize, 7);
        try (JavaDeflatePageCodec codec = new JavaDeflatePageCodec(pageSize, 1, Huffman.FIXED)) {
            MemorySegment page = edges.run((byte) 0x5a);
            byte[] stream = compress(codec, page);
            assertNotNull(stream);
            FixedBlockReader.Summary s = assertValidStreamOf(stream, page, "run");
            assertEquals(258, s.longestMatch());
            assertTrue(s.farthestDistance() <= 258, "farthest match " + s.farthestDistance());
            assertEquals((pageSize - 1) % 258 >= 4, s.endsWithMatch(), "the last match reaches the page's end");
            // 258 bytes per match of at most 20 bits (8-bit length code 285, distance code 16 and 7 extra bits).
            assertTrue(stream.length <= 8 + pageSize / 64, stream.length + " bytes");
        }
    }

    /** Matches reach exactly 4096 bytes back, never 4097, whatever the page size. */
    @ParameterizedTest(name = "page size {0}")
    @ValueSource(ints = {8192, 16384, 65536})
    void matchesReachBackExactlyTheWindow(int pageSize) throws Exception {
        EdgePages edges = new EdgePages(arena, pageSize, 3);
        try (JavaDeflatePageCodec codec = new JavaDeflatePageCodec(pageSize, 1, Huffman.FIXED)) {
            MemorySegment atWindow = edges.repeating(WINDOW);
            byte[] stream = compress(codec, atWindow);
            assertNotNull(stream, "the repeats are within the window");
            FixedBlockReader.Summary s = assertValidStreamOf(stream, atWindow, "period 4096");
            assertEquals(WINDOW, s.farthestDistance());
            assertTrue(s.endsWithMatch());
            // Random bytes whose only repeats lie 4097 back: nothing within the window to refer to.
            assertNull(compress(codec, edges.repeating(WINDOW + 1)), "period 4097 does not shrink within 4 KiB");
        }
    }

    /** Pages too small for a match (a 4-byte prefix) or for any stream at all. */
    @ParameterizedTest(name = "page size {0}")
    @ValueSource(ints = {2, 4, 8, 16, 64})
    void tinyPages(int pageSize) throws Exception {
        EdgePages edges = new EdgePages(arena, pageSize, 5);
        try (JavaDeflatePageCodec codec = new JavaDeflatePageCodec(pageSize, 1, Huffman.FIXED)) {
            for (MemorySegment page : List.of(edges.run((byte) 1), edges.fuzz(), edges.textEndingInCopy())) {
                byte[] stream = compress(codec, page);
                if (stream != null) {
                    assertValidStreamOf(stream, page, "tiny page");
                }
            }
            if (pageSize == 2) {
                // Header, two literals and end of block take 26 bits: more than the one byte a 2-byte page allows.
                assertNull(compress(codec, edges.run((byte) 0)));
            }
            if (pageSize == 64) {
                assertNotNull(compress(codec, edges.run((byte) 0)));
            }
        }
    }

    /** Streams around the cap of page size - 1 bytes: each either fits and inflates or the page goes raw. */
    @Test
    void streamsAroundTheCapFitOrGoRaw() throws Exception {
        TestPages pages = new TestPages(arena, 4096, 12);
        boolean sawRaw = false;
        boolean sawCompressed = false;
        try (JavaDeflatePageCodec codec = new JavaDeflatePageCodec(4096, 1, Huffman.FIXED)) {
            for (int zeros = 0; zeros < 600; zeros += 3) {
                MemorySegment page = pages.page(Kind.RANDOM);
                page.asSlice(0, zeros).fill((byte) 0);
                byte[] stream = compress(codec, page);
                if (stream == null) {
                    sawRaw = true;
                } else {
                    sawCompressed = true;
                    assertTrue(stream.length <= 4095);
                    assertValidStreamOf(stream, page, zeros + " zeros");
                }
            }
        }
        assertTrue(sawRaw && sawCompressed, "the sweep crosses the cap");
    }

    /** Fuzz: pages of every supported size mixed from random pieces; a fixed seed, so a failure reproduces. */
    @Test
    void fuzzPagesRoundTrip() throws Exception {
        SplittableRandom random = new SplittableRandom(20261129);
        int[] sizes = {512, 1024, 4096, 8192, 65536};
        List<JavaDeflatePageCodec> codecs = new ArrayList<>();
        int compressed = 0;
        int total = 0;
        try {
            for (int size : sizes) {
                codecs.add(new JavaDeflatePageCodec(size, 1, Huffman.FIXED));
            }
            for (int i = 0; i < 300; i++) {
                int k = random.nextInt(sizes.length);
                EdgePages edges = new EdgePages(arena, sizes[k], random.nextLong());
                MemorySegment page = edges.fuzz();
                byte[] stream = compress(codecs.get(k), page);
                total++;
                if (stream != null) {
                    compressed++;
                    assertValidStreamOf(stream, page, "fuzz page " + i + " of " + sizes[k] + " bytes");
                }
            }
        } finally {
            codecs.forEach(JavaDeflatePageCodec::close);
        }
        // A quarter of each page is random bytes, the rest runs, copies and a small alphabet: most pages shrink.
        assertTrue(compressed > total / 2, compressed + " of " + total + " compressed");
    }

    /**
     * The stream depends on the page alone: the table of earlier pages' positions is never taken for a match,
     * also across the point where its base wraps around and the table is cleared.
     */
    @ParameterizedTest(name = "page size {0}")
    @ValueSource(ints = {512, 4096, 1 << 20})
    void earlierPagesNeverLeakIntoAStream(int pageSize) throws Exception {
        EdgePages edges = new EdgePages(arena, pageSize, 9);
        MemorySegment text = edges.textEndingInCopy();
        MemorySegment other = edges.fuzz();
        MemorySegment slot = arena.allocate(pageSize - 1);
        byte[] first;
        try (FixedHuffmanPageEncoder fresh = new FixedHuffmanPageEncoder(pageSize)) {
            int n = fresh.compress(text, slot);
            first = slot.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        }
        assertValidStreamOf(first, text, "text");
        // Start a few pages before the base wraps; alternate with another page so the table is full of it.
        int nearWrap = Integer.MAX_VALUE - 5 * (pageSize + WINDOW + 1);
        try (FixedHuffmanPageEncoder encoder = new FixedHuffmanPageEncoder(pageSize, nearWrap)) {
            for (int i = 0; i < 12; i++) {
                encoder.compress(other, slot);
                int n = encoder.compress(text, slot);
                assertArrayEquals(first, slot.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), "round " + i);
            }
        }
    }

    /**
     * The guest may write a page while it is compressed, and the encoder reads the page in place: whatever it
     * reads, the stream must stay valid and inflate to exactly one page (of some mix of old and new bytes).
     */
    @Test
    void aPageWrittenDuringCompressionStillGivesAOnePageStream() throws Exception {
        int pageSize = 4096;
        MemorySegment page = new EdgePages(arena, pageSize, 4).textEndingInCopy();
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            SplittableRandom random = new SplittableRandom(4);
            while (!stop.get()) {
                int at = random.nextInt(pageSize - 8);
                page.set(ValueLayout.JAVA_LONG_UNALIGNED, at, random.nextInt(3) == 0 ? random.nextLong() : 0L);
            }
        });
        writer.start();
        try (JavaDeflatePageCodec codec = new JavaDeflatePageCodec(pageSize, 1, Huffman.FIXED)) {
            for (int i = 0; i < 2000; i++) {
                byte[] stream = compress(codec, page);
                if (stream == null) {
                    continue;
                }
                FixedBlockReader.Summary s = FixedBlockReader.read(stream);
                assertEquals(pageSize, s.output().length, "round " + i);
                assertTrue(s.farthestDistance() <= WINDOW);
                inflater.reset();
                inflater.setInput(stream);
                byte[] out = new byte[pageSize + 1];
                assertEquals(pageSize, inflate(out), "round " + i);
                assertTrue(inflater.finished());
            }
        } finally {
            stop.set(true);
            writer.join();
        }
    }
}
