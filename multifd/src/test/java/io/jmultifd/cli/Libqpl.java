package io.jmultifd.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * The environments the CLI tests give a child JVM for the qpl method: one where libqpl cannot load whatever this
 * host has installed, and one that names a real libqpl 1.9 (the fixture ci/provision-libqpl.sh provides).
 */
final class Libqpl {
    private static final String REQUIRE = "JMULTIFD_REQUIRE_QPL";

    private Libqpl() {}

    /**
     * JMULTIFD_QPL_LIBRARY names {@code missing}: the loader tries that file only, so the qpl method finds no
     * libqpl even on a host with a system-wide or provisioned copy.
     */
    static Map<String, String> unloadable(Path missing) {
        return Map.of("JMULTIFD_QPL_LIBRARY", missing.toString(), "LD_LIBRARY_PATH", "");
    }

    /** JMULTIFD_QPL_LIBRARY names the provisioned libqpl 1.9, which the loader then must take. */
    static Map<String, String> provisioned() {
        return Map.of("JMULTIFD_QPL_LIBRARY", fixture().toString(), "LD_LIBRARY_PATH", "");
    }

    /**
     * Where ci/provision-libqpl.sh puts libqpl:
     * {@code ${JMULTIFD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jmultifd}/libqpl-1.9.0/lib/libqpl.so.1}. Missing, the
     * test fails when CI requires libqpl ({@value #REQUIRE}=1) and is skipped otherwise.
     */
    static Path fixture() {
        String cache = System.getenv("JMULTIFD_CACHE");
        String xdg = System.getenv("XDG_CACHE_HOME");
        String home = System.getenv("HOME");
        Path root = cache != null && !cache.isEmpty() ? Path.of(cache)
                : (xdg != null && !xdg.isEmpty() ? Path.of(xdg)
                        : Path.of(home != null && !home.isEmpty() ? home : System.getProperty("user.home"), ".cache"))
                        .resolve("jmultifd");
        Path library = root.resolve("libqpl-1.9.0").resolve("lib").resolve("libqpl.so.1");
        String why = "this test needs libqpl 1.9 at " + library + " (run ci/provision-libqpl.sh)";
        if ("1".equals(System.getenv(REQUIRE))) {
            org.junit.jupiter.api.Assertions.assertTrue(Files.isRegularFile(library), REQUIRE + "=1 but " + why);
        } else {
            Assumptions.assumeTrue(Files.isRegularFile(library), REQUIRE + " is not 1, skipping: " + why);
        }
        return library;
    }
}
