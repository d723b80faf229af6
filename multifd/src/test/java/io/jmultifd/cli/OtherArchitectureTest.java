package io.jmultifd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * linux-bindings holds Linux x86-64's constants and refuses to run elsewhere; the CLI must then work on its
 * fallbacks (guest memory from Arena.allocate, the console check instead of isatty, the java tier of qpl, which
 * cannot probe a libqpl without dlopen) and say why, without a stack trace. Another architecture is simulated the
 * way linux-bindings sees it: {@code -Dos.arch=aarch64} in the child JVM (through JAVA_TOOL_OPTIONS).
 */
class OtherArchitectureTest {
    private static final String TOOL_OPTIONS = "-Dos.arch=aarch64";

    @TempDir
    Path dir;

    @Test
    void theDemoMigratesOnTheFallbacksAndQplSaysWhyItRunsOnItsJavaTier() throws Exception {
        Path libqpl = Libqpl.fixture(); // a good library, so that only the architecture can be why it is not used
        Map<String, String> environment = Map.of("JAVA_TOOL_OPTIONS", TOOL_OPTIONS,
                "JMULTIFD_QPL_LIBRARY", libqpl.toString(), "LD_LIBRARY_PATH", "");
        try (ChildJvm child = ChildJvm.start(dir, "demo", environment, "demo", "--size", "2M", "--channels", "2",
                "--methods", "none,qpl", "--workload-dirty-rate", "4", "--json")) {
            assertEquals(Main.EXIT_OK, child.awaitExit(), child.describe());
            JsonNode results = new ObjectMapper().readTree(child.stdout());
            assertEquals(2, results.size(), child.describe());
            for (JsonNode result : results) {
                assertEquals("completed", result.get("status").asText(), child.describe());
            }
            JsonNode qpl = results.get(1).get("jmultifd").get("method-statistics");
            assertEquals(0, qpl.get("pages_software").asLong(), child.describe());
            assertTrue(qpl.get("pages_java").asLong() > 0, child.describe());
            String stderr = child.stderr();
            assertTrue(stderr.lines().anyMatch(l -> l.startsWith("demo qpl: completed ")
                    && l.endsWith("; checksums match; qpl ON THE JAVA TIER: software tier unavailable: libqpl not"
                    + " loaded (environment variable JMULTIFD_QPL_LIBRARY " + libqpl + ": failed to load: cannot be"
                    + " probed: the bindings are Linux x86-64's, this is Linux aarch64; JMULTIFD_QPL_LIBRARY names the"
                    + " only library tried)")), child.describe());
            assertFalse(stderr.contains("\tat ") || stderr.contains("Exception") || stderr.contains("Error"),
                    "no stack trace: " + child.describe());
        }
    }
}
