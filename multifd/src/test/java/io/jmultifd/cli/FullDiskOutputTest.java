package io.jmultifd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jmultifd.multifd.guest.TinyTmpfs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code incoming --output} onto a real file system with less room than the guest (an 8 MiB tmpfs, see
 * {@link TinyTmpfs}), as two processes. Without a reservation the first write into the mapped file past the free
 * space faults: libqpl's write killed the JVM with SIGBUS, {@code none}'s gave an InternalError stack trace and
 * "Bad address", {@code prealloc=true} killed the main thread. Now the destination refuses at the handshake.
 */
class FullDiskOutputTest {
    private static final Pattern LISTENING = Pattern.compile("listening on tcp:127\\.0\\.0\\.1:(\\d+)");
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    private static JsonNode json(ChildJvm child) throws Exception {
        String out = child.stdout().strip();
        assertFalse(out.isEmpty(), "no JSON on stdout\n" + child.describe());
        return JsonReports.result(out);
    }

    private List<String> crashReports() throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.contains("hs_err")).toList();
        }
    }

    private static List<String> contents(Path directory) throws Exception {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void assertNoStackTrace(ChildJvm child) throws Exception {
        String err = child.stderr();
        assertFalse(err.contains("Exception") || err.contains("Error:") || err.contains("\tat ")
                || err.contains("SIGBUS"), "a stack trace or crash\n" + child.describe());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"none", "qpl", "none,prealloc=true"})
    void aDiskWithLessRoomThanTheGuestRefusesTheMigrationNamingTheFileTheBytesNeededAndFree(String setup)
            throws Exception {
        String method = setup.split(",")[0];
        try (TinyTmpfs fs = TinyTmpfs.mount(dir.resolve("fs"), 8 * MIB)) {
            Path image = fs.resolve("guest.img");
            long free = fs.usableBytes();
            List<String> incomingArgs = new ArrayList<>(List.of("incoming", "--listen", "tcp:127.0.0.1:0", "--json",
                    "--output", image.toString(), "--set", "multifd-compression=" + method));
            if (setup.endsWith("prealloc=true")) {
                incomingArgs.addAll(List.of("--set", "prealloc=true"));
            }
            try (ChildJvm incoming = ChildJvm.start(dir, "incoming", incomingArgs.toArray(String[]::new))) {
                String port = incoming.awaitStderr(LISTENING).orElseThrow(
                        () -> new AssertionError("no 'listening on' line\n" + incoming.describe()));
                try (ChildJvm migrate = ChildJvm.start(dir, "migrate", "migrate", "--to", "tcp:127.0.0.1:" + port,
                        "--synthetic", "32M:mixed", "--set", "multifd-compression=" + method, "--json")) {
                    assertEquals(Main.EXIT_FAILED, incoming.awaitExit(), incoming.describe());
                    assertEquals(Main.EXIT_FAILED, migrate.awaitExit(), migrate.describe());

                    String why = "--output " + image + ": block synthetic needs 33554432 bytes (32.0 MiB), only "
                            + free + " bytes (" + Reports.bytes(free) + ") free on " + fs.path();
                    JsonNode destination = json(incoming);
                    assertEquals("failed", destination.get("status").asText(), incoming.describe());
                    assertTrue(destination.get("error-desc").asText().contains(why), incoming.describe());
                    JsonNode source = json(migrate);
                    assertEquals("failed", source.get("status").asText(), migrate.describe());
                    assertTrue(source.get("error-desc").asText().contains(why), "the source learns why\n"
                            + migrate.describe());
                    assertEquals(0, source.get("ram").get("normal").asLong(), "refused before any page was sent");
                    assertNoStackTrace(incoming);
                    assertNoStackTrace(migrate);
                }
            }
            assertEquals(List.of(), crashReports());
            assertEquals(List.of(), contents(fs.path()), "nothing is left on the small disk");
        }
    }

    @Test
    void aGuestThatFitsIsWrittenAndOnlyTheImageIsLeft() throws Exception {
        try (TinyTmpfs fs = TinyTmpfs.mount(dir.resolve("fs"), 8 * MIB)) {
            Path image = fs.resolve("guest.img");
            try (ChildJvm incoming = ChildJvm.start(dir, "incoming", "incoming", "--listen", "tcp:127.0.0.1:0",
                    "--json", "--output", image.toString(), "--set", "multifd-compression=qpl")) {
                String port = incoming.awaitStderr(LISTENING).orElseThrow(
                        () -> new AssertionError("no 'listening on' line\n" + incoming.describe()));
                try (ChildJvm migrate = ChildJvm.start(dir, "migrate", "migrate", "--to", "tcp:127.0.0.1:" + port,
                        "--synthetic", "6M:mixed", "--workload-dirty-rate", "4", "--set", "multifd-compression=qpl",
                        "--json")) {
                    assertEquals(Main.EXIT_OK, migrate.awaitExit(), migrate.describe());
                    assertEquals(Main.EXIT_OK, incoming.awaitExit(), incoming.describe());
                    CRC32C crc = new CRC32C();
                    crc.update(Files.readAllBytes(image));
                    assertEquals(json(migrate).get("jmultifd").get("block-checksums").get("synthetic").asText(),
                            String.format("%08x", crc.getValue()));
                }
            }
            assertEquals(List.of("guest.img"), contents(fs.path()));
        }
    }
}
