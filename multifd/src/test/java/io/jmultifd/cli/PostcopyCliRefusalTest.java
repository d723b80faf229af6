package io.jmultifd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jmultifd.multifd.postcopy.UserfaultfdProbe;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * A destination that really has no userfaultfd access refuses postcopy at the handshake, from the command line, two
 * processes: {@code jmultifd incoming} runs as an unprivileged user (uid 65534, no capabilities, so no
 * CAP_SYS_PTRACE) while {@code vm.unprivileged_userfaultfd} is 0, so the kernel itself says EPERM. No probe is injected.
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")
class PostcopyCliRefusalTest {
    private static final Pattern LISTENING = Pattern.compile("listening on tcp:127\\.0\\.0\\.1:(\\d+)");
    private static final Path SYSCTL = Path.of("/proc/sys/vm/unprivileged_userfaultfd");
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    private static final String NOBODY = "65534";

    @TempDir
    Path dir;

    @Test
    void aDestinationWithoutUserfaultfdRefusesAtTheHandshakeBeforeAnyPageMoves() throws Exception {
        boolean root = ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        List<String> launcher;
        String classPath;
        if (root) {
            require(Files.isExecutable(SETPRIV), SETPRIV + " (util-linux) is needed to run the destination unprivileged");
            require(Files.isWritable(SYSCTL) || Files.readString(SYSCTL).strip().equals("0"),
                    SYSCTL + " is 1 and cannot be set to 0 here");
            launcher = List.of(SETPRIV.toString(), "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
                    "--inh-caps=-all", "--bounding-set=-all", "--");
            classPath = readableClassPath();
        } else {
            // Not root: this user's own access decides; only a user without it can show the refusal.
            require(UserfaultfdProbe.refusal(UserfaultfdProbe.SYSTEM) != null,
                    "this user may use userfaultfd; run the test as root to drop that access");
            launcher = List.of();
            classPath = System.getProperty("java.class.path");
        }
        String before = Files.readString(SYSCTL).strip();
        if (root && !before.equals("0")) {
            Files.writeString(SYSCTL, "0"); // root's own processes keep userfaultfd through CAP_SYS_PTRACE
        }
        try {
            refusedAtTheHandshake(launcher, classPath);
        } finally {
            if (!Files.readString(SYSCTL).strip().equals(before)) {
                Files.writeString(SYSCTL, before);
            }
        }
    }

    private void refusedAtTheHandshake(List<String> launcher, String classPath) throws Exception {
        try (ChildJvm incoming = ChildJvm.startThrough(dir, "incoming", launcher, classPath, "incoming", "--listen",
                "tcp:127.0.0.1:0", "--json", "--set", "postcopy-ram=on")) {
            int port = Integer.parseInt(incoming.awaitStderr(LISTENING).orElseThrow(
                    () -> new AssertionError("no 'listening on' line\n" + incoming.describe())));
            try (ChildJvm migrate = ChildJvm.start(dir, "migrate", java.util.Map.of("XDG_RUNTIME_DIR",
                    dir.toString()), "migrate", "--to", "tcp:127.0.0.1:" + port,
                    "--synthetic", "8M:mixed", "--set", "postcopy-ram=on", "--start-postcopy", "--json")) {
                assertEquals(Main.EXIT_FAILED, migrate.awaitExit(), migrate.describe());
                assertEquals(Main.EXIT_FAILED, incoming.awaitExit(), incoming.describe());
                JsonNode source = JsonReports.result(migrate.stdout().strip());
                JsonNode destination = JsonReports.result(incoming.stdout().strip());

                // The kernel's answer, then the fix, on both sides; the source learns it from the destination.
                String why = destination.get("error-desc").asText();
                assertTrue(why.startsWith("postcopy-ram: the destination cannot use userfaultfd (userfaultfd: "
                        + "Operation not permitted): "), why);
                assertTrue(why.contains("run the destination as root or with CAP_SYS_PTRACE")
                        && why.contains("`sysctl vm.unprivileged_userfaultfd=1`"), why);
                assertEquals("destination refused the migration: " + why, source.get("error-desc").asText());
                for (JsonNode side : List.of(source, destination)) {
                    assertEquals("failed", side.get("status").asText(), side.toString());
                    assertEquals("destination", side.get("jmultifd").get("failure").get("side").asText());
                    assertEquals("refused", side.get("jmultifd").get("failure").get("cause").asText());
                    assertEquals(0, side.get("ram").get("normal").asLong(), "no page moved: " + side);
                    assertEquals(0, side.get("ram").get("duplicate").asLong(), "no page moved: " + side);
                    assertFalse(side.get("jmultifd").has("postcopy"), "never switched: " + side);
                }
                assertEquals(0, destination.get("ram").get("total").asLong(), "no guest allocated at the destination");
                for (ChildJvm side : List.of(migrate, incoming)) {
                    String err = side.stderr();
                    assertTrue(err.contains(why), side.describe());
                    assertFalse(err.contains("Exception") || err.contains("\tat "), "no stack trace\n" + side.describe());
                }
            }
        }
    }

    /** This JVM's class path copied where the unprivileged user can read it (the build may sit under /root). */
    private String readableClassPath() throws IOException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path copy = Files.createDirectory(dir.resolve("cp"));
        List<String> entries = new ArrayList<>();
        String[] original = System.getProperty("java.class.path").split(File.pathSeparator);
        for (int i = 0; i < original.length; i++) {
            Path from = Path.of(original[i]);
            if (!Files.exists(from)) {
                continue;
            }
            Path to = copy.resolve(i + (Files.isDirectory(from) ? "" : ".jar"));
            try (Stream<Path> tree = Files.walk(from)) {
                for (Path p : (Iterable<Path>) tree::iterator) {
                    Path target = to.resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(p, target);
                    }
                }
            }
            entries.add(to.toString());
        }
        try (Stream<Path> tree = Files.walk(copy)) {
            for (Path p : (Iterable<Path>) tree::iterator) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(
                        Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    /** CI must run this test (it runs as root); elsewhere it is skipped with the reason. */
    private static void require(boolean condition, String why) {
        if (!condition && "true".equals(System.getenv("CI"))) {
            throw new AssertionError(why);
        }
        Assumptions.assumeTrue(condition, why);
    }
}
