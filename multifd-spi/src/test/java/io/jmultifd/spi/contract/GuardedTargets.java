package io.jmultifd.spi.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Destination pages carved out of one bigger segment with a guard gap before, between and after them, all
 * filled with a sentinel: after a decode, failing or not, every byte outside the pages must still be the
 * sentinel.
 */
public final class GuardedTargets {
    public static final byte SENTINEL = (byte) 0xA5;
    private final MemorySegment whole;
    private final List<MemorySegment> pages;
    private final int pageSize;
    private final int gap;

    public GuardedTargets(Arena arena, int count, int pageSize) {
        this.pageSize = pageSize;
        this.gap = pageSize; // a full page of guard, so a write one page too far is caught too
        this.whole = arena.allocate((long) count * (pageSize + gap) + gap, 64);
        whole.fill(SENTINEL);
        List<MemorySegment> p = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            p.add(whole.asSlice(gap + (long) i * (pageSize + gap), pageSize));
        }
        this.pages = List.copyOf(p);
    }

    public List<MemorySegment> pages() {
        return pages;
    }

    /** Every guard byte still holds the sentinel. */
    public void assertGuardsIntact() {
        for (int i = 0; i <= pages.size(); i++) {
            long start = (long) i * (pageSize + gap);
            assertSentinel(whole.asSlice(start, gap), start, "guard byte");
        }
    }

    /** The pages too still hold the sentinel: nothing was written at all. */
    public void assertUntouched() {
        assertSentinel(whole, 0, "byte");
    }

    private void assertSentinel(MemorySegment region, long regionOffset, String what) {
        for (long off = 0; off < region.byteSize(); off++) {
            byte b = region.get(ValueLayout.JAVA_BYTE, off);
            if (b != SENTINEL) {
                assertEquals(SENTINEL, b, what + " at offset " + (regionOffset + off)
                        + " of the target region was overwritten");
            }
        }
    }
}
