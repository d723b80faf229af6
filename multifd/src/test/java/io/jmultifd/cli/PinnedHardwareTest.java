package io.jmultifd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.jmultifd.qpl.testing.RequiresLibqpl;
import io.jmultifd.spi.CompressionMethods;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code qpl-path=hardware} on a host without IAA (libqpl loads, the hardware path's qpl_init_job fails with 501):
 * both commands refuse before they listen or connect, with the hardware path's reason.
 */
@RequiresLibqpl
class PinnedHardwareTest {
    private static final String[] PINNED = {"--set", "multifd-compression=qpl", "--set", "qpl-path=hardware"};

    @BeforeEach
    void thisHostHasNoIaa() {
        assumeFalse(CompressionMethods.find("qpl").tiers().getFirst().available(),
                "this host has a usable IAA: a pinned hardware path is no error here");
    }

    @Test
    void incomingRefusesBeforeListening() throws Exception {
        // The port is taken: had incoming tried to listen, it would fail on that instead, naming no hardware.
        try (ServerSocketChannel taken = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            int port = taken.socket().getLocalPort();
            CliRunner run = CliRunner.run(concat(new String[] {"incoming", "--listen", "tcp:127.0.0.1:" + port},
                    PINNED));
            assertHardwareRefusal(run, "incoming");
        }
    }

    @Test
    void migrateRefusesBeforeConnecting() throws Exception {
        try (ServerSocketChannel destination = ServerSocketChannel.open()
                .bind(new InetSocketAddress("127.0.0.1", 0))) {
            int port = destination.socket().getLocalPort();
            // A short setup-timeout ends a migrate that did connect (nobody answers its handshake here).
            CliRunner run = CliRunner.run(concat(new String[] {"migrate", "--to", "tcp:127.0.0.1:" + port,
                    "--synthetic", "1M:mixed", "--set", "setup-timeout=2000"}, PINNED));
            assertHardwareRefusal(run, "migrate");
            // A connection the kernel accepted sits in the backlog before connect() returns: none may be there.
            destination.configureBlocking(false);
            try (SocketChannel connected = destination.accept()) {
                assertNull(connected, "migrate connected before refusing\n" + run);
            }
        }
    }

    private static void assertHardwareRefusal(CliRunner run, String command) {
        assertEquals(Main.EXIT_USAGE, run.exitCode(), run.toString());
        String first = run.err().lines().findFirst().orElse("");
        assertTrue(first.startsWith("jmultifd " + command + ": --set: qpl-path=hardware: hardware path unavailable: ")
                && first.contains("(501)"), run.toString());
        assertFalse(run.err().contains("listening on"), run.toString());
        assertFalse(run.err().contains("\tat "), run.toString());
        assertEquals("", run.out(), run.toString());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
