package io.jmultifd.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
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
    void sizesOverflowingALongAreRefusedNotWrapped() {
        // 16 Ei + 1 Gi bytes: multiplied without a check this wrapped around to 1G and was accepted.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GuestImageBuilder.parseSize("17179869185G"));
        assertEquals("image size 17179869185G: too large", e.getMessage());
    }

    @Test
    void aBadSizeOnTheCommandLineExitsTwoWithTheReasonAndNoStackTrace(@TempDir Path dir) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int exit = GuestImageBuilder.run(new String[] {dir.resolve("g.img").toString(), "3X"}, new PrintStream(out, true),
                new PrintStream(err, true));
        assertEquals(2, exit);
        assertTrue(err.toString().startsWith("make-guest-image: image size 3X: not a size like 256M: expected a whole "
                + "number of bytes with an optional suffix k, M, G or T"), err.toString());
        assertTrue(!err.toString().contains("Exception") && !err.toString().contains("\tat "), err.toString());
        assertEquals("", out.toString());
        assertTrue(!Files.exists(dir.resolve("g.img")));
    }

    @Test
    void anUnwritableOutputExitsOneWithTheReason(@TempDir Path dir) {
        var err = new ByteArrayOutputStream();
        Path out = dir.resolve("missing").resolve("g.img");
        int exit = GuestImageBuilder.run(new String[] {out.toString(), "1M"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true));
        assertEquals(1, exit);
        assertEquals("make-guest-image: cannot build " + out + ": NoSuchFileException " + out + System.lineSeparator(),
                err.toString());
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
