package io.jmultifd.cli;

import io.jmultifd.qpl.testing.LibqplExtension;
import java.nio.file.Path;
import java.util.Map;

/**
 * The environments the CLI tests give a child JVM for the qpl method: one where libqpl cannot load whatever this
 * host has installed, and one that names a real libqpl 1.9 (the one the loader finds here, e.g. provisioned by ci/provision-libqpl.sh).
 */
final class Libqpl {
    private Libqpl() {}

    /**
     * JMULTIFD_QPL_LIBRARY names {@code missing}: the loader tries that file only, so the qpl method finds no
     * libqpl even on a host with a system-wide or provisioned copy.
     */
    static Map<String, String> unloadable(Path missing) {
        return Map.of("JMULTIFD_QPL_LIBRARY", missing.toString(), "LD_LIBRARY_PATH", "");
    }

    /** JMULTIFD_QPL_LIBRARY names a real libqpl 1.9, which the loader then must take. */
    static Map<String, String> provisioned() {
        return Map.of("JMULTIFD_QPL_LIBRARY", fixture().toString(), "LD_LIBRARY_PATH", "");
    }

    /** A real libqpl 1.9 file (skipped, or failed under JMULTIFD_REQUIRE_QPL=1, as {@code @RequiresLibqpl} says). */
    static Path fixture() {
        return LibqplExtension.libraryFile();
    }
}
