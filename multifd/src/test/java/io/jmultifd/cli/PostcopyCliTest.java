package io.jmultifd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jmultifd.multifd.TcpRelay;
import io.jmultifd.multifd.postcopy.UserfaultfdProbe;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
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
        String why = UserfaultfdProbe.refusal(UserfaultfdProbe.SYSTEM);
        if (why != null && ("true".equals(System.getenv("CI")) || "1".equals(System.getenv("JMULTIFD_REQUIRE_USERFAULTFD")))) {
            throw new AssertionError(why);
        }
        Assumptions.assumeTrue(why == null, why);
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
                try (ChildJvm migrate = ChildJvm.start(dir, "migrate-" + preempt, "migrate", "--to",
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
                 ChildJvm migrate = ChildJvm.start(dir, "migrate", "migrate", "--to", "tcp:127.0.0.1:" + relay.port(),
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
