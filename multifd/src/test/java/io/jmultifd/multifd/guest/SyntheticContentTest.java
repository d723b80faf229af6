package io.jmultifd.multifd.guest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.multifd.guest.SyntheticContent.Mix;
import io.jmultifd.multifd.guest.SyntheticContent.PageKind;
import io.jmultifd.multifd.guest.SyntheticContent.Spec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.EnumMap;
import java.util.Map;
import java.util.zip.CRC32C;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SyntheticContentTest {
    private static final int PAGE = 4096;

    private static long crc(MemorySegment memory) {
        CRC32C crc = new CRC32C();
        crc.update(memory.asByteBuffer());
        return crc.getValue();
    }

    private static long filledCrc(long size, Mix mix, long seed) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(size, PAGE);
            SyntheticContent.fill(memory, PAGE, mix, seed);
            return crc(memory);
        }
    }

    @Test
    void sameSeedGivesTheSameBytes() {
        long a = filledCrc(8 << 20, Mix.MIXED, 42);
        long b = filledCrc(8 << 20, Mix.MIXED, 42);
        assertEquals(a, b);
    }

    @Test
    void differentSeedGivesDifferentBytes() {
        assertNotEquals(filledCrc(8 << 20, Mix.MIXED, 42), filledCrc(8 << 20, Mix.MIXED, 43));
    }

    @Test
    void fillOverwritesOldContentSoAReusedSegmentGivesTheSameBytes() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(2 << 20, PAGE);
            memory.fill((byte) 0x5a);
            SyntheticContent.fill(memory, PAGE, Mix.MIXED, 7);
            assertEquals(filledCrc(2 << 20, Mix.MIXED, 7), crc(memory));
        }
    }

    /** Classifies each page by looking at its bytes, independently of the generator's bookkeeping. */
    private static PageKind classify(MemorySegment page) {
        byte[] bytes = page.toArray(ValueLayout.JAVA_BYTE);
        boolean zero = true;
        boolean ascii = true;
        for (byte b : bytes) {
            zero &= b == 0;
            ascii &= b == '\n' || (b >= 32 && b < 127);
        }
        if (zero) {
            return PageKind.ZERO;
        }
        for (int period = 1; period <= 64; period++) {
            boolean periodic = true;
            for (int i = period; i < bytes.length && periodic; i++) {
                periodic = bytes[i] == bytes[i - period];
            }
            if (periodic) {
                return PageKind.REPEAT;
            }
        }
        // After the periodic check: a repeated pattern of printable bytes would look like text.
        if (ascii && new String(bytes, java.nio.charset.StandardCharsets.US_ASCII).contains(" ")) {
            return PageKind.TEXT;
        }
        Deflater deflater = new Deflater(1, true);
        deflater.setInput(bytes);
        deflater.finish();
        byte[] out = new byte[2 * PAGE];
        int compressed = deflater.deflate(out);
        deflater.end();
        // Random pages do not shrink; the 32-byte records shrink a lot.
        return compressed > PAGE * 9 / 10 ? PageKind.RANDOM : PageKind.BINARY;
    }

    @Test
    void theMixIsHonouredPageByPage() {
        Mix mix = Mix.parse("zero=10,text=30,binary=20,random=15,repeat=25");
        int pages = 2000;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate((long) pages * PAGE, PAGE);
            Map<PageKind, Long> reported = SyntheticContent.fill(memory, PAGE, mix, 3);
            Map<PageKind, Long> seen = new EnumMap<>(PageKind.class);
            for (int p = 0; p < pages; p++) {
                seen.merge(classify(memory.asSlice((long) p * PAGE, PAGE)), 1L, Long::sum);
            }
            Map<PageKind, Long> expected = Map.of(PageKind.ZERO, 200L, PageKind.TEXT, 600L, PageKind.BINARY, 400L,
                    PageKind.RANDOM, 300L, PageKind.REPEAT, 500L);
            assertEquals(expected, Map.copyOf(seen));
            assertEquals(expected, Map.copyOf(reported));
        }
    }

    @Test
    void theMixedDefaultHasAboutTenPercentZeroPages() {
        PageKind[] kinds = SyntheticContent.pageKinds(10_000, Mix.MIXED, 1);
        long zero = java.util.Arrays.stream(kinds).filter(k -> k == PageKind.ZERO).count();
        assertEquals(1000, zero);
    }

    @Test
    void kindsAreShuffledNotLaidOutInRuns() {
        PageKind[] kinds = SyntheticContent.pageKinds(1000, Mix.MIXED, 1);
        int changes = 0;
        for (int i = 1; i < kinds.length; i++) {
            changes += kinds[i] != kinds[i - 1] ? 1 : 0;
        }
        // Laid out in runs there would be 4 changes; a shuffle of this mix gives hundreds.
        assertTrue(changes > 300, "only " + changes + " kind changes in 1000 pages");
    }

    @Test
    void roundingKeepsEveryPageAndTheExactTotal() {
        PageKind[] kinds = SyntheticContent.pageKinds(7, Mix.MIXED, 1);
        assertEquals(7, kinds.length);
        for (PageKind k : kinds) {
            assertTrue(k != null);
        }
    }

    @Test
    void textPagesAreAsciiWordsAndLines() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(16 * PAGE, PAGE);
            SyntheticContent.fill(memory, PAGE, Mix.parse("text=100"), 5);
            String text = new String(memory.toArray(ValueLayout.JAVA_BYTE), java.nio.charset.StandardCharsets.US_ASCII);
            assertTrue(text.chars().allMatch(c -> c == '\n' || (c >= 32 && c < 127)));
            assertTrue(text.lines().count() > 16 * 10, "expected many lines");
        }
    }

    @Test
    void specParsesSizeAndMix() {
        Spec spec = Spec.parse("512M:mixed");
        assertEquals(512L << 20, spec.size());
        assertEquals(Mix.MIXED, spec.mix());
        Spec custom = Spec.parse("1G:zero=50,random=50");
        assertEquals(1L << 30, custom.size());
        assertEquals(50, custom.mix().percent().get(PageKind.ZERO));
        assertEquals(0, custom.mix().percent().get(PageKind.TEXT));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "12Q:mixed|bad size '12Q' (use e.g. 512M, 1G)",
            ":mixed|bad size ''",
            "-1M:mixed|bad size '-1M'",
            "0:mixed|bad size '0': must be more than 0",
            "99999999999999999999G:mixed|too large",
            "16777216T:mixed|too large",
            "1G|expected SIZE:MIX",
            "1G:|empty mix",
            "1G:foo=100|unknown page kind 'foo'",
            "1G:zero=10,text=30|sum to 40, they must sum to 100",
            "1G:zero=10,zero=90|zero is given twice",
            "1G:zero=x,text=100|bad percentage 'x' for zero",
            "1G:zero=-10,text=110|zero=-10: a percentage must be between 0 and 100",
            "1G:zero|'zero' is not KIND=PERCENT",
            "1G:mixd|'mixd' is not KIND=PERCENT"})
    void badSpecsNameTheCulprit(String spec, String expectedMessagePart) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Spec.parse(spec));
        assertTrue(e.getMessage().contains(expectedMessagePart), e.getMessage());
    }

    @Test
    void sizeMustBeAPageMultiple() {
        Spec spec = Spec.parse("5000:mixed");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> spec.requirePageMultiple(PAGE));
        assertEquals("size 5000 is not a multiple of the page size 4096", e.getMessage());
    }

    @Test
    void fillRejectsMemoryThatIsNotWholePages() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(PAGE + 1);
            assertThrows(IllegalArgumentException.class, () -> SyntheticContent.fill(memory, PAGE, Mix.MIXED, 1));
        }
    }

    @Test
    void mixToStringRoundTrips() {
        assertEquals(Mix.MIXED, Mix.parse(Mix.MIXED.toString()));
    }
}
