package io.jmultifd.ci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ci/test.sh, the script the README and .ci/run call, run as it is but in a sandbox: next to a copy of it, stubs
 * of the scripts it calls (ci/jdk.sh, ci/provision-libqpl.sh, ci/it-env.sh) and a stub {@code mvn} first on PATH
 * that only records that it ran. It checks the step that prepares the integration-test environment: when
 * {@code ci/it-env.sh start} fails, the script must stop there, not run the build without that environment.
 */
class TestScriptTest {
    /** ci/test.sh of this checkout (tests run in the module directory, multifd/). */
    private static final Path SCRIPT = Path.of("..", "ci", "test.sh").toAbsolutePath().normalize();

    @TempDir
    Path sandbox;

    private record Run(int exit, String output, boolean mvnRan, boolean stopped) {}

    private static void executable(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Runs the copied test.sh with an it-env.sh whose {@code start} prints {@code exports} and exits {@code startExit}. */
    private Run run(String exports, int startExit) throws Exception {
        Path ci = Files.createDirectories(sandbox.resolve("repo/ci"));
        Path bin = Files.createDirectories(sandbox.resolve("bin"));
        Path log = sandbox.resolve("calls.log");
        Files.copy(SCRIPT, ci.resolve("test.sh"));
        ci.resolve("test.sh").toFile().setExecutable(true);
        Files.writeString(ci.resolve("jdk.sh"), "export JAVA_HOME=/stub-jdk\n");
        executable(ci.resolve("provision-libqpl.sh"), "#!/bin/sh\nexit 0\n");
        executable(ci.resolve("it-env.sh"), "#!/bin/sh\necho \"it-env $1\" >> '" + log + "'\n"
                + "if [ \"$1\" = start ]; then printf '%s\\n' '" + exports + "'; exit " + startExit + "; fi\nexit 0\n");
        executable(bin.resolve("mvn"), "#!/bin/sh\necho \"mvn $*\" >> '" + log + "'\nexit 0\n");

        ProcessBuilder builder = new ProcessBuilder("bash", ci.resolve("test.sh").toString()).redirectErrorStream(true);
        builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        builder.environment().put("JMULTIFD_IT", "1");
        builder.environment().put("JMULTIFD_BENCH_SMOKE", "0");
        Process process = builder.start();
        String output;
        try (InputStream in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!process.waitFor(60, TimeUnit.SECONDS)) { // a bound against a hang, never what is asserted
            process.destroyForcibly();
        }
        String calls = Files.exists(log) ? Files.readString(log) : "";
        return new Run(process.exitValue(), output + "--- calls\n" + calls, calls.contains("mvn "),
                calls.contains("it-env stop"));
    }

    @Test
    void aFailingItEnvStartStopsTheScriptBeforeTheBuild() throws Exception {
        // The environment printed is valid shell: only the exit status says that the start failed.
        Run run = run("export DOCKER_HOST=unix:///nowhere", 3);

        assertEquals(3, run.exit(), "test.sh ends with it-env start's status\n" + run.output());
        assertFalse(run.mvnRan(), "the build must not run without its integration-test environment\n" + run.output());
        assertFalse(run.output().contains("== build and test"), run.output());
    }

    @Test
    void aWorkingItEnvStartRunsTheBuildAndStopsTheEnvironmentAfterwards() throws Exception {
        Run run = run("export DOCKER_HOST=unix:///stub", 0);

        assertEquals(0, run.exit(), run.output());
        assertTrue(run.mvnRan(), "the sandbox reaches the build (so the test above is not vacuous)\n" + run.output());
        assertTrue(run.stopped(), "the environment is stopped on exit\n" + run.output());
        assertTrue(run.output().contains("== all tests passed"), run.output());
    }
}
