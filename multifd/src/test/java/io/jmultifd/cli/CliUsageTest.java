package io.jmultifd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every bad flag or value of every subcommand is a usage error (exit 2) whose message names the culprit. Nothing
 * here connects anywhere: validation happens before the first byte is sent.
 */
class CliUsageTest {
    /** An address nothing listens on; usage errors must be found before it is used. */
    private static final String NOWHERE = "tcp:127.0.0.1:1";

    private static void assertUsageError(String expectedInMessage, String... args) {
        CliRunner r = CliRunner.run(args);
        assertEquals(Main.EXIT_USAGE, r.exitCode(), r.toString());
        assertTrue(r.err().contains(expectedInMessage), "expected '" + expectedInMessage + "' in\n" + r);
        assertTrue(r.out().isEmpty(), "usage errors go to stderr\n" + r);
        assertTrue(r.err().strip().endsWith("--help' for usage."), "every usage error ends with the way to help\n" + r);
    }

    @Test
    void aMisspeltParameterGetsTheNearestName() {
        assertUsageError("--set multifd-chanels=4: unknown parameter multifd-chanels; did you mean multifd-channels?",
                "migrate", "--to", NOWHERE, "--synthetic", "1M:mixed", "--set", "multifd-chanels=4");
    }

    @Test
    void anUnknownOptionStillEndsWithThePointerToHelp() {
        assertUsageError("Possible solutions: --json", "migrate", "--to", NOWHERE, "--synthetic", "1M:mixed", "--jsn");
    }

    @Test
    void aParameterSetTwiceIsRefused() {
        assertUsageError("--set multifd-channels=8: multifd-channels is already set to 4; give each parameter once",
                "migrate", "--to", NOWHERE, "--synthetic", "1M:mixed", "--set", "multifd-channels=4",
                "--set", "multifd-channels=8");
    }

    @Test
    void portZeroIsNoDestination() {
        assertUsageError("--to tcp:127.0.0.1:0: port 0 is no destination", "migrate", "--to", "tcp:127.0.0.1:0",
                "--synthetic", "1M:mixed");
    }

    @Test
    void aSourceOnlyParameterOnIncomingIsWarnedAbout() {
        CliRunner r = CliRunner.run("incoming", "--listen", "nowhere", "--set", "max-bandwidth=1G");
        assertTrue(r.err().contains("jmultifd incoming: warning: --set max-bandwidth means nothing on this side "
                + "(only the source reads it); ignored here"), r.toString());
    }

    @Test
    void outputRefusesToReplaceAFileWithoutForce(@TempDir Path dir) throws IOException {
        Path existing = Files.writeString(dir.resolve("guest.img"), "keep me");
        assertUsageError("--output " + existing + ": the file exists; add --force to replace it", "incoming",
                "--listen", "tcp:127.0.0.1:0", "--output", existing.toString());
        assertEquals("keep me", Files.readString(existing));
    }

    @Test
    void helpListsTheEngineParametersWithTheirDefaults() {
        for (String command : List.of("migrate", "incoming")) {
            CliRunner r = CliRunner.run(command, "--help");
            assertEquals(Main.EXIT_OK, r.exitCode(), r.toString());
            assertTrue(r.out().contains("Engine parameters (--set NAME=VALUE) and their defaults:"), r.out());
            assertTrue(r.out().lines().anyMatch(l -> l.matches("\\s+multifd-channels\\s+2")), r.out());
            assertTrue(r.out().lines().anyMatch(l -> l.matches("\\s+max-bandwidth\\s+0\\s+\\(source only\\)")), r.out());
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--listen|incoming",
            "--listen|incoming --json",
            "--frob|incoming --listen tcp:127.0.0.1:0 --frob",
            "--listen foo: endpoint foo: expected tcp:HOST:PORT|incoming --listen foo",
            "--listen tcp:127.0.0.1:99999|incoming --listen tcp:127.0.0.1:99999",
            "--listen inprocess:x: expected tcp:HOST:PORT|incoming --listen inprocess:x",
            "unknown parameter bogus|incoming --listen tcp:127.0.0.1:0 --set bogus=1",
            "multifd-channels=0|incoming --listen tcp:127.0.0.1:0 --set multifd-channels=0",
            "multifd-channels=many|incoming --listen tcp:127.0.0.1:0 --set multifd-channels=many",
            "multifd-compression=nope|incoming --listen tcp:127.0.0.1:0 --set multifd-compression=nope",
            "--set noequals: expected NAME=VALUE|incoming --listen tcp:127.0.0.1:0 --set noequals",
            "--output /nonexistent-dir/x.img: directory /nonexistent-dir does not exist|incoming --listen tcp:127.0.0.1:0 --output /nonexistent-dir/x.img",
            "--output /tmp: is a directory|incoming --listen tcp:127.0.0.1:0 --output /tmp"})
    void incomingUsageErrors(String expected, String commandLine) {
        assertUsageError(expected, commandLine.split(" "));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--to|migrate --synthetic 1M:mixed",
            "--source|migrate --to tcp:127.0.0.1:1",
            "--synthetic|migrate --to tcp:127.0.0.1:1",
            "mutually exclusive|migrate --to tcp:127.0.0.1:1 --synthetic 1M:mixed --source /etc/hostname",
            "--frob|migrate --to tcp:127.0.0.1:1 --synthetic 1M:mixed --frob",
            "--to nowhere: endpoint nowhere: expected tcp:HOST:PORT|migrate --to nowhere --synthetic 1M:mixed",
            "--synthetic 12Q:mixed: bad size '12Q' (use e.g. 512M, 1G)|migrate --to tcp:127.0.0.1:1 --synthetic 12Q:mixed",
            "--synthetic 1M: expected SIZE:MIX|migrate --to tcp:127.0.0.1:1 --synthetic 1M",
            "--synthetic 1M:zero=50,fluff=50: unknown page kind 'fluff'|migrate --to tcp:127.0.0.1:1 --synthetic 1M:zero=50,fluff=50",
            "--synthetic 1M:zero=50,text=40: percentages sum to 90|migrate --to tcp:127.0.0.1:1 --synthetic 1M:zero=50,text=40",
            "--synthetic 5000:mixed: size 5000 is not a multiple of the page size 4096|migrate --to tcp:127.0.0.1:1 --synthetic 5000:mixed",
            "--source /nonexistent.img: no such file|migrate --to tcp:127.0.0.1:1 --source /nonexistent.img",
            "--source /tmp: not a regular file|migrate --to tcp:127.0.0.1:1 --source /tmp",
            "--workload-dirty-rate|migrate --to tcp:127.0.0.1:1 --synthetic 1M:mixed --workload-dirty-rate fast",
            "--workload-dirty-rate -1.0: must be a number of MB/s >= 0|migrate --to tcp:127.0.0.1:1 --synthetic 1M:mixed --workload-dirty-rate -1",
            "--seed|migrate --to tcp:127.0.0.1:1 --synthetic 1M:mixed --seed x",
            "unknown parameter multifd-chanels|migrate --to tcp:127.0.0.1:1 --synthetic 1M:mixed --set multifd-chanels=4",
            "multifd-zero-page=maybe|migrate --to tcp:127.0.0.1:1 --synthetic 1M:mixed --set multifd-zero-page=maybe",
            "page-size=3000|migrate --to tcp:127.0.0.1:1 --synthetic 1M:mixed --set page-size=3000"})
    void migrateUsageErrors(String expected, String commandLine) {
        assertUsageError(expected, commandLine.split(" "));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--synthetic 12Q:mixed: bad size '12Q'|demo --size 12Q",
            "unknown page kind 'kind'|demo --mix kind=100",
            "--methods: multifd-compression=nope: unknown method; available: none|demo --methods none,nope",
            "--channels: multifd-channels=0|demo --channels 0",
            "--channels|demo --channels four",
            "--set: unknown parameter bogus|demo --set bogus=1",
            "--workload-dirty-rate -5.0|demo --workload-dirty-rate -5",
            "--frob|demo --frob"})
    void demoUsageErrors(String expected, String commandLine) {
        assertUsageError(expected, commandLine.split(" "));
    }

    @Test
    void sourceImageMustBeAPageMultiple(@TempDir Path dir) throws IOException {
        Path image = Files.write(dir.resolve("odd.img"), new byte[5000]);
        assertUsageError("--source " + image + ": size 5000 is not a multiple of the page size 4096",
                "migrate", "--to", NOWHERE, "--source", image.toString());
    }

    @Test
    void sourceImagesMustHaveDifferentNames(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("a"));
        Files.createDirectories(dir.resolve("b"));
        Path a = Files.write(dir.resolve("a/ram.img"), new byte[4096]);
        Path b = Files.write(dir.resolve("b/ram.img"), new byte[4096]);
        assertUsageError("two images are called ram.img", "migrate", "--to", NOWHERE, "--source", a.toString(),
                b.toString());
    }

    @Test
    void emptySourceImageIsRejected(@TempDir Path dir) throws IOException {
        Path image = Files.write(dir.resolve("empty.img"), new byte[0]);
        assertUsageError("--source " + image + ": empty file", "migrate", "--to", NOWHERE, "--source", image.toString());
    }

    @Test
    void migrateToAnAddressWhereNothingListensFailsWithExitOneAndAJsonCause() throws IOException {
        int port;
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort(); // free again once closed: nothing listens there
        }
        CliRunner r = CliRunner.run("migrate", "--to", "tcp:127.0.0.1:" + port, "--synthetic", "1M:mixed", "--json");
        assertEquals(Main.EXIT_FAILED, r.exitCode(), r.toString());
        var json = JsonReports.result(r.out().strip());
        assertEquals("failed", json.get("status").asText(), r.toString());
        assertTrue(json.get("error-desc").asText().contains("127.0.0.1:" + port), "names the address\n" + r);
        assertTrue(json.get("jmultifd").get("block-checksums") == null, "no checksums for a failed migration\n" + r);
        assertTrue(json.get("jmultifd").get("checksum-match").isNull(), "no verdict was reached\n" + r);
    }

    @Test
    void everySubcommandHasHelp() {
        for (String command : new String[] {"methods", "qpl-info", "incoming", "migrate", "demo"}) {
            CliRunner r = CliRunner.run(command, "--help");
            assertEquals(Main.EXIT_OK, r.exitCode(), r.toString());
            assertTrue(r.out().startsWith("Usage: jmultifd " + command), r.toString());
        }
    }
}
