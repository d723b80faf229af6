package io.jmultifd.cli;

import io.jmultifd.qpl.testing.RequiresLibqpl;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jmultifd.spi.CompressionMethod;
import io.jmultifd.spi.CompressionMethods;
import io.jmultifd.spi.TierStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class MethodsCommandTest {
    @Test
    void listsEveryMethodTheSpiFindsWithItsParametersAndTiers() {
        CliRunner r = CliRunner.run("methods");
        List<CompressionMethod> methods = CompressionMethods.all();
        assertEquals(methods.isEmpty() ? Main.EXIT_FAILED : Main.EXIT_OK, r.exitCode(), r.toString());
        for (CompressionMethod m : methods) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(m.name() + " ") && l.contains(m.description())),
                    m.name() + " missing\n" + r);
            m.parameterDefaults().forEach((k, v) -> assertTrue(r.out().contains(k + "=" + v), k + "\n" + r));
            for (TierStatus t : m.tiers()) {
                assertTrue(r.out().lines().anyMatch(l -> l.contains(t.tier() + " ")
                        && l.contains(t.available() ? "available" : "unavailable")), t + "\n" + r);
            }
        }
    }

    @Test
    @RequiresLibqpl
    void qplInfoNamesTheLibraryItsVersionAndEachPathsStatus() {
        // accel-plugin is a runtime dependency of this module: the qpl method is always on this class path.
        CliRunner r = CliRunner.run("qpl-info");
        assertEquals(Main.EXIT_OK, r.exitCode(), r.toString());
        assertTrue(r.out().startsWith("method: qpl"), r.toString());
        // Where the library is, which version, and each path's QPL status as name and code.
        assertTrue(r.out().lines().anyMatch(l -> l.matches(" +library_path: +/\\S+")), r.toString());
        assertTrue(r.out().lines().anyMatch(l -> l.matches(" +library_version: +\\d+\\.\\d+\\.\\d+")),
                r.toString());
        for (String path : List.of("hardware", "software")) {
            assertTrue(r.out().lines().anyMatch(l -> l.matches(" +" + path + "_status: +QPL_STS_\\w+ \\(\\d+\\)")),
                    path + "\n" + r);
            assertTrue(r.out().lines().anyMatch(l -> l.matches(" +" + path + " +(available|unavailable) .*")),
                    path + "\n" + r);
        }
    }

    @Test
    void qplInfoWithoutTheQplMethodOnTheClassPathFails(@TempDir Path dir) throws Exception {
        try (ChildJvm child = ChildJvm.startWithout(dir, "qpl-info", entry -> entry.contains("accel-plugin"),
                "qpl-info")) {
            assertEquals(Main.EXIT_FAILED, child.awaitExit(), child.stderr());
            assertTrue(child.stderr().contains("no 'qpl' compression method on the class path"), child.stderr());
        }
    }

    @Test
    void unknownFlagIsAUsageError() {
        CliRunner r = CliRunner.run("methods", "--frobnicate");
        assertEquals(Main.EXIT_USAGE, r.exitCode(), r.toString());
        assertTrue(r.err().contains("--frobnicate"), r.toString());
    }

    @Test
    void unknownCommandIsAUsageError() {
        CliRunner r = CliRunner.run("migrat");
        assertEquals(Main.EXIT_USAGE, r.exitCode(), r.toString());
        assertTrue(r.err().contains("migrat"), r.toString());
    }

    @Test
    void noCommandIsAUsageError() {
        CliRunner r = CliRunner.run();
        assertEquals(Main.EXIT_USAGE, r.exitCode(), r.toString());
        assertTrue(r.err().contains("missing command"), r.toString());
    }

    @Test
    void helpExitsZero() {
        CliRunner r = CliRunner.run("--help");
        assertEquals(Main.EXIT_OK, r.exitCode(), r.toString());
        assertTrue(r.out().contains("methods"), r.toString());
    }
}
