package io.jmultifd.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A saver killed (SIGKILL) in the middle of a save, in a child JVM: the file it was writing has no completion record
 * and restore says so, and the snapshot that was at the path before is untouched and still restores.
 */
class SnapshotKillTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void aSaverKilledMidSaveLeavesAFileThatRestoreRefusesAndKeepsTheOlderSnapshot() throws Exception {
        Path snap = dir.resolve("guest.snap");
        CliRunner first = CliRunner.run("migrate", "--to", "file:" + snap, "--synthetic", "2M:mixed", "--seed", "1",
                "--set", "mapped-ram=on", "--json");
        assertEquals(Main.EXIT_OK, first.exitCode(), first.toString());
        byte[] older = Files.readAllBytes(snap);

        Path partial = dir.resolve("guest.snap.partial");
        // A live guest with downtime-limit 0 never converges: the save keeps rewriting pages until it is killed.
        try (ChildJvm saver = ChildJvm.start(dir, "saver", "migrate", "--to", "file:" + snap, "--synthetic",
                "16M:mixed", "--workload-dirty-rate", "8", "--set", "mapped-ram=on", "--set", "downtime-limit=0",
                "--set", "convergence-timeout=600000", "--json-progress")) {
            assertTrue(saver.awaitWhileAlive(c -> roundsAfterTheBulk(c) >= 1), "the save never got past its bulk "
                    + "round\n" + saver.describe());
            saver.process().destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no cleanup
        }
        assertTrue(Files.exists(partial), "the killed saver's file is where it was writing");
        assertArrayEquals(older, Files.readAllBytes(snap), "the older snapshot at the path is untouched");

        CliRunner refused = CliRunner.run("incoming", "--listen", "file:" + partial, "--set", "mapped-ram=on",
                "--json");
        assertEquals(Main.EXIT_FAILED, refused.exitCode(), refused.toString());
        JsonNode report = JsonReports.result(refused.out());
        assertEquals("failed", report.get("status").asText(), refused.toString());
        assertTrue(report.get("error-desc").asText().contains(partial + " has no completion record: the save did "
                + "not finish"), refused.toString());

        Path image = dir.resolve("older.img");
        CliRunner restored = CliRunner.run("incoming", "--listen", "file:" + snap, "--set", "mapped-ram=on",
                "--output", image.toString(), "--json");
        assertEquals(Main.EXIT_OK, restored.exitCode(), restored.toString());
        assertEquals(JsonReports.result(first.out()).get("jmultifd").get("block-checksums"),
                JsonReports.result(restored.out()).get("jmultifd").get("block-checksums"));
    }

    /** The highest dirty-sync-count in the saver's --json-progress lines so far (0 while in its bulk round). */
    private static long roundsAfterTheBulk(ChildJvm saver) {
        try {
            long rounds = 0;
            for (String line : saver.stdout().lines().toList()) {
                if (line.startsWith("{") && line.endsWith("}")) {
                    JsonNode ram = JSON.readTree(line).path("ram");
                    rounds = Math.max(rounds, ram.path("dirty-sync-count").asLong());
                }
            }
            return rounds;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
