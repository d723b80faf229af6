package io.jmultifd.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuestImageBuilderTest {

    @Test
    void sizes() {
        assertEquals(32L << 20, GuestImageBuilder.parseSize("32M"));
        assertEquals(1L << 30, GuestImageBuilder.parseSize("1g"));
        assertEquals(1L << 20, GuestImageBuilder.parseSize("1048576"));
    }

    @Test
    void badSizesAreNamed() {
        for (String bad : new String[] {"", "12X", "-1M", "0M", "1000K", "1.5M"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GuestImageBuilder.parseSize(bad));
            assertTrue(e.getMessage().startsWith("image size " + bad + ":"), e.getMessage());
        }
    }

    @Test
    void theSameRecipeGivesTheSameBytesWithAboutTenPercentZeroPages(@TempDir Path dir) throws Exception {
        Path modules = Path.of(System.getProperty("java.home"), "lib", "modules");
        GuestImageBuilder.Composition a = GuestImageBuilder.build(dir.resolve("a.img"), 4L << 20, modules);
        GuestImageBuilder.Composition b = GuestImageBuilder.build(dir.resolve("b.img"), 4L << 20, modules);
        assertEquals(a.sha256(), b.sha256());
        assertEquals(4L << 20, a.size());
        double zeroShare = (double) a.zeroPages() / a.pages();
        assertTrue(zeroShare >= 0.09 && zeroShare < 0.2, "zero share " + zeroShare);
    }
}
