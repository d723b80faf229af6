package io.jmultifd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code jmultifd migrate --resume} where nothing answers, and the switches of the control socket where they are
 * given wrongly: one clear line each, exit 1 (no source) or 2 (usage), never a stack trace. The resume of a paused
 * source itself is in {@link PostcopyCliTest}.
 */
@EnabledOnOs(OS.LINUX)
class MigrateResumeCliTest {
    @TempDir
    Path dir;

    private static void assertOneLine(CliRunner r, int exit, String line) {
        assertEquals(exit, r.exitCode(), r.toString());
        assertEquals(line + "\n", r.err(), r.toString());
        assertEquals("", r.out(), r.toString());
    }

    @Test
    void resumeWhereNoSourceRunsSaysSoInOneLine() throws Exception {
        Path none = dir.resolve("none.sock");
        assertOneLine(CliRunner.run("migrate", "--resume", "--control", none.toString()), Main.EXIT_FAILED,
                "jmultifd migrate --resume: no such source: " + none + " does not exist");
        try (ServerSocketChannel ended = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            ended.bind(UnixDomainSocketAddress.of(none)); // a source that ended without removing its socket
        }
        assertOneLine(CliRunner.run("migrate", "-r", "--control", none.toString(), "--to", "tcp:127.0.0.1:7"),
                Main.EXIT_FAILED, "jmultifd migrate --resume: no such source: nothing listens on " + none
                        + " (its jmultifd migrate has ended)");
    }

    @Test
    void resumeWithoutControlLooksForTheOneSourceInTheDefaultDirectory() throws Exception {
        try (ChildJvm resume = ChildJvm.start(dir, "resume", Map.of("XDG_RUNTIME_DIR", dir.toString()),
                "migrate", "--resume")) {
            assertEquals(Main.EXIT_FAILED, resume.awaitExit(), resume.describe());
            assertEquals("jmultifd migrate --resume: no such source: no jmultifd migrate runs with a control socket in "
                    + dir.resolve("jmultifd") + " (give --control PATH if it was started with one)\n",
                    resume.stderr(), resume.describe());
            assertEquals("", resume.stdout(), resume.describe());
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '#', value = {
            "--resume takes only --control and --to, not --synthetic#migrate --resume --synthetic 1M:mixed",
            "--resume takes only --control and --to, not --set#migrate --resume --set postcopy-ram=on",
            "--to file:/tmp/x: a resume goes to tcp:HOST:PORT (the destination's port), not file:/tmp/x"
                    + "#migrate --resume --to file:/tmp/x",
            "--to tcp:h:0: a resume goes to tcp:HOST:PORT#migrate --resume --to tcp:h:0",
            "--to nowhere: endpoint nowhere: expected tcp:HOST:PORT#migrate --resume --to nowhere",
            "--postcopy-auto-resume maybe: must be on or off#migrate --to tcp:127.0.0.1:1 --synthetic 1M:mixed "
                    + "--set postcopy-ram=on --postcopy-auto-resume maybe",
            "--postcopy-auto-resume off needs --set postcopy-ram=on#migrate --to tcp:127.0.0.1:1 --synthetic 1M:mixed "
                    + "--postcopy-auto-resume off",
            "--control without --resume needs --set postcopy-ram=on#migrate --to tcp:127.0.0.1:1 --synthetic 1M:mixed "
                    + "--control /tmp/c.sock",
            "--control: control socket /nonexistent/c.sock: #migrate --to tcp:127.0.0.1:1 --synthetic 1M:mixed "
                    + "--set postcopy-ram=on --control /nonexistent/c.sock",
            "Missing required option: '--to=tcp:HOST:PORT|file:PATH'#migrate --synthetic 1M:mixed",
            "Missing required argument (specify one of these): --source=IMAGE... | --synthetic=SIZE:MIX"
                    + "#migrate --to tcp:127.0.0.1:1"})
    void misusedSwitchesAreUsageErrors(String expected, String commandLine) {
        CliRunner r = CliRunner.run(commandLine.split(" "));
        assertEquals(Main.EXIT_USAGE, r.exitCode(), r.toString());
        assertTrue(r.err().contains(expected), "expected '" + expected + "' in\n" + r);
        assertFalse(r.err().contains("Exception"), r.toString());
        assertTrue(r.err().strip().endsWith("--help' for usage."), r.toString());
    }
}
