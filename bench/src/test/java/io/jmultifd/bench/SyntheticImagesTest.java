package io.jmultifd.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticImagesTest {

    @Test
    void aMissingGeneratorIsReportedWithItsNameAndNothingIsWritten(@TempDir Path dir) {
        SyntheticImages s = SyntheticImages.find("io.jmultifd.nowhere.SyntheticContent");
        assertFalse(s.available());
        assertTrue(s.unavailable().contains("io.jmultifd.nowhere.SyntheticContent is not in this build"), s.unavailable());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> s.write(dir.resolve("x.img"), 4096, "mixed"));
        assertEquals(s.unavailable(), e.getMessage());
        assertFalse(Files.exists(dir.resolve("x.img")));
    }

    @Test
    void writesTheGeneratorsContentWithItsDefaultSeed(@TempDir Path dir) throws Exception {
        SyntheticImages s = SyntheticImages.find(FakeSyntheticContent.class.getName());
        assertNull(s.unavailable());
        Path file = dir.resolve("s.img");
        Map<?, ?> kinds = s.write(file, 3 * 4096, "fill=3");
        assertEquals(Map.of("filled", 3L), kinds);
        byte[] expected = new byte[3 * 4096];
        Arrays.fill(expected, (byte) (3 + FakeSyntheticContent.DEFAULT_SEED));
        assertArrayEquals(expected, Files.readAllBytes(file));
    }

    @Test
    void theGeneratorsOwnErrorsComeThroughAndBadSizesAreNamed(@TempDir Path dir) {
        SyntheticImages s = SyntheticImages.find(FakeSyntheticContent.class.getName());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> s.checkMix("lots"));
        assertEquals("bad mix 'lots'", bad.getMessage());
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> s.write(dir.resolve("y.img"), 5000, "fill=1"));
        assertTrue(size.getMessage().startsWith("synthetic image size 5000: must be a positive multiple of 4096"));
    }

    @Test
    void whenTheRealGeneratorIsPresentItsMixesAreChecked() {
        SyntheticImages real = SyntheticImages.find();
        if (!real.available()) return; // this build has no CLI; the fake above covers the mechanism
        real.checkMix("mixed");
        assertThrows(IllegalArgumentException.class, () -> real.checkMix("zero=50"));
    }
}
