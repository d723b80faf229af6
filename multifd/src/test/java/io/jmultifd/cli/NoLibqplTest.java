package io.jmultifd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault injected: a host where libqpl cannot be found. The child JVM's provisioned-cache directory is an empty
 * one and the loader's own overrides are unset, so (on hosts with no system-wide libqpl, like the build machines)
 * nothing loads: qpl-info must say so and still exit 0, and the qpl method must still migrate on its java tier.
 */
class NoLibqplTest {
    @TempDir
    Path dir;

    private Map<String, String> withoutLibqpl() {
        return Map.of("JMULTIFD_CACHE", dir.resolve("empty-cache").toString(), "JMULTIFD_QPL_LIBRARY", "",
                "LD_LIBRARY_PATH", "");
    }

    private static boolean systemWideLibqpl(String qplInfo) {
        return !qplInfo.contains("library_path:     not loaded");
    }

    @Test
    void qplInfoSaysWhyAndOnlyTheJavaTierIsAvailable() throws Exception {
        try (ChildJvm child = ChildJvm.start(dir, "qpl-info", withoutLibqpl(), "qpl-info")) {
            assertEquals(Main.EXIT_OK, child.awaitExit(), child.describe());
            String out = child.stdout();
            org.junit.jupiter.api.Assumptions.assumeFalse(systemWideLibqpl(out), "libqpl is installed system-wide");
            assertTrue(out.contains("libqpl 1.9.x could not be loaded; tried:"), child.describe());
            assertTrue(out.contains(dir.resolve("empty-cache").toString()), "names the cache it looked in\n"
                    + child.describe());
            assertTrue(out.lines().anyMatch(l -> l.matches(" +hardware +unavailable .*")), child.describe());
            assertTrue(out.lines().anyMatch(l -> l.matches(" +software +unavailable .*")), child.describe());
            assertTrue(out.lines().anyMatch(l -> l.matches(" +java +available .*")), child.describe());
        }
    }

    @Test
    void qplMigratesOnItsJavaTier() throws Exception {
        try (ChildJvm child = ChildJvm.start(dir, "demo", withoutLibqpl(), "demo", "--size", "2M", "--channels", "2",
                "--methods", "qpl", "--workload-dirty-rate", "4")) {
            assertEquals(Main.EXIT_OK, child.awaitExit(), child.describe());
            org.junit.jupiter.api.Assumptions.assumeFalse(child.stdout().matches("(?s).*software=[1-9].*"),
                    "libqpl is installed system-wide");
            assertTrue(child.stdout().lines().anyMatch(
                    l -> l.matches("qpl +completed .* match +hardware=0 software=0 java=[1-9]\\d*.*")), child.describe());
        }
    }
}
