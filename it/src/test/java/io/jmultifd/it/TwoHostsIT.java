package io.jmultifd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** Source and destination in separate containers: a live qpl migration over two channels, QPL's software path on both. */
@EnabledIfEnvironmentVariable(named = "JMULTIFD_IT", matches = "1")
class TwoHostsIT {
    private final ContainerSet containers = new ContainerSet();

    @AfterEach
    void removeContainers() {
        containers.close();
    }

    @Test
    void liveQplMigrationOverTwoChannelsCompletesWithMatchingChecksums() throws Exception {
        int port = ItEnvironment.freePort();
        String[] parameters = Cli.sets("multifd-compression=qpl", "multifd-channels=2");
        JmultifdContainer destination = containers.add(new JmultifdContainer(ItEnvironment.image(), "destination")
                .runningCli(Cli.args(new String[]{"incoming", "--listen", "tcp:127.0.0.1:" + port, "--json"},
                        parameters)));
        destination.start();
        destination.awaitListening(port, Duration.ofSeconds(60));

        // The guest keeps writing 16 MB/s while it is migrated: later rounds resend what it dirtied.
        JmultifdContainer source = containers.add(new JmultifdContainer(ItEnvironment.image(), "source")
                .runningCli(Cli.args(new String[]{"migrate", "--to", "tcp:127.0.0.1:" + port,
                        "--synthetic", "128M:mixed", "--workload-dirty-rate", "16", "--seed", "11", "--json"},
                        parameters)));
        source.start();

        Reports.Migration migration = Reports.assertBothCompleted(source, Duration.ofSeconds(240), destination);
        JsonNode sent = migration.sent();
        JsonNode received = migration.received();
        assertEquals(2, sent.path("jmultifd").path("channels").asInt(), "source channels: " + sent);
        assertEquals(2, received.path("jmultifd").path("channels").asInt(), "destination channels: " + received);
        // Both images carry Debian's libqpl1 and no host has IAA: each end runs QPL's software path. Without
        // this the test passed when both ends had fallen back to the java tier.
        Reports.assertQplTier("source", sent, "software");
        Reports.assertQplTier("destination", received, "software");
        // Live: the workload dirtied pages during the bulk round, so more than one round was sent.
        assertTrue(sent.path("ram").path("dirty-sync-count").asLong() >= 2,
                "source rounds (bulk + at least a stop-and-copy): " + sent);
    }
}
