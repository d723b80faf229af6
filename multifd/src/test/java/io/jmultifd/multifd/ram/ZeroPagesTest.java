package io.jmultifd.multifd.ram;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class ZeroPagesTest {

    /** One non-zero byte anywhere (first word, just after it, middle, last byte) makes a page non-zero. */
    @Test
    void everyBytePositionCounts() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = arena.allocate(4096, 4096);
            assertTrue(ZeroPages.isZero(page));
            for (long at : new long[] {0, 7, 8, 127, 128, 2048, 4095}) {
                page.set(ValueLayout.JAVA_BYTE, at, (byte) 0x40);
                assertFalse(ZeroPages.isZero(page), "non-zero byte at " + at);
                page.set(ValueLayout.JAVA_BYTE, at, (byte) 0);
                assertTrue(ZeroPages.isZero(page), "cleared again at " + at);
            }
        }
    }

    /** Segments shorter than a word, unaligned slices and empty ones are checked too. */
    @Test
    void shortAndUnalignedSegments() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(64, 8);
            assertTrue(ZeroPages.isZero(buffer.asSlice(0, 0)));
            assertTrue(ZeroPages.isZero(buffer.asSlice(3, 5)));
            buffer.set(ValueLayout.JAVA_BYTE, 6, (byte) 1);
            assertFalse(ZeroPages.isZero(buffer.asSlice(3, 5)));
            assertFalse(ZeroPages.isZero(buffer.asSlice(1, 20)));
            assertTrue(ZeroPages.isZero(buffer.asSlice(7, 20)));
            MemorySegment odd = arena.allocate(200, 8); // a 128-byte chunk, then a 72-byte tail
            assertTrue(ZeroPages.isZero(odd));
            odd.set(ValueLayout.JAVA_BYTE, 199, (byte) 1);
            assertFalse(ZeroPages.isZero(odd), "last byte of the tail");
            assertTrue(ZeroPages.isZero(odd.asSlice(0, 199)));
        }
    }
}
