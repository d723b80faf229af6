package io.jmultifd.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    void hintsRunAFourGigabyteGuestWithNoneOnTwoChannelsUnlessToldOtherwise() {
        Harness.Options o = Harness.parse(new String[] {"--hints"});
        assertTrue(o.hints);
        assertEquals("4G", o.hintsSize);
        assertEquals(List.of("none"), o.hintsMethods);
        assertEquals(List.of(2), o.hintsChannels);
        assertEquals(3, o.repetitions);
        Harness.Options quick = Harness.parse(new String[] {"--hints", "--quick"});
        assertEquals("32M", quick.hintsSize);
        assertEquals(1, quick.repetitions);
        assertEquals(List.of(2), quick.hintsChannels, "not the quick matrix's channels");
        Harness.Options given = Harness.parse(new String[] {"--hints", "--size", "1G", "--methods", "zlib",
                "--channels", "1,4", "--quick"});
        assertEquals("1G", given.hintsSize);
        assertEquals(List.of("zlib"), given.hintsMethods);
        assertEquals(List.of(1, 4), given.hintsChannels);
        assertTrue(!Harness.parse(new String[0]).hints);
    }

    @Test
    void tlsRunsNoneAndQplOnOneAndTwoChannelsAtUnlimitedBandwidthUnlessToldOtherwise() {
        Harness.Options o = Harness.parse(new String[] {"--tls"});
        assertTrue(o.tls);
        assertEquals(List.of("none", "qpl"), o.methods);
        assertEquals(List.of(1, 2), o.channels);
        assertEquals(List.of(0L), o.bandwidths);
        assertEquals(3, o.repetitions);
        assertEquals("256M", o.size, "the guest image of the migration matrix");
        Harness.Options given = Harness.parse(new String[] {"--tls", "--methods", "zlib", "--channels", "4", "--quick"});
        assertEquals(List.of("zlib"), given.methods);
        assertEquals(List.of(4), given.channels);
        assertEquals(1, given.repetitions);
        assertTrue(!Harness.parse(new String[0]).tls);
        assertMessage("--tls runs at unlimited bandwidth: no --bandwidths", "--tls", "--bandwidths", "0,125M");
        assertMessage("--snapshot, --hints, --tls and --vs-qemu are separate runs: give one", "--tls", "--hints");
        assertMessage("--snapshot, --hints, --tls and --vs-qemu are separate runs: give one", "--snapshot", "--tls");
        assertMessage("--snapshot, --hints, --tls and --vs-qemu are separate runs: give one", "--snapshot", "--hints");
        assertMessage("--snapshot, --hints, --tls and --vs-qemu are separate runs: give one", "--vs-qemu", "--tls");
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
    void snapshotRunsOneRepetitionUnlessToldAndTakesItsOwnOptions(@TempDir Path dir) {
        Harness.Options o = Harness.parse(new String[] {"--snapshot"});
        assertTrue(o.snapshot);
        assertEquals(1, o.repetitions);
        assertEquals(List.of("none", "qpl"), o.snapshotMethods);
        assertEquals(List.of(false, true), o.snapshotDirectIo);
        assertEquals(3, Harness.parse(new String[] {"--snapshot", "--reps", "3"}).repetitions);
        assertEquals(3, Harness.parse(new String[0]).repetitions);
        o = Harness.parse(new String[] {"--snapshot", "--snapshot-methods", "none", "--snapshot-direct-io", "on",
                "--qemu-chroot", dir.toString(), "--no-drop-caches", "--snapshot-dir", dir.toString()});
        assertEquals(List.of("none"), o.snapshotMethods);
        assertEquals(List.of(true), o.snapshotDirectIo);
        assertEquals(dir, o.qemuChroot);
        assertTrue(o.noDropCaches);
    }

    @Test
    void snapshotOptionsThatCannotWorkAreNamed(@TempDir Path dir) {
        assertMessage("--snapshot-methods gzip: method variant gzip: unknown", "--snapshot-methods", "none,gzip");
        assertMessage("--snapshot-direct-io yes: expected on or off", "--snapshot-direct-io", "on,yes");
        assertMessage("--qemu-chroot needs --snapshot", "--qemu-chroot", dir.toString());
        assertMessage("--settle -1: seconds, 0 or more", "--vs-qemu", "--settle", "-1");
        assertMessage("--qemu-chroot " + dir.resolve("nope") + ": no such directory", "--snapshot", "--qemu-chroot",
                dir.resolve("nope").toString());
        assertMessage("--compare works on the full benchmark, not on --snapshot", "--snapshot", "--compare",
                dir.resolve("x.json").toString());
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
    void sizesOverflowingALongAreRefusedNotWrapped() {
        // 16 Ei + 1 Gi bytes: multiplied without a check this wrapped around to 1G and was accepted.
        assertMessage("image size 17179869185G: too large", "--size", "17179869185G");
        assertMessage("image size 17179869185G: too large", "--loopback-size", "17179869185G");
    }

    @Test
    void sizesAndBandwidthsTakeTheEngineSpellings() {
        Harness.Options o = Harness.parse(new String[] {"--size", "64MiB", "--loopback-size", "2g",
                "--bandwidths", "0,125M,1000"});
        assertEquals("64MiB", o.size);
        assertEquals("2g", o.loopbackSize);
        assertEquals(List.of(0L, 131_072_000L, 1000L), o.bandwidths);
        assertMessage("--bandwidths -5: must not be negative", "--bandwidths", "-5");
        assertMessage("image size 1000K: must be a positive multiple of 1M", "--loopback-size", "1000K");
    }

    @Test
    void quickDoesNotDependOnWhereItStands() {
        Harness.Options o = Harness.parse(new String[] {"--channels", "4", "--reps", "2", "--quick"});
        assertEquals(List.of(4), o.channels);
        assertEquals(2, o.repetitions);
        assertEquals("32M", o.size);
        assertEquals(new MicroBenchmarks.Settings(1, 1, 1, 500), o.jmh);
        assertEquals(new MicroBenchmarks.Settings(2, 3, 5, 1000), Harness.parse(new String[0]).jmh);
    }

    @Test
    void theLastOfARepeatedOptionWinsAndAtFilesArePlainValues() {
        Harness.Options o = Harness.parse(new String[] {"--reps", "2", "--reps", "5", "--machine-note", "@notes",
                "--dirty-rate=4.5"});
        assertEquals(5, o.repetitions);
        assertEquals("@notes", o.machineNote);
        assertEquals(4.5, o.dirtyRate);
    }

    @Test
    void theEngineNameOfTheDirtyRateIsNamedAsGiven() {
        assertEquals(8.0, Harness.parse(new String[] {"--workload-dirty-rate", "8"}).dirtyRate);
        assertMessage("--workload-dirty-rate -1: must be >= 0", "--workload-dirty-rate", "-1");
        assertMessage("--dirty-rate fast: not a number of MB/s", "--dirty-rate", "fast");
    }

    @Test
    void strayWordsAndMisspelledOptionsAreUnknownArguments() {
        assertMessage("unknown argument results", "--out", "/tmp/x", "results");
        assertMessage("unknown argument --quik (did you mean --quick?)", "--quik");
        assertMessage("--jmh needs a value", "--quick", "--jmh");
        assertMessage("--out needs a value", "--out", "--quick");
    }

    @Test
    void aBadCommandLineExitsTwoWithTheReasonAndAPointerToTheHelp() {
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        int exit = Harness.execute(new String[] {"--reps", "0"}, new java.io.PrintStream(out, true),
                new java.io.PrintStream(err, true));
        assertEquals(2, exit);
        assertEquals("", out.toString());
        assertEquals("jmultifd bench: --reps 0: must be > 0\nTry 'bench/run-bench.sh --help' for usage.\n",
                err.toString().replace(System.lineSeparator(), "\n"));
    }

    @Test
    void aRunThatCannotStartExitsOneWithTheReasonAndNoStackTrace(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "not a directory");
        var err = new java.io.ByteArrayOutputStream();
        int exit = Harness.execute(new String[] {"--out", file.resolve("results").toString(), "--skip-jmh",
                "--skip-migrations", "--synthetic", "none"}, new java.io.PrintStream(new java.io.ByteArrayOutputStream()),
                new java.io.PrintStream(err, true));
        assertEquals(1, exit);
        assertTrue(err.toString().startsWith("jmultifd bench: error: ") && err.toString().contains(
                file.resolve("results").toString()), err.toString());
        assertTrue(!err.toString().contains("\tat "), err.toString());
    }

    @Test
    void theHelpListsEveryOptionButTheOnesRunBenchShPasses() {
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        int exit = Harness.execute(new String[] {"--quick", "--help"}, new java.io.PrintStream(out, true),
                new java.io.PrintStream(err, true));
        assertEquals(0, exit);
        assertEquals("", err.toString());
        String help = out.toString();
        assertTrue(help.startsWith("Usage: bench/run-bench.sh "), help);
        assertTrue(help.contains("10% worse") && !help.contains("%%"), help);
        for (String option : List.of("--quick", "--size", "--image", "--reps", "--methods", "--channels",
                "--bandwidths", "--dirty-rate", "--out", "--compare", "--fail-on-regression", "--write-docs", "--jmh",
                "--skip-jmh", "--skip-migrations", "--synthetic", "--loopback-size", "--machine-note", "--hints", "--tls", "--snapshot",
                "--snapshot-methods", "--snapshot-direct-io", "--snapshot-dir", "--qemu-chroot", "--no-drop-caches",
                "--help")) {
            assertTrue(help.contains(option), option + " missing in\n" + help);
        }
        for (String hidden : List.of("--repo", "--command", "--workload-dirty-rate")) {
            assertTrue(!help.contains(hidden), hidden + " shown in\n" + help);
        }
    }

    @Test
    void aRunIsBrokenUnlessBothSidesCompletedWithMatchingChecksums() {
        java.util.Map<String, Object> ok = java.util.Map.of("status", "completed",
                "jmultifd", java.util.Map.of("checksum-match", true));
        assertNull(Harness.brokenRun(new Migrations.Run(ok, ok)));
        java.util.Map<String, Object> failed = java.util.Map.of("status", "failed", "error-desc", "peer hung up",
                "jmultifd", java.util.Map.of("checksum-match", false));
        assertEquals("source failed (peer hung up), destination completed (null)", Harness.brokenRun(new Migrations.Run(failed, ok)));
        java.util.Map<String, Object> mismatch = java.util.Map.of("status", "completed",
                "jmultifd", java.util.Map.of("checksum-match", false));
        assertEquals("completed but checksum-match is true (source) / false (destination)",
                Harness.brokenRun(new Migrations.Run(ok, mismatch)));
    }

    private static void assertMessage(String expectedStart, String... args) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Harness.parse(args));
        assertTrue(e.getMessage().startsWith(expectedStart), () -> "message was: " + e.getMessage());
    }
}
