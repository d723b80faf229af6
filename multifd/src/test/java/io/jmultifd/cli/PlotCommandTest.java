package io.jmultifd.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jmultifd plot}: a PNG from a real --json-progress run, and one clear error for each bad input. */
class PlotCommandTest {
    private static final Pattern LISTENING = Pattern.compile("listening on tcp:127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    @Test
    void plotsTheJsonProgressOfARealMigrationAsAPngOfTheAskedSize() throws Exception {
        Path events = dir.resolve("progress.jsonl");
        try (ChildJvm incoming = ChildJvm.start(dir, "incoming", "incoming", "--listen", "tcp:127.0.0.1:0")) {
            int port = Integer.parseInt(incoming.awaitStderr(LISTENING).orElseThrow(
                    () -> new AssertionError("no 'listening on' line\n" + incoming.describe())));
            // 8 MiB at 4 MiB/s: a bulk round of about two seconds, several 250 ms events.
            CliRunner migrate = CliRunner.run("migrate", "--to", "tcp:127.0.0.1:" + port, "--synthetic",
                    "8M:random=100", "--set", "max-bandwidth=4M", "--json-progress");
            assertEquals(Main.EXIT_OK, migrate.exitCode(), migrate.toString());
            assertEquals(Main.EXIT_OK, incoming.awaitExit(), incoming.describe());
            Files.writeString(events, migrate.out());
        }
        assertTrue(Files.readAllLines(events).size() >= 3, Files.readString(events));
        Path png = dir.resolve("progress.png");
        CliRunner plot = CliRunner.run("plot", events.toString(), "-o", png.toString(), "--width", "640",
                "--height", "900");
        assertEquals(Main.EXIT_OK, plot.exitCode(), plot.toString());
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, "not a PNG that ImageIO decodes");
        assertEquals(640, image.getWidth());
        assertEquals(900, image.getHeight());
        assertTrue(distinctColours(image) > 3, "something is drawn");
        assertTrue(plot.err().contains("events of the source"), plot.toString());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(0, files.filter(f -> f.getFileName().toString().endsWith(".part")).count());
        }
    }

    @Test
    void aMissingFileIsAUsageError() {
        Path missing = dir.resolve("nowhere.jsonl");
        assertUsageError(CliRunner.run("plot", missing.toString(), "-o", dir.resolve("x.png").toString()),
                missing + ": no such file");
        assertFalse(Files.exists(dir.resolve("x.png")));
    }

    @Test
    void aFileThatIsNotJsonIsAUsageErrorNamingTheLine() throws Exception {
        Path text = dir.resolve("notes.jsonl");
        Files.writeString(text, EVENT + "\nmigration went fine\n");
        assertUsageError(CliRunner.run("plot", text.toString(), "-o", dir.resolve("x.png").toString()),
                "line 2: not JSON");
        Path binary = dir.resolve("binary.jsonl");
        Files.write(binary, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, (byte) 0x80});
        assertUsageError(CliRunner.run("plot", binary.toString(), "-o", dir.resolve("x.png").toString()),
                "not text");
        assertFalse(Files.exists(dir.resolve("x.png")));
    }

    @Test
    void jsonWithoutEventsIsAUsageError() throws Exception {
        Path result = dir.resolve("result.json");
        // What --json (not --json-progress) writes: the result object only.
        Files.writeString(result, "{\"status\":\"completed\",\"total-time\":12,\"ram\":{\"total\":4096}}\n");
        assertUsageError(CliRunner.run("plot", result.toString(), "-o", dir.resolve("x.png").toString()),
                "no --json-progress events");
        Path empty = dir.resolve("empty.jsonl");
        Files.writeString(empty, "");
        assertUsageError(CliRunner.run("plot", empty.toString(), "-o", dir.resolve("x.png").toString()),
                "no --json-progress events");
    }

    @Test
    void anOutputThatCannotBeWrittenIsAUsageError() throws Exception {
        Path events = dir.resolve("progress.jsonl");
        Files.writeString(events, EVENT + "\n");
        Path noDirectory = dir.resolve("missing-dir").resolve("x.png");
        assertUsageError(CliRunner.run("plot", events.toString(), "-o", noDirectory.toString()), "no directory");
        Path aFile = dir.resolve("a-file");
        Files.writeString(aFile, "");
        assertUsageError(CliRunner.run("plot", events.toString(), "-o", aFile.resolve("x.png").toString()),
                "no directory");
        assertUsageError(CliRunner.run("plot", events.toString(), "-o", dir.toString()), "is a directory");
    }

    @Test
    void anExistingOutputIsKeptUnlessForced() throws Exception {
        Path events = dir.resolve("progress.jsonl");
        Files.writeString(events, EVENT + "\n");
        Path png = dir.resolve("kept.png");
        byte[] before = "not to be lost".getBytes(StandardCharsets.UTF_8);
        Files.write(png, before);
        assertUsageError(CliRunner.run("plot", events.toString(), "-o", png.toString()), "add --force");
        assertArrayEquals(before, Files.readAllBytes(png));
        CliRunner forced = CliRunner.run("plot", events.toString(), "-o", png.toString(), "--force");
        assertEquals(Main.EXIT_OK, forced.exitCode(), forced.toString());
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image);
        assertEquals(1000, image.getWidth());
        assertEquals(1200, image.getHeight());
    }

    /** One event as the schema describes it (docs/migration-progress.schema.json), checked against it. */
    private static final String EVENT = "{\"timestamp\":{\"seconds\":1,\"microseconds\":0},\"status\":\"active\","
            + "\"total-time\":250,\"ram\":{\"transferred\":4096,\"remaining\":8192,\"total\":12288,\"mbps\":1.0,"
            + "\"dirty-sync-count\":0,\"dirty-pages-rate\":0.0,\"page-size\":4096},"
            + "\"jmultifd\":{\"side\":\"source\",\"phase\":\"bulk\",\"round\":0}}";

    @Test
    void theHandWrittenEventMatchesTheSchema() {
        JsonReports.event(EVENT);
    }

    private static void assertUsageError(CliRunner run, String expected) {
        assertEquals(Main.EXIT_USAGE, run.exitCode(), run.toString());
        String[] lines = run.err().strip().split("\n");
        assertEquals(2, lines.length, "one error line and the pointer to --help\n" + run);
        assertTrue(lines[0].startsWith("jmultifd plot: ") && lines[0].contains(expected), run.toString());
        assertTrue(lines[1].contains("jmultifd plot --help"), run.toString());
        assertEquals("", run.out(), run.toString());
    }

    private static int distinctColours(BufferedImage image) {
        java.util.Set<Integer> colours = new java.util.HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 7) {
            for (int x = 0; x < image.getWidth(); x += 7) {
                colours.add(image.getRGB(x, y));
            }
        }
        return colours.size();
    }
}
