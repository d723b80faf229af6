package io.jmultifd.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

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
        migrate(ItEnvironment.image(), "pages_software", ItEnvironment.imageWithoutQpl(), "pages_java");
    }

    @Test
    void javaTierSourceToSoftwareTierDestination() throws Exception {
        migrate(ItEnvironment.imageWithoutQpl(), "pages_java", ItEnvironment.image(), "pages_software");
    }

    private void migrate(String sourceImage, String sourceTierCounter, String destinationImage,
                         String destinationTierCounter) throws Exception {
        int port = ItEnvironment.freePort();
        String[] parameters = Cli.sets("multifd-compression=qpl", "multifd-channels=2", "qpl-path=auto");
        JmultifdContainer destination = containers.add(new JmultifdContainer(destinationImage,
                "destination-" + destinationTierCounter)
                .runningCli(Cli.args(new String[]{"incoming", "--listen", "tcp:127.0.0.1:" + port, "--json"},
                        parameters)));
        destination.start();
        destination.awaitListening(port, Duration.ofSeconds(60));
        JmultifdContainer source = containers.add(new JmultifdContainer(sourceImage, "source-" + sourceTierCounter)
                .runningCli(Cli.args(new String[]{"migrate", "--to", "tcp:127.0.0.1:" + port,
                        "--synthetic", "64M:mixed", "--seed", "5", "--json"}, parameters)));
        source.start();

        Reports.Migration migration = Reports.assertBothCompleted(source, Duration.ofSeconds(180), destination);
        JsonNode sent = migration.sent();
        JsonNode received = migration.received();
        assertTrue(Reports.statistic(sent, sourceTierCounter) > 0,
                "source pages counted in " + sourceTierCounter + ": " + sent.path("method_statistics"));
        assertTrue(Reports.statistic(received, destinationTierCounter) > 0,
                "destination pages counted in " + destinationTierCounter + ": " + received.path("method_statistics"));
    }
}
