package io.jmultifd.accel.qpl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jmultifd.spi.contract.TestPages;
import io.jmultifd.sw.Deflate;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;

/**
 * The stream check against zlib (java.util.zip), an independent decoder: on well-formed streams of every kind
 * zlib makes and on thousands of damaged ones, both say the same, and for a stream with data after its end the
 * check counts exactly the bytes zlib leaves unread.
 */
class DeflateStreamCheckTest {
    private static final int PAGE = 4096;

    private final DeflateStreamCheck check = new DeflateStreamCheck(PAGE);

    private String check(byte[] stream) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(Math.max(1, stream.length)).asSlice(0, stream.length);
            MemorySegment.copy(stream, 0, s, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, stream.length);
            return check.check(s);
        }
    }

    /** What zlib says of a stream as one page: null when it is one, else a short reason. */
    private static String zlib(byte[] stream) {
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(stream);
            byte[] out = new byte[PAGE + 1];
            int n = 0;
            while (!inflater.finished() && n < out.length) {
                int got = inflater.inflate(out, n, out.length - n);
                if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                n += got;
            }
            if (n > PAGE) {
                return "more than one page";
            }
            if (!inflater.finished()) {
                return "not finished after " + n;
            }
            if (n != PAGE) {
                return "inflates to " + n;
            }
            return inflater.getRemaining() == 0 ? null : inflater.getRemaining() + " trailing";
        } catch (DataFormatException e) {
            return "invalid: " + e.getMessage();
        } finally {
            inflater.end();
        }
    }

    private static byte[] compress(byte[] page, int level, int strategy) {
        return Deflate.compress(page, level, strategy, true);
    }

    /** Several blocks: the page in two halves, each ended by a sync flush (an empty stored block), then the end. */
    private static byte[] flushedInHalves(byte[] page) {
        Deflater d = new Deflater(6, true);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[3 * PAGE];
            d.setInput(page, 0, PAGE / 2);
            out.write(buf, 0, d.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH));
            d.setInput(page, PAGE / 2, PAGE / 2);
            out.write(buf, 0, d.deflate(buf, 0, buf.length, Deflater.FULL_FLUSH));
            d.finish();
            while (!d.finished()) {
                out.write(buf, 0, d.deflate(buf));
            }
            return out.toByteArray();
        } finally {
            d.end();
        }
    }

    /** Well-formed streams of one page: every zlib level and strategy that matters, stored blocks, several blocks. */
    private static List<byte[]> goodStreams() {
        List<byte[]> streams = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            TestPages pages = new TestPages(arena, PAGE, 31);
            for (TestPages.Kind kind : TestPages.Kind.values()) {
                for (int round = 0; round < 3; round++) {
                    byte[] page = Deflate.bytes(pages.page(kind));
                    for (int level : new int[] {0, 1, 6, 9}) {
                        streams.add(compress(page, level, Deflater.DEFAULT_STRATEGY));
                    }
                    streams.add(compress(page, 6, Deflater.FILTERED));
                    streams.add(compress(page, 6, Deflater.HUFFMAN_ONLY));
                    streams.add(flushedInHalves(page));
                }
            }
        }
        return streams;
    }

    @Test
    void acceptsEveryWellFormedPageStream() {
        List<byte[]> streams = goodStreams();
        for (int i = 0; i < streams.size(); i++) {
            assertNull(zlib(streams.get(i)), "test stream " + i + " is not well formed");
            assertNull(check(streams.get(i)), "stream " + i);
        }
    }

    @Test
    void agreesWithZlibOnDamagedStreams() {
        SplittableRandom random = new SplittableRandom(2024);
        int rejected = 0;
        int cases = 0;
        for (byte[] good : goodStreams()) {
            List<byte[]> damaged = new ArrayList<>();
            for (int cut = 1; cut <= Math.min(4, good.length - 1); cut++) {
                damaged.add(Arrays.copyOf(good, good.length - cut));
            }
            damaged.add(Arrays.copyOf(good, good.length / 2));
            for (int extra : new int[] {1, 2, 3, 6, 7, 8, 9, 12, 40}) {
                byte[] longer = Arrays.copyOf(good, good.length + extra);
                for (int i = good.length; i < longer.length; i++) {
                    longer[i] = (byte) random.nextInt(256);
                }
                damaged.add(longer);
            }
            for (int flip = 0; flip < 24; flip++) {
                byte[] flipped = good.clone();
                int bit = random.nextInt(8 * good.length);
                flipped[bit / 8] ^= (byte) (1 << (bit % 8));
                damaged.add(flipped);
            }
            for (int overwrite = 0; overwrite < 8; overwrite++) {
                byte[] changed = good.clone();
                changed[random.nextInt(Math.min(good.length, 64))] = (byte) random.nextInt(256);
                damaged.add(changed);
            }
            for (byte[] stream : damaged) {
                cases++;
                String reference = zlib(stream);
                String verdict = check(stream);
                if ((reference == null) != (verdict == null)) {
                    fail("zlib says " + reference + ", the check says " + verdict + " of " + Arrays.toString(stream));
                }
                if (reference != null) {
                    rejected++;
                    if (reference.endsWith(" trailing")) {
                        String count = reference.substring(0, reference.indexOf(' '));
                        assertTrue(verdict.startsWith(count + " bytes of trailing data"), reference + " / " + verdict);
                    } else if (reference.startsWith("inflates to ")) {
                        assertTrue(verdict.contains(reference), reference + " / " + verdict);
                    } else if (reference.startsWith("not finished after ")) {
                        // A stream that stops short: the check counts what its complete codes stand for, as zlib.
                        int n = Integer.parseInt(reference.substring("not finished after ".length()));
                        assertTrue(verdict.contains("ends before its final block, after inflating " + n + " bytes"),
                                reference + " / " + verdict);
                    }
                }
            }
        }
        // Most damage must be damage, or the comparison shows little (a flipped bit in a stored block's data or
        // in a literal is not).
        assertTrue(rejected > cases / 2, rejected + " of " + cases + " rejected");
    }

    @Test
    void countsEveryTrailingByteExactly() {
        byte[] good = compress(new byte[PAGE], 1, Deflater.DEFAULT_STRATEGY);
        for (int extra = 1; extra <= 12; extra++) {
            assertEquals(extra + " bytes of trailing data after the end of the DEFLATE stream (" + (good.length + extra)
                    + " bytes in all)", check(Arrays.copyOf(good, good.length + extra)));
        }
        // A second complete stream after the first is trailing data too, all of it.
        byte[] two = Arrays.copyOf(good, 2 * good.length);
        System.arraycopy(good, 0, two, good.length, good.length);
        assertTrue(check(two).startsWith(good.length + " bytes of trailing data"), check(two));
    }

    @Test
    void namesWhatIsWrong() {
        byte[] good = compress(new byte[PAGE], 6, Deflater.DEFAULT_STRATEGY);
        assertEquals("empty DEFLATE stream", check(new byte[0]));
        // An empty final block with fixed codes: 1, 01, then the end-of-block code 0000000.
        assertEquals("DEFLATE stream of 2 bytes inflates to 0 bytes, less than one page (4096 bytes)",
                check(new byte[] {0x03, 0x00}));
        byte[] half = compress(new byte[PAGE / 2], 6, Deflater.DEFAULT_STRATEGY);
        assertEquals("DEFLATE stream of " + half.length + " bytes inflates to 2048 bytes, less than one page (4096 "
                + "bytes)", check(half));
        assertEquals("DEFLATE stream inflates to more than one page (4096 bytes)",
                check(compress(new byte[PAGE + 1], 6, Deflater.DEFAULT_STRATEGY)));
        assertEquals("invalid DEFLATE stream: invalid block type", check(new byte[] {(byte) 0xFF, (byte) 0xFF}));
        assertEquals("invalid DEFLATE stream: invalid stored block lengths", check(new byte[] {1, 0, 0, 0, 0}));
        String cut = check(Arrays.copyOf(good, good.length - 1));
        assertTrue(cut.startsWith("DEFLATE stream of " + (good.length - 1) + " bytes ends before its final block"),
                cut);
        // Not final: the whole page in a block that does not say it is the last one, then a sync flush.
        byte[] notFinal = syncFlushedOnly(new byte[PAGE]);
        assertEquals("not finished after 4096", zlib(notFinal));
        assertTrue(check(notFinal).contains("ends before its final block, after inflating 4096 bytes, a whole page"),
                check(notFinal));
    }

    private static byte[] syncFlushedOnly(byte[] page) {
        Deflater d = new Deflater(6, true);
        try {
            d.setInput(page);
            byte[] buf = new byte[2 * PAGE];
            int n = d.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
            return Arrays.copyOf(buf, n);
        } finally {
            d.end();
        }
    }
}
