package io.jmultifd.multifd.guest;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@code --synthetic SIZE:MIX,free=PERCENT} and the free list it makes. */
class FreeListTest {
    @Test
    void specCarriesTheFreeShare() {
        SyntheticContent.Spec s = SyntheticContent.Spec.parse("1G:mixed,free=75");
        assertEquals(75, s.freePercent());
        assertEquals(SyntheticContent.Mix.MIXED, s.mix());
        assertEquals(40, SyntheticContent.Spec.parse("1M:zero=50,random=50,free=40").freePercent());
        assertEquals(0, SyntheticContent.Spec.parse("1M:mixed").freePercent());
        assertEquals("bad percentage 'x' for free in '1M:mixed,free=x' (an integer 0..100)",
                assertThrows(IllegalArgumentException.class, () -> SyntheticContent.Spec.parse("1M:mixed,free=x")).getMessage());
        assertEquals("free=101: a percentage must be between 0 and 100",
                assertThrows(IllegalArgumentException.class, () -> SyntheticContent.Spec.parse("1M:mixed,free=101")).getMessage());
    }

    @Test
    void theShareOfFreeChunksIsTheOneAskedFor() {
        try (GuestMemory g = GuestMemory.of(RamBlock.anonymous("b", 1024 * 4096, 4096))) {
            FreeList list = FreeList.create(g, 75, 1);
            assertSame(list, g.freeList());
            assertEquals(64, list.chunkCount());
            assertEquals(768, list.freePages());
            g.hints().open(); // the balloon reports every free chunk
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (g.blocks().getFirst().free().count() < 768 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(768, g.blocks().getFirst().free().count());
            g.hints().close();
        }
    }
}
