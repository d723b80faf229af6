package io.jmultifd.sw;

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
        for (long off = 0; off < whole.byteSize(); off++) {
            long inStride = (off - gap) % (pageSize + gap);
            boolean insidePage = off >= gap && inStride < pageSize && (off - gap) / (pageSize + gap) < pages.size();
            if (!insidePage) {
                assertEquals(SENTINEL, whole.get(ValueLayout.JAVA_BYTE, off), "guard byte at offset " + off
                        + " of the target region was overwritten");
            }
        }
    }

    /** The pages too still hold the sentinel: nothing was written at all. */
    public void assertUntouched() {
        for (long off = 0; off < whole.byteSize(); off++) {
            assertEquals(SENTINEL, whole.get(ValueLayout.JAVA_BYTE, off), "byte at offset " + off
                    + " of the target region was written");
        }
    }
}
