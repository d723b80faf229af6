package io.jmultifd.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The qpl format is one format whatever tier writes or reads it: a host with libqpl (QPL's software path) and a
 * host without it (java.util.zip tier) migrate to each other, in both directions.
 */
@EnabledIfEnvironmentVariable(named = "JMULTIFD_IT", matches = "1")
class MixedTiersIT {
    private final ContainerSet containers = new ContainerSet();

    @AfterEach
    void removeContainers() {
        containers.close();
    }

    @Test
    void softwareTierSourceToJavaTierDestination() throws Exception {
        migrate(ItEnvironment.image(), "software", ItEnvironment.imageWithoutQpl(), "java");
    }

    @Test
    void javaTierSourceToSoftwareTierDestination() throws Exception {
        migrate(ItEnvironment.imageWithoutQpl(), "java", ItEnvironment.image(), "software");
    }

    private void migrate(String sourceImage, String sourceTier, String destinationImage,
                         String destinationTier) throws Exception {
        int port = ItEnvironment.freePort();
        String[] parameters = Cli.sets("multifd-compression=qpl", "multifd-channels=2", "qpl-path=auto");
        JmultifdContainer destination = containers.add(new JmultifdContainer(destinationImage,
                "destination-" + destinationTier)
                .runningCli(Cli.args(new String[]{"incoming", "--listen", "tcp:127.0.0.1:" + port, "--json"},
                        parameters)));
        destination.start();
        destination.awaitListening(port, Duration.ofSeconds(60));
        JmultifdContainer source = containers.add(new JmultifdContainer(sourceImage, "source-" + sourceTier)
                .runningCli(Cli.args(new String[]{"migrate", "--to", "tcp:127.0.0.1:" + port,
                        "--synthetic", "64M:mixed", "--seed", "5", "--json"}, parameters)));
        source.start();

        Reports.Migration migration = Reports.assertBothCompleted(source, Duration.ofSeconds(180), destination);
        JsonNode sent = migration.sent();
        JsonNode received = migration.received();
        // Each end ran its own tier only: a source that also had pages on the other tier would not show that the
        // two tiers read each other's streams.
        Reports.assertQplTier("source", sent, sourceTier);
        Reports.assertQplTier("destination", received, destinationTier);
    }
}
