package io.jmultifd.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jmultifd.multifd.guest.SyntheticContent;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jmultifd incoming} and {@code jmultifd migrate} as two real processes over loopback TCP, as a user runs
 * them: the bound port is read from the destination's stderr, the results from their JSON on stdout.
 */
class TwoProcessMigrationTest {
    private static final Pattern LISTENING = Pattern.compile("listening on tcp:127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    private ChildJvm startIncoming(String... extra) throws IOException {
        List<String> args = new java.util.ArrayList<>(List.of("incoming", "--listen", "tcp:127.0.0.1:0", "--json"));
        args.addAll(List.of(extra));
        return ChildJvm.start(dir, "incoming", args.toArray(String[]::new));
    }

    private static int port(ChildJvm incoming) throws Exception {
        String port = incoming.awaitStderr(LISTENING).orElseThrow(
                () -> new AssertionError("no 'listening on' line\n" + incoming.describe()));
        return Integer.parseInt(port);
    }

    private static JsonNode json(ChildJvm child) throws IOException {
        String out = child.stdout().strip();
        assertFalse(out.isEmpty(), "no JSON on stdout\n" + child.describe());
        assertEquals(1, out.lines().count(), "one JSON object on one line\n" + child.describe());
        return JsonReports.result(out);
    }

    private static String crc32c(Path file) throws IOException {
        CRC32C crc = new CRC32C();
        crc.update(Files.readAllBytes(file));
        return String.format("%08x", crc.getValue());
    }

    private List<Path> leftovers() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".part")).toList();
        }
    }

    @Test
    void liveSyntheticGuestMigratesBetweenTwoProcessesAndTheImageMatchesTheSource() throws Exception {
        Path image = dir.resolve("received.img");
        try (ChildJvm incoming = startIncoming("--output", image.toString())) {
            int port = port(incoming);
            try (ChildJvm migrate = ChildJvm.start(dir, "migrate", "migrate", "--to", "tcp:127.0.0.1:" + port,
                    "--synthetic", "32M:mixed", "--workload-dirty-rate", "20", "--json")) {
                assertEquals(Main.EXIT_OK, migrate.awaitExit(), migrate.describe());
                assertEquals(Main.EXIT_OK, incoming.awaitExit(), incoming.describe());

                JsonNode source = json(migrate);
                JsonNode destination = json(incoming);
                for (JsonNode side : List.of(source, destination)) {
                    assertEquals("completed", side.get("status").asText(), side.toString());
                    assertTrue(side.get("jmultifd").get("checksum-match").asBoolean(), side.toString());
                    assertFalse(side.has("error-desc"), side.toString());
                }
                // query-migrate's fields, in its order, with ours in their own section.
                List<String> fields = new java.util.ArrayList<>();
                source.fieldNames().forEachRemaining(fields::add);
                assertEquals(List.of("status", "total-time", "setup-time", "downtime", "ram", "compression",
                        "jmultifd"), fields);
                assertEquals(32L << 20 >> 12, source.get("ram").get("normal").asLong() + source.get("ram").get("duplicate").asLong()
                        - resentPages(source), "every page sent at least once");

                String sourceCrc = source.get("jmultifd").get("block-checksums").get("synthetic").asText();
                assertEquals(sourceCrc, destination.get("jmultifd").get("block-checksums").get("synthetic").asText());
                assertEquals(32L << 20, Files.size(image));
                assertEquals(sourceCrc, crc32c(image), "the written image is the migrated memory");
                assertTrue(incoming.stderr().contains("wrote " + image), incoming.describe());
                assertEquals(List.of(), leftovers());
            }
        }
    }

    /** Pages sent more than once: the rounds after the bulk round resend dirty pages. */
    private static long resentPages(JsonNode result) {
        long sent = result.get("ram").get("normal").asLong() + result.get("ram").get("duplicate").asLong();
        long guestPages = 32L << 20 >> 12;
        assertTrue(sent >= guestPages, "fewer pages sent than the guest has: " + result);
        return sent - guestPages;
    }

    @Test
    void withoutWorkloadTheImageIsExactlyTheSyntheticGuestOfThatSeed() throws Exception {
        Path image = dir.resolve("exact.img");
        try (ChildJvm incoming = startIncoming("--output", image.toString(), "--set", "multifd-channels=3")) {
            int port = port(incoming);
            try (ChildJvm migrate = ChildJvm.start(dir, "migrate", "migrate", "--to", "tcp:127.0.0.1:" + port,
                    "--synthetic", "8M:zero=20,text=30,binary=20,random=10,repeat=20", "--seed", "12345",
                    "--set", "multifd-channels=3", "--json")) {
                assertEquals(Main.EXIT_OK, migrate.awaitExit(), migrate.describe());
                assertEquals(Main.EXIT_OK, incoming.awaitExit(), incoming.describe());
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment expected = arena.allocate(8 << 20, 4096);
            SyntheticContent.fill(expected, 4096,
                    SyntheticContent.Mix.parse("zero=20,text=30,binary=20,random=10,repeat=20"), 12345);
            assertArrayEquals(expected.toArray(ValueLayout.JAVA_BYTE), Files.readAllBytes(image));
        }
    }

    @Test
    void sourceImagesArriveAsOneOutputFilePerBlock() throws Exception {
        Path a = dir.resolve("low.img");
        Path b = dir.resolve("high.img");
        byte[] low = new byte[64 * 4096];
        byte[] high = new byte[16 * 4096];
        new SplittableRandom(1).nextBytes(low);
        new SplittableRandom(2).nextBytes(high);
        java.util.Arrays.fill(low, 0, 8 * 4096, (byte) 0); // some zero pages too
        Files.write(a, low);
        Files.write(b, high);
        Path out = dir.resolve("copy");
        try (ChildJvm incoming = startIncoming("--output", out.toString())) {
            int port = port(incoming);
            try (ChildJvm migrate = ChildJvm.start(dir, "migrate", "migrate", "--to", "tcp:127.0.0.1:" + port,
                    "--source", a.toString(), b.toString(), "--json")) {
                assertEquals(Main.EXIT_OK, migrate.awaitExit(), migrate.describe());
                assertEquals(Main.EXIT_OK, incoming.awaitExit(), incoming.describe());
                JsonNode checksums = json(migrate).get("jmultifd").get("block-checksums");
                assertEquals(crc32c(a), checksums.get("low.img").asText());
                assertEquals(crc32c(b), checksums.get("high.img").asText());
            }
        }
        assertArrayEquals(low, Files.readAllBytes(dir.resolve("copy.low.img")));
        assertArrayEquals(high, Files.readAllBytes(dir.resolve("copy.high.img")));
        assertFalse(Files.exists(out), "several blocks: no file under the bare name");
        // The source images are untouched by being migrated.
        assertArrayEquals(low, Files.readAllBytes(a));
        assertEquals(List.of(), leftovers());
    }

    @Test
    void destinationKilledMidMigrationFailsTheSourceWithExitOneAndACause() throws Exception {
        Path image = dir.resolve("never.img");
        try (ChildJvm incoming = startIncoming("--output", image.toString())) {
            int port = port(incoming);
            // A bandwidth cap keeps the migration running long enough to be interrupted.
            try (ChildJvm migrate = ChildJvm.start(dir, "migrate", "migrate", "--to", "tcp:127.0.0.1:" + port,
                    "--synthetic", "64M:mixed", "--set", "max-bandwidth=4M", "--json")) {
                assertTrue(incoming.awaitWhileAlive(c -> pagesArrived()), "no page arrived at the destination\n"
                        + incoming.describe());
                incoming.process().destroyForcibly().waitFor();

                assertEquals(Main.EXIT_FAILED, migrate.awaitExit(), migrate.describe());
                JsonNode result = json(migrate);
                assertEquals("failed", result.get("status").asText(), result.toString());
                assertFalse(!result.has("error-desc") || result.get("error-desc").asText().isBlank(), result.toString());
                // The cause says that the connection to the destination broke, whichever way the OS reports it.
                assertTrue(result.get("error-desc").asText().matches("(?is).*(peer|connection|broken pipe|reset).*"),
                        result.toString());
                assertFalse(result.get("jmultifd").get("checksum-match").asBoolean());
                assertTrue(migrate.stderr().contains("migration failed"), migrate.describe());
            }
        }
        assertFalse(Files.exists(image), "a killed destination wrote no image");
    }

    @Test
    void sourceKilledMidMigrationLeavesNoImageUnderTheFinalName() throws Exception {
        Path image = dir.resolve("half.img");
        try (ChildJvm incoming = startIncoming("--output", image.toString(), "--set", "peer-timeout=5000")) {
            int port = port(incoming);
            try (ChildJvm migrate = ChildJvm.start(dir, "migrate", "migrate", "--to", "tcp:127.0.0.1:" + port,
                    "--synthetic", "64M:mixed", "--set", "max-bandwidth=4M", "--json")) {
                assertTrue(incoming.awaitWhileAlive(c -> pagesArrived()), "no page arrived at the destination\n"
                        + incoming.describe());
                migrate.process().destroyForcibly().waitFor();

                assertEquals(Main.EXIT_FAILED, incoming.awaitExit(), incoming.describe());
                JsonNode result = json(incoming);
                assertEquals("failed", result.get("status").asText(), result.toString());
                assertFalse(!result.has("error-desc"), result.toString());
            }
        }
        assertFalse(Files.exists(image), "a failed migration must not leave an image under the final name");
        assertEquals(List.of(), leftovers(), "the temporary file is removed");
    }

    /*
     * Ctrl-C: Process.destroy() sends SIGTERM, which runs the JVM's shutdown hooks exactly as SIGINT does. SIGINT
     * itself is not sent here: a child of a non-interactive shell's background job inherits SIGINT as ignored,
     * and then the JVM installs no handler for it, so such a test would depend on how the build was started.
     * Without the hook the JVM would end with 143 (128 + SIGTERM); exit code 1 shows that the hook cancelled the
     * migration and the command reported it.
     */

    @Test
    void sigtermOnAListeningDestinationCancelsItAndThePortCanBeBoundAgain() throws Exception {
        int port;
        try (ChildJvm incoming = startIncoming()) {
            port = port(incoming);
            incoming.process().destroy();
            assertEquals(Main.EXIT_FAILED, incoming.awaitExit(), incoming.describe());
            assertEquals("cancelled", json(incoming).get("status").asText(), incoming.describe());
            assertTrue(incoming.stderr().contains("interrupted; cancelling the migration"), incoming.describe());
        }
        assertPortCanBeBoundAgain(port);
    }

    @Test
    void sigtermOnTheDestinationMidMigrationCancelsBothSidesCleanly() throws Exception {
        Path image = dir.resolve("cancelled.img");
        int port;
        try (ChildJvm incoming = startIncoming("--output", image.toString())) {
            port = port(incoming);
            try (ChildJvm migrate = ChildJvm.start(dir, "migrate", "migrate", "--to", "tcp:127.0.0.1:" + port,
                    "--synthetic", "64M:mixed", "--workload-dirty-rate", "8", "--set", "max-bandwidth=4M",
                    "--json")) {
                assertTrue(incoming.awaitWhileAlive(c -> pagesArrived()), "no page arrived at the destination\n"
                        + incoming.describe());
                incoming.process().destroy();

                assertEquals(Main.EXIT_FAILED, incoming.awaitExit(), incoming.describe());
                JsonNode destination = json(incoming);
                assertEquals("cancelled", destination.get("status").asText(), incoming.describe());
                assertTrue(incoming.stderr().contains("interrupted; cancelling the migration"), incoming.describe());

                assertEquals(Main.EXIT_FAILED, migrate.awaitExit(), migrate.describe());
                JsonNode source = json(migrate);
                assertEquals("failed", source.get("status").asText(), migrate.describe());
                assertTrue(source.get("error-desc").asText().contains("cancel"), "the source learns why\n"
                        + migrate.describe() + "\n" + incoming.describe());
            }
        }
        assertFalse(Files.exists(image), "a cancelled migration leaves no image");
        assertEquals(List.of(), leftovers(), "the temporary file is removed");
        assertPortCanBeBoundAgain(port);
    }

    @Test
    void sigtermOnTheSourceMidMigrationCancelsItAndTheDestinationFails() throws Exception {
        Path image = dir.resolve("never.img");
        try (ChildJvm incoming = startIncoming("--output", image.toString())) {
            int port = port(incoming);
            try (ChildJvm migrate = ChildJvm.start(dir, "migrate", "migrate", "--to", "tcp:127.0.0.1:" + port,
                    "--synthetic", "64M:mixed", "--workload-dirty-rate", "8", "--set", "max-bandwidth=4M",
                    "--json")) {
                assertTrue(incoming.awaitWhileAlive(c -> pagesArrived()), "no page arrived at the destination\n"
                        + incoming.describe());
                migrate.process().destroy();

                assertEquals(Main.EXIT_FAILED, migrate.awaitExit(), migrate.describe());
                JsonNode source = json(migrate);
                assertEquals("cancelled", source.get("status").asText(), migrate.describe());
                assertTrue(migrate.stderr().contains("interrupted; cancelling the migration"), migrate.describe());

                assertEquals(Main.EXIT_FAILED, incoming.awaitExit(), incoming.describe());
                JsonNode destination = json(incoming);
                assertEquals("failed", destination.get("status").asText(), incoming.describe());
                assertTrue(destination.get("error-desc").asText().contains("cancel"), "the destination learns why\n"
                        + incoming.describe());
            }
        }
        assertFalse(Files.exists(image), "a cancelled migration leaves no image");
        assertEquals(List.of(), leftovers(), "the temporary file is removed");
    }

    /** A second {@code jmultifd incoming} binds the port the cancelled one listened on. */
    private void assertPortCanBeBoundAgain(int port) throws Exception {
        try (ChildJvm again = ChildJvm.start(dir, "incoming-again", "incoming", "--listen",
                "tcp:127.0.0.1:" + port)) {
            assertEquals(Integer.toString(port), again.awaitStderr(LISTENING).orElseThrow(
                    () -> new AssertionError("the port was not free again\n" + again.describe())));
        }
    }

    /**
     * Whether a page with data has reached the destination's image: then every channel is connected and the
     * migration is under way (the block file alone only shows that the handshake is done). The first MiB holds
     * the first packets of the bulk round.
     */
    private boolean pagesArrived() {
        try {
            for (Path part : leftovers()) {
                try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(part)) {
                    java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(1 << 20);
                    while (head.hasRemaining() && ch.read(head) > 0) {
                        // read the whole head (or what the file has)
                    }
                    for (int i = 0; i < head.position(); i++) {
                        if (head.get(i) != 0) {
                            return true;
                        }
                    }
                }
            }
            return false;
        } catch (IOException e) {
            return false; // e.g. renamed or removed meanwhile
        }
    }
}
