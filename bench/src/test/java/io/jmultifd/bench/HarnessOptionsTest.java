package io.jmultifd.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HarnessOptionsTest {

    @Test
    void quickSetsTheSmokeTestMatrixAndExplicitOptionsStillWin() {
        Harness.Options o = Harness.parse(new String[] {"--quick", "--channels", "4"});
        assertTrue(o.quick);
        assertEquals("32M", o.size);
        assertEquals(1, o.repetitions);
        assertEquals(List.of(4), o.channels);
        assertEquals("256M", o.loopbackSize);
    }

    @Test
    void syntheticMixesAreSeparatedBySemicolonsAndNoneSkipsThem() {
        assertEquals(List.of("mixed"), Harness.parse(new String[0]).synthetic);
        assertEquals(List.of(), Harness.parse(new String[] {"--synthetic", "none"}).synthetic);
        assertEquals(List.of("mixed", "zero=10,text=90"),
                Harness.parse(new String[] {"--synthetic", "mixed;zero=10,text=90"}).synthetic);
        assertMessage("--synthetic zero=50: ", "--synthetic", "zero=50");
    }

    @Test
    void defaultsAreTheFullMatrix() {
        Harness.Options o = Harness.parse(new String[0]);
        assertEquals(MethodVariant.ALL, o.methods);
        assertEquals(List.of(1, 2, 4), o.channels);
        assertEquals(List.of(0L, 125_000_000L), o.bandwidths);
        assertEquals(3, o.repetitions);
        assertEquals("1G", o.loopbackSize);
    }

    @Test
    void helpGivesNoOptions() {
        assertNull(Harness.parse(new String[] {"--help"}));
    }

    @Test
    void badValuesAreNamed() {
        assertMessage("unknown argument --frobnicate", "--frobnicate");
        assertMessage("--reps 0: must be > 0", "--reps", "0");
        assertMessage("--reps x: not a whole number", "--reps", "x");
        assertMessage("--channels -1: not a whole number", "--channels", "1,-1");
        assertMessage("--bandwidths fast: not a number", "--bandwidths", "0,fast");
        assertMessage("method variant gzip: unknown", "--methods", "zlib,gzip");
        assertMessage("--dirty-rate -3: must be >= 0", "--dirty-rate", "-3");
        assertMessage("--size needs a value", "--size");
        assertMessage("image size 3X: not a size", "--size", "3X");
        assertMessage("--size 8M: the image must be at least 32M", "--size", "8M");
        assertMessage("--jmh 1,2: expected FORKS,WARMUPS,ITERATIONS,MILLIS", "--jmh", "1,2");
        assertMessage("--fail-on-regression needs --compare", "--fail-on-regression");
        assertMessage("--compare /nonexistent/old.json: no such file", "--compare", "/nonexistent/old.json");
        assertMessage("--image /nonexistent/guest.img: no such file", "--image", "/nonexistent/guest.img");
        assertMessage("image size big: not a size", "--loopback-size", "big");
        assertMessage("--synthetic mixed;: empty mix", "--synthetic", "mixed;");
    }

    @Test
    void aRunIsBrokenUnlessBothSidesCompletedWithMatchingChecksums() {
        java.util.Map<String, Object> ok = java.util.Map.of("status", "COMPLETED", "checksum_match", true);
        assertNull(Harness.brokenRun(new Migrations.Run(ok, ok)));
        java.util.Map<String, Object> failed = new java.util.HashMap<>(java.util.Map.of("status", "FAILED", "error", "peer hung up"));
        assertEquals("source FAILED (peer hung up), destination COMPLETED (null)", Harness.brokenRun(new Migrations.Run(failed, ok)));
        java.util.Map<String, Object> mismatch = java.util.Map.of("status", "COMPLETED", "checksum_match", false);
        assertEquals("completed but checksum_match is true (source) / false (destination)",
                Harness.brokenRun(new Migrations.Run(ok, mismatch)));
    }

    private static void assertMessage(String expectedStart, String... args) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Harness.parse(args));
        assertTrue(e.getMessage().startsWith(expectedStart), () -> "message was: " + e.getMessage());
    }
}
