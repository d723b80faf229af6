package io.jmultifd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import org.junit.jupiter.api.Test;

/** A destination that cannot listen says where: "tcp:127.0.0.1:PORT: address already in use". */
class ListenErrorTest {
    @Test
    void aTakenPortIsNamedWithItsAddress() throws Exception {
        try (ServerSocketChannel taken = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            String address = "tcp:127.0.0.1:" + taken.socket().getLocalPort();
            CliRunner run = CliRunner.run("incoming", "--listen", address, "--json");
            assertEquals(Main.EXIT_FAILED, run.exitCode(), run.toString());
            String summary = run.err().lines().filter(l -> l.startsWith("incoming migration failed")).findFirst()
                    .orElseThrow(() -> new AssertionError(run.toString()));
            assertTrue(summary.endsWith(": " + address + ": address already in use"), run.toString());
            assertFalse(run.err().contains("main channel"), "listening is no channel's error\n" + run);
            assertFalse(run.err().contains("\tat "), run.toString());
            JsonNode json = JsonReports.result(run.out().strip());
            assertEquals("failed", json.get("status").asText(), run.toString());
            assertEquals(address + ": address already in use", json.get("error-desc").asText(), run.toString());
        }
    }

    @Test
    void aHostThatDoesNotResolveIsNamed() {
        CliRunner run = CliRunner.run("incoming", "--listen", "tcp:no-such-host.invalid:0");
        assertEquals(Main.EXIT_FAILED, run.exitCode(), run.toString());
        assertTrue(run.err().contains("tcp:no-such-host.invalid:0: cannot resolve no-such-host.invalid"),
                run.toString());
        assertFalse(run.err().contains("\tat "), run.toString());
    }
}
