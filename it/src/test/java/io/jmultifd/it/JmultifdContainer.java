package io.jmultifd.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.startupcheck.StartupCheckStrategy;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;
import org.testcontainers.utility.DockerImageName;

/**
 * One container running the jmultifd CLI with the container's own java, on the host's network, with the
 * distribution (multifd-*.jar + lib/) mounted read-only. The image is local (ci/it-env.sh imports it): never pulled.
 *
 * <p>Every wait here is bounded; on a timeout the error carries the container's output.
 */
final class JmultifdContainer extends GenericContainer<JmultifdContainer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String role;
    private final StringBuffer output = new StringBuffer();

    JmultifdContainer(String image, String role) {
        super(DockerImageName.parse(image));
        this.role = role;
        withImagePullPolicy(name -> false);
        withNetworkMode("host");
        withLabel(ItEnvironment.LABEL, "true");
        withFileSystemBind(ItEnvironment.cliJar().toString(), ItEnvironment.DIST_IN_CONTAINER + "/multifd.jar",
                BindMode.READ_ONLY);
        withFileSystemBind(ItEnvironment.libDirectory().toString(), ItEnvironment.DIST_IN_CONTAINER + "/lib",
                BindMode.READ_ONLY);
        // The commands are processes that run to an end (or are killed): "started" means created and started;
        // readiness, when needed, is awaited explicitly (awaitListening).
        withStartupCheckStrategy(new StartupCheckStrategy() {
            @Override
            public StartupStatus checkStartupState(DockerClient client, String containerId) {
                return StartupStatus.SUCCESSFUL;
            }
        });
        waitingFor(new AbstractWaitStrategy() {
            @Override
            protected void waitUntilReady() {
            }
        });
        withLogConsumer(frame -> {
            if (frame.getType() != OutputFrame.OutputType.END) {
                String text = frame.getUtf8String();
                output.append(text);
                System.out.print("[" + role + "] " + text);
            }
        });
    }

    /** The java command line that runs {@code jmultifd ARGS} in the container. */
    static List<String> cli(String... args) {
        List<String> command = new ArrayList<>(List.of("java", "--enable-native-access=ALL-UNNAMED", "-cp",
                ItEnvironment.DIST_IN_CONTAINER + "/*:" + ItEnvironment.DIST_IN_CONTAINER + "/lib/*",
                "io.jmultifd.cli.Main"));
        command.addAll(List.of(args));
        return command;
    }

    JmultifdContainer runningCli(String... args) {
        return withCommand(cli(args).toArray(String[]::new));
    }

    String role() {
        return role;
    }

    /** Waits until something listens on {@code port} (the container shares the host's network namespace). */
    void awaitListening(int port, Duration limit) throws InterruptedException {
        boolean up = ItEnvironment.await(limit, () -> ItEnvironment.listening(port) || !isRunning());
        if (!up || !ItEnvironment.listening(port)) {
            throw new AssertionError(role + ": nothing listens on 127.0.0.1:" + port + " after " + limit
                    + " (running: " + isRunning() + "); output:\n" + output());
        }
    }

    /** Waits for the container's main process to end and returns its exit code. */
    int awaitExit(Duration limit) {
        try {
            return getDockerClient().waitContainerCmd(getContainerId()).start()
                    .awaitStatusCode(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            throw new AssertionError(role + ": did not exit within " + limit + " (" + e.getMessage() + "); output:\n"
                    + output(), e);
        }
    }

    /** stdout only (the JSON report), read back from the engine after the process ended. */
    String stdout() {
        return getLogs(OutputFrame.OutputType.STDOUT);
    }

    /**
     * Everything the container printed, stdout and stderr, read back from the engine (complete once the process
     * ended, unlike the streamed copy, which may lag); the streamed copy when the engine cannot answer.
     */
    String output() {
        try {
            return getLogs();
        } catch (RuntimeException e) {
            return output.toString();
        }
    }

    /** The {@code --json} report of a finished command: the JSON object on stdout. */
    JsonNode jsonReport() {
        return parseReport(role, stdout(), output());
    }

    static JsonNode parseReport(String who, String stdout, String context) {
        int start = stdout.indexOf('{');
        if (start < 0) {
            throw new AssertionError(who + ": no JSON report on stdout; output:\n" + context);
        }
        try {
            return JSON.readTree(stdout.substring(start));
        } catch (IOException e) {
            throw new AssertionError(who + ": stdout is not one JSON object (" + e.getMessage() + "):\n" + stdout, e);
        }
    }

    /** Runs {@code jmultifd ARGS} as a second process in this (running) container, bounded by {@code limit}. */
    ExecResult execCli(Duration limit, String... args) throws InterruptedException {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Future<ExecResult> exec = executor.submit(() -> execInContainer(cli(args).toArray(String[]::new)));
            return exec.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(role + ": jmultifd " + String.join(" ", args) + " did not end within " + limit
                    + "; container output:\n" + output(), e);
        } catch (ExecutionException e) {
            throw new AssertionError(role + ": exec failed: " + e.getCause(), e.getCause());
        } finally {
            executor.shutdownNow();
        }
    }

    /** SIGKILL to the container's processes, as a crashed host would be. */
    void kill() {
        getDockerClient().killContainerCmd(getContainerId()).withSignal("KILL").exec();
    }

    /** Freezes every process of the container (cgroup freezer): a stalled peer whose sockets stay open. */
    void pause() {
        getDockerClient().pauseContainerCmd(getContainerId()).exec();
    }

    void unpause() {
        getDockerClient().unpauseContainerCmd(getContainerId()).exec();
    }

    boolean isPaused() {
        InspectContainerResponse.ContainerState state =
                getDockerClient().inspectContainerCmd(getContainerId()).exec().getState();
        return Boolean.TRUE.equals(state.getPaused());
    }

    /** Removes the container even when a test left it paused (a paused container cannot be stopped). */
    @Override
    public void stop() {
        if (getContainerId() != null) {
            try {
                if (isPaused()) {
                    unpause();
                }
            } catch (RuntimeException e) {
                System.out.println("[" + role + "] could not check/undo pause before removal: " + e);
            }
        }
        super.stop();
    }
}
