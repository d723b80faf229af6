package io.jmultifd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jmultifd.multifd.TcpRelay;
import io.jmultifd.multifd.postcopy.UserfaultfdRequired;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Postcopy from the command line, two processes: {@code migrate --start-postcopy} of a live guest completes with
 * every page verified, with and without the preempt channel; the switches are checked where they are given.
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")
class PostcopyCliTest {
    private static final Pattern LISTENING = Pattern.compile("listening on tcp:127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    @BeforeAll
    static void userfaultfd() {
        UserfaultfdRequired.here();
    }

    private static JsonNode json(ChildJvm child) throws IOException {
        String out = child.stdout().strip();
        assertFalse(out.isEmpty(), "no JSON on stdout\n" + child.describe());
        return JsonReports.result(out);
    }

    @Test
    void aLiveGuestCompletesInPostcopyBetweenTwoProcesses() throws Exception {
        for (String preempt : List.of("on", "off")) {
            try (ChildJvm incoming = ChildJvm.start(dir, "incoming-" + preempt, "incoming", "--listen",
                    "tcp:127.0.0.1:0", "--json", "--set", "postcopy-ram=on", "--set", "postcopy-preempt=" + preempt)) {
                int port = Integer.parseInt(incoming.awaitStderr(LISTENING).orElseThrow(
                        () -> new AssertionError("no 'listening on' line\n" + incoming.describe())));
                try (ChildJvm migrate = ChildJvm.start(dir, "migrate-" + preempt, runtimeDir(), "migrate", "--to",
                        "tcp:127.0.0.1:" + port, "--synthetic", "32M:mixed", "--workload-dirty-rate", "50",
                        "--set", "postcopy-ram=on", "--set", "postcopy-preempt=" + preempt, "--start-postcopy",
                        "--json")) {
                    assertEquals(Main.EXIT_OK, migrate.awaitExit(), migrate.describe());
                    assertEquals(Main.EXIT_OK, incoming.awaitExit(), incoming.describe());
                    for (JsonNode side : List.of(json(migrate), json(incoming))) {
                        assertEquals("completed", side.get("status").asText(), side.toString());
                        assertTrue(side.get("jmultifd").get("checksum-match").asBoolean(), side.toString());
                        assertTrue(side.get("jmultifd").has("postcopy"), side.toString());
                    }
                }
            }
        }
    }

    /**
     * The cut-connection test from the command line: a relay between {@code migrate} and {@code incoming} drops every
     * connection once the destination runs the guest (postcopy-active); both ends pause, the CLI source reconnects by
     * itself (its retries with backoff) through the relay, which accepts again, and both complete with every page
     * verified.
     */
    @Test
    void aConnectionCutInPostcopyResumesByItselfAndCompletes() throws Exception {
        try (ChildJvm incoming = ChildJvm.start(dir, "incoming", "incoming", "--listen", "tcp:127.0.0.1:0",
                "--json-progress", "--set", "postcopy-ram=on",
                "--set", "postcopy-preempt=on")) {
            int port = Integer.parseInt(incoming.awaitStderr(LISTENING).orElseThrow(
                    () -> new AssertionError("no 'listening on' line\n" + incoming.describe())));
            try (TcpRelay relay = new TcpRelay(port);
                 // 4 MB/s: the background stream of the pages dirtied during the bulk round lasts seconds
                 ChildJvm migrate = ChildJvm.start(dir, "migrate", runtimeDir(), "migrate", "--to",
                         "tcp:127.0.0.1:" + relay.port(),
                         "--synthetic", "16M:mixed", "--workload-dirty-rate", "50", "--set", "postcopy-ram=on",
                         "--set", "postcopy-preempt=on", "--set", "max-bandwidth=4M", "--start-postcopy",
                         "--json-progress")) {
                assertTrue(incoming.awaitWhileAlive(c -> hasStatus(c, "postcopy-active")),
                        "the destination runs the guest in postcopy\n" + incoming.describe() + migrate.describe());
                int beforeCut = relay.connections();
                relay.cut();
                assertTrue(migrate.awaitWhileAlive(c -> hasStatus(c, "postcopy-paused")),
                        "the source pauses\n" + migrate.describe());
                assertTrue(incoming.awaitWhileAlive(c -> hasStatus(c, "postcopy-paused")),
                        "the destination pauses\n" + incoming.describe());

                assertEquals(Main.EXIT_OK, migrate.awaitExit(), migrate.describe());
                assertEquals(Main.EXIT_OK, incoming.awaitExit(), incoming.describe());
                assertTrue(migrate.stderr().contains("postcopy-paused (a connection broke"), migrate.describe());
                assertTrue(migrate.stderr().contains("'jmultifd migrate --resume --control "
                        + dir.resolve("jmultifd").resolve("migrate-" + migrate.process().pid() + ".sock")
                        + " [--to tcp:HOST:PORT]' resumes now"), "the default control socket\n" + migrate.describe());
                assertTrue(relay.connections() >= 2 * beforeCut, "every connection made again: " + beforeCut
                        + " before the cut, " + relay.connections() + " in all");
                JsonNode source = lastLine(migrate);
                JsonNode destination = lastLine(incoming);
                for (JsonNode side : List.of(source, destination)) {
                    assertEquals("completed", side.get("status").asText(), side.toString());
                    assertTrue(side.get("jmultifd").get("checksum-match").asBoolean(), side.toString());
                    assertTrue(side.get("jmultifd").has("postcopy"), side.toString());
                }
            }
        }
    }

    /**
     * QEMU's {@code migrate -r} from the command line: with postcopy-auto-resume off the paused source waits for the
     * operator. A --resume while it runs says it is not paused; after the cut, one to the old address (nothing relays
     * there any more) fails and leaves it paused; one to a new relay's port resumes it, and both ends complete with
     * every page verified. Only the --resume requests made attempts.
     */
    @Test
    void withAutoResumeOffTheOperatorResumesThePausedSourceToANewAddress() throws Exception {
        Path control = dir.resolve("source.sock");
        try (ChildJvm incoming = ChildJvm.start(dir, "incoming", "incoming", "--listen", "tcp:127.0.0.1:0",
                "--json-progress", "--set", "postcopy-ram=on", "--set", "postcopy-preempt=on")) {
            int port = Integer.parseInt(incoming.awaitStderr(LISTENING).orElseThrow(
                    () -> new AssertionError("no 'listening on' line\n" + incoming.describe())));
            TcpRelay first = new TcpRelay(port);
            try (first;
                 TcpRelay second = new TcpRelay(port);
                 ChildJvm migrate = ChildJvm.start(dir, "migrate", runtimeDir(), "migrate", "--to",
                         "tcp:127.0.0.1:" + first.port(),
                         "--synthetic", "16M:mixed", "--workload-dirty-rate", "50", "--set", "postcopy-ram=on",
                         "--set", "postcopy-preempt=on", "--set", "max-bandwidth=4M", "--start-postcopy",
                         "--postcopy-auto-resume", "off", "--control", control.toString(), "--json-progress")) {
                // Two progress lines of the destination in postcopy-active: it runs the guest, and the cut falls
                // after the switchover's own messages (a cut while RUN is on its way fails the destination instead).
                assertTrue(incoming.awaitWhileAlive(c -> count(c, "postcopy-active") >= 2),
                        "the destination runs the guest in postcopy\n" + incoming.describe() + migrate.describe());
                CliRunner notPaused = CliRunner.run("migrate", "--resume", "--control", control.toString());
                assertEquals(Main.EXIT_FAILED, notPaused.exitCode(), notPaused.toString());
                assertEquals("jmultifd migrate --resume: not paused: the migration is postcopy-active; nothing to "
                        + "resume\n", notPaused.err(), notPaused.toString());

                first.close(); // the network fails, and the old address stays dead
                assertTrue(migrate.awaitWhileAlive(c -> hasStatus(c, "postcopy-paused")),
                        "the source pauses\n" + migrate.describe());
                assertTrue(incoming.awaitWhileAlive(c -> hasStatus(c, "postcopy-paused")),
                        "the destination pauses\n" + incoming.describe());
                assertTrue(migrate.stderr().contains("waiting for 'jmultifd migrate --resume --control " + control
                        + " [--to tcp:HOST:PORT]' (postcopy-auto-resume off)"), migrate.describe());

                CliRunner oldAddress = CliRunner.run("migrate", "--resume", "--control", control.toString());
                assertEquals(Main.EXIT_FAILED, oldAddress.exitCode(), oldAddress.toString());
                assertTrue(oldAddress.err().startsWith("jmultifd migrate --resume: the resume to tcp:127.0.0.1:"
                        + first.port() + " failed, still postcopy-paused: "), oldAddress.toString());
                assertEquals(1, oldAddress.err().lines().count(), oldAddress.toString());

                // The destination listens again some time after it paused: until then an attempt fails as the one
                // before did, and the operator asks again.
                int asked = 1;
                CliRunner resumed;
                do {
                    resumed = CliRunner.run("migrate", "--resume", "--control", control.toString(), "--to",
                            "tcp:127.0.0.1:" + second.port());
                    asked++;
                    assertTrue(resumed.exitCode() == Main.EXIT_OK || resumed.err().startsWith("jmultifd migrate "
                            + "--resume: the resume to tcp:127.0.0.1:" + second.port() + " failed, still "
                            + "postcopy-paused: "), resumed.toString() + migrate.describe());
                } while (resumed.exitCode() != Main.EXIT_OK && migrate.process().isAlive());
                assertEquals(Main.EXIT_OK, resumed.exitCode(), resumed.toString() + migrate.describe());
                assertEquals("jmultifd migrate --resume: resumed: reconnected to tcp:127.0.0.1:" + second.port()
                        + "; postcopy goes on\n", resumed.out(), resumed.toString());
                assertEquals("", resumed.err(), resumed.toString());

                assertEquals(Main.EXIT_OK, migrate.awaitExit(), migrate.describe());
                assertEquals(Main.EXIT_OK, incoming.awaitExit(), incoming.describe());
                assertEquals(asked, migrate.stderr().split("postcopy: resuming the migration to", -1).length - 1,
                        "an attempt for each --resume, none by itself\n" + migrate.describe());
                assertFalse(java.nio.file.Files.exists(control), "the control socket is removed at the end");
                for (JsonNode side : List.of(lastLine(migrate), lastLine(incoming))) {
                    assertEquals("completed", side.get("status").asText(), side.toString());
                    assertTrue(side.get("jmultifd").get("checksum-match").asBoolean(), side.toString());
                }
            }
        }
    }

    /** The sources' default control sockets go under the test's directory, not the host's /run. */
    private java.util.Map<String, String> runtimeDir() {
        return java.util.Map.of("XDG_RUNTIME_DIR", dir.toString());
    }

    private static int count(ChildJvm child, String status) {
        try {
            return child.stdout().split("\"status\":\"" + status + "\"", -1).length - 1;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static boolean hasStatus(ChildJvm child, String status) {
        try {
            return child.stdout().contains("\"status\":\"" + status + "\"");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The result: the last line of --json-progress. */
    private static JsonNode lastLine(ChildJvm child) throws IOException {
        List<String> lines = child.stdout().strip().lines().toList();
        assertFalse(lines.isEmpty(), "no JSON on stdout\n" + child.describe());
        return JsonReports.result(lines.getLast());
    }

    @Test
    void startPostcopyWithoutPostcopyRamIsAUsageError() throws Exception {
        try (ChildJvm migrate = ChildJvm.start(dir, "migrate", "migrate", "--to", "tcp:127.0.0.1:9",
                "--synthetic", "1M:mixed", "--start-postcopy")) {
            assertEquals(Main.EXIT_USAGE, migrate.awaitExit(), migrate.describe());
            assertTrue(migrate.stderr().contains("--start-postcopy needs --set postcopy-ram=on"), migrate.describe());
        }
    }
}
