package io.jmultifd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault injected: libqpl cannot be loaded. The child JVM's JMULTIFD_QPL_LIBRARY names a file that does not
 * exist, and a named library is the only one the loader tries, so this holds on any host, one with a system-wide
 * or provisioned libqpl included: qpl-info must say why and still exit 0, and the qpl method must still migrate,
 * on its java tier, saying so.
 */
class NoLibqplTest {
    @TempDir
    Path dir;

    private Path missing() {
        return dir.resolve("nowhere").resolve("libqpl.so.1");
    }

    private String why() {
        return "environment variable JMULTIFD_QPL_LIBRARY " + missing() + ": not found";
    }

    @Test
    void qplInfoSaysWhyAndOnlyTheJavaTierIsAvailable() throws Exception {
        try (ChildJvm child = ChildJvm.start(dir, "qpl-info", Libqpl.unloadable(missing()), "qpl-info")) {
            assertEquals(Main.EXIT_OK, child.awaitExit(), child.describe());
            String out = child.stdout();
            assertTrue(out.contains("library_path:     not loaded"), child.describe());
            assertTrue(out.contains("libqpl 1.9.x could not be loaded: " + why() + "; JMULTIFD_QPL_LIBRARY names the"
                    + " only library tried (fix it, or unset it to search the system and the provisioned cache); tried:"),
                    child.describe());
            assertTrue(out.lines().anyMatch(l -> l.matches(" +hardware +unavailable .*")), child.describe());
            assertTrue(out.lines().anyMatch(l -> l.matches(" +software +unavailable +libqpl not loaded \\(.*"
                    + java.util.regex.Pattern.quote(why()) + ".*")), child.describe());
            assertTrue(out.lines().anyMatch(l -> l.matches(" +java +available .*")), child.describe());
            assertEquals("", child.stderr(), "no stack trace, no warning");
        }
    }

    @Test
    void qplMigratesOnItsJavaTierAndTheSummarySaysWhy() throws Exception {
        try (ChildJvm child = ChildJvm.start(dir, "demo", Libqpl.unloadable(missing()), "demo", "--size", "2M",
                "--channels", "2", "--methods", "qpl", "--workload-dirty-rate", "4", "--json")) {
            assertEquals(Main.EXIT_OK, child.awaitExit(), child.describe());
            JsonNode result = JsonReports.results(child.stdout()).get(0);
            assertEquals("completed", result.get("status").asText(), child.describe());
            JsonNode statistics = result.get("jmultifd").get("method-statistics");
            assertEquals(0, statistics.get("pages_hardware").asLong(), child.describe());
            assertEquals(0, statistics.get("pages_software").asLong(), child.describe());
            assertTrue(statistics.get("pages_java").asLong() > 0, child.describe());
            assertTrue(child.stderr().lines().anyMatch(l -> l.startsWith("demo qpl: completed ")
                    && l.endsWith("; checksums match; qpl ON THE JAVA TIER: software tier unavailable: libqpl not"
                    + " loaded (" + why() + "; JMULTIFD_QPL_LIBRARY names the only library tried)")), child.describe());
        }
    }
}
