package io.jmultifd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.testcontainers.containers.Container.ExecResult;

/** Debian's own libqpl1 (not a provisioned copy) is what the qpl method loads, and it migrates with it. */
@EnabledIfEnvironmentVariable(named = "JMULTIFD_IT", matches = "1")
class DistributionQplIT {
    private final ContainerSet containers = new ContainerSet();

    @AfterEach
    void removeContainers() {
        containers.close();
    }

    @Test
    void qplInfoReportsTheSystemLibraryOfTheDistribution() {
        JmultifdContainer info = containers.add(new JmultifdContainer(ItEnvironment.image(), "qpl-info")
                .runningCli("qpl-info"));
        info.start();
        int exit = info.awaitExit(Duration.ofSeconds(60));
        String out = info.output();

        assertEquals(0, exit, "qpl-info exit code; output:\n" + out);
        assertTrue(Pattern.compile("(?im)^\\s*library[_ ]source:?\\s+system\\b").matcher(out).find(),
                "qpl-info says the library's source is the system:\n" + out);
        assertTrue(Pattern.compile("(?im)^\\s*software\\s+available\\b").matcher(out).find(),
                "the software path is available with the distribution's library:\n" + out);
        // /lib is /usr/lib on a merged-/usr system: the linker cache may name either.
        Matcher path = Pattern.compile("(?im)^\\s*library[_ ]path:?\\s+((/usr)?/lib/x86_64-linux-gnu/libqpl\\.so[.0-9]*)\\s*$")
                .matcher(out);
        assertTrue(path.find(), "qpl-info names a library under /usr/lib/x86_64-linux-gnu:\n" + out);

        // ... that file is the one Debian's libqpl1 package installed, and the image has no provisioned copy.
        JmultifdContainer owner = containers.add(new JmultifdContainer(ItEnvironment.image(), "dpkg")
                .withCommand("sh", "-c", "if [ -e \"$HOME/.cache/jmultifd\" ]; then echo \"provisioned copy in"
                        + " $HOME/.cache/jmultifd\"; exit 1; fi; dpkg-query -S \"$(readlink -f \"$0\")\"",
                        path.group(1)));
        owner.start();
        assertEquals(0, owner.awaitExit(Duration.ofSeconds(60)), "dpkg-query -S " + path.group(1) + ":\n"
                + owner.output());
        assertTrue(owner.output().startsWith("libqpl1:"), "the library belongs to the libqpl1 package: "
                + owner.output());
    }

    @Test
    void qplMigrationWithinOneContainerCompletesWithMatchingChecksums() throws Exception {
        int port = ItEnvironment.freePort();
        String[] parameters = {"--set", "multifd-compression=qpl", "--set", "multifd-channels=2"};
        // Both ends are processes started in one container; its own main process only keeps it alive.
        JmultifdContainer host = containers.add(new JmultifdContainer(ItEnvironment.image(), "host")
                .withCommand("sleep", "900"));
        host.start();
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Future<ExecResult> incoming = executor.submit(() -> host.execCli(Duration.ofSeconds(240),
                    Cli.args(new String[]{"incoming", "--listen", "tcp:127.0.0.1:" + port, "--json"}, parameters)));
            host.awaitListening(port, Duration.ofSeconds(60));

            ExecResult migrate = host.execCli(Duration.ofSeconds(180), Cli.args(new String[]{"migrate",
                    "--to", "tcp:127.0.0.1:" + port, "--synthetic", "64M:mixed", "--seed", "7", "--json"}, parameters));
            ExecResult received = incoming.get(60, TimeUnit.SECONDS);
            JsonNode source = JmultifdContainer.parseReport("migrate", migrate.getStdout(), migrate.getStderr());
            JsonNode destination = JmultifdContainer.parseReport("incoming", received.getStdout(),
                    received.getStderr());

            assertEquals(0, migrate.getExitCode(), "migrate exit code; stderr:\n" + migrate.getStderr());
            Reports.assertCompleted("source", source);
            assertEquals(0, received.getExitCode(), "incoming exit code; stderr:\n" + received.getStderr());
            Reports.assertCompleted("destination", destination);
            // Both ends loaded the distribution's library: QPL's software path (no IAA), not the java tier.
            Reports.assertQplTier("source", source, "software");
            Reports.assertQplTier("destination", destination, "software");
        } finally {
            executor.shutdownNow();
        }
    }
}
