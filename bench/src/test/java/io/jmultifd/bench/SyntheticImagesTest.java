package io.jmultifd.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.multifd.guest.SyntheticContent;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticImagesTest {

    @Test
    void theFileHoldsExactlyWhatTheCliMigratesForThatMix(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("s.img");
        long size = 64 * 4096;
        Map<SyntheticContent.PageKind, Long> kinds = SyntheticImages.write(file, size, "zero=50,text=50");
        assertEquals(32L, kinds.get(SyntheticContent.PageKind.ZERO));
        assertEquals(32L, kinds.get(SyntheticContent.PageKind.TEXT));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment expected = arena.allocate(size);
            SyntheticContent.fill(expected, 4096, SyntheticContent.Mix.parse("zero=50,text=50"), SyntheticContent.DEFAULT_SEED);
            assertArrayEquals(expected.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), Files.readAllBytes(file));
        }
    }

    @Test
    void badMixesAndSizesAreNamedAndWriteNothing(@TempDir Path dir) {
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> SyntheticImages.write(dir.resolve("x.img"), 4096, "zero=50"));
        assertTrue(bad.getMessage().contains("sum to 50"), bad.getMessage());
        assertFalse(Files.exists(dir.resolve("x.img")));
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> SyntheticImages.write(dir.resolve("y.img"), 5000, "mixed"));
        assertTrue(size.getMessage().startsWith("synthetic image size 5000: must be a positive multiple of 4096"));
        assertFalse(Files.exists(dir.resolve("y.img")));
    }
}
