package io.jmultifd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where libqpl cannot be loaded, the loader's search list (every place it tried) is printed once per process,
 * stdout and stderr together: not again in a failure summary, the JSON report and a table footer.
 */
class SearchListOnceTest {
    private static final Pattern LISTENING = Pattern.compile("listening on tcp:127\\.0\\.0\\.1:(\\d+)");
    /** A line of the search list: its second entry, the variable that names the missing file. */
    private static final String LIST_ENTRY = "2. environment variable JMULTIFD_QPL_LIBRARY";

    @TempDir
    Path dir;

    private Map<String, String> noLibqpl() {
        return Libqpl.unloadable(dir.resolve("missing").resolve("libqpl.so.1"));
    }

    private static int occurrences(ChildJvm child) throws IOException {
        String all = child.stdout() + child.stderr();
        int count = 0;
        for (int i = all.indexOf(LIST_ENTRY); i >= 0; i = all.indexOf(LIST_ENTRY, i + 1)) {
            count++;
        }
        return count;
    }

    private ChildJvm run(String name, String... args) throws Exception {
        ChildJvm child = ChildJvm.start(dir, name, noLibqpl(), args);
        child.awaitExit();
        return child;
    }

    @Test
    void qplInfoAndAPinnedTierPrintItOnce() throws Exception {
        try (ChildJvm info = run("qpl-info", "qpl-info")) {
            assertEquals(1, occurrences(info), info.describe());
        }
        try (ChildJvm demo = run("demo", "demo", "--size", "4M", "--methods", "qpl", "--set", "qpl-path=software")) {
            assertEquals(1, occurrences(demo), demo.describe());
            assertEquals(Main.EXIT_USAGE, demo.awaitExit(), demo.describe());
        }
    }

    @Test
    void bothEndsOfAMigrationPrintItOnceEach() throws Exception {
        try (ChildJvm incoming = ChildJvm.start(dir, "incoming", noLibqpl(), "incoming", "--listen", "tcp:127.0.0.1:0",
                "--set", "multifd-compression=qpl", "--json")) {
            String port = incoming.awaitStderr(LISTENING).orElseThrow(() -> new AssertionError(incoming.describe()));
            // Pinned to a tier this host lacks, with the JSON report asked for: refused once, before connecting.
            try (ChildJvm pinned = run("pinned", "migrate", "--to", "tcp:127.0.0.1:" + port, "--synthetic",
                    "4M:mixed", "--set", "multifd-compression=qpl", "--set", "qpl-path=software", "--json")) {
                assertEquals(1, occurrences(pinned), pinned.describe());
                assertEquals(Main.EXIT_USAGE, pinned.awaitExit(), pinned.describe());
            }
            // auto: both ends run the java tier and say why once (the search list), summary and JSON included.
            try (ChildJvm migrate = run("migrate", "migrate", "--to", "tcp:127.0.0.1:" + port, "--synthetic",
                    "4M:mixed", "--set", "multifd-compression=qpl", "--json")) {
                assertEquals(Main.EXIT_OK, migrate.awaitExit(), migrate.describe());
                assertEquals(Main.EXIT_OK, incoming.awaitExit(), incoming.describe());
                assertEquals(1, occurrences(migrate), migrate.describe());
                assertEquals(1, occurrences(incoming), incoming.describe());
            }
        }
    }
}
