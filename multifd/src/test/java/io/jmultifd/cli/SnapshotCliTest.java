package io.jmultifd.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code migrate --to file:} saves, {@code incoming --listen file: --output} restores, both from the command line. */
class SnapshotCliTest {
    @TempDir
    Path dir;

    @Test
    void savesAndRestoresAnImageThroughAFile() throws Exception {
        byte[] content = new byte[3 << 20];
        for (int i = 0; i < content.length; i += 4096) {
            Arrays.fill(content, i, i + 2048, (byte) (i / 4096)); // half of each page text-like, half zero
        }
        Path image = dir.resolve("ram.img");
        Files.write(image, content);
        for (String method : new String[] {"none", "qpl"}) {
            Path snap = dir.resolve(method + ".snap");
            CliRunner save = CliRunner.run("migrate", "--to", "file:" + snap, "--source", image.toString(),
                    "--set", "mapped-ram=on", "--set", "direct-io=on", "--set", "multifd-compression=" + method,
                    "--set", "multifd-channels=2", "--json");
            assertEquals(Main.EXIT_OK, save.exitCode(), save.toString());
            Path restored = dir.resolve(method + ".out");
            CliRunner restore = CliRunner.run("incoming", "--listen", "file:" + snap, "--output", restored.toString(),
                    "--set", "mapped-ram=on", "--set", "multifd-channels=3", "--json");
            assertEquals(Main.EXIT_OK, restore.exitCode(), restore.toString());
            assertTrue(restore.err().contains("restoring from file:" + snap), restore.toString());
            assertArrayEquals(content, Files.readAllBytes(restored), method);
            JsonNode saved = JsonReports.result(save.out());
            JsonNode loaded = JsonReports.result(restore.out());
            for (JsonNode report : new JsonNode[] {saved, loaded}) {
                assertEquals("completed", report.get("status").asText(), report.toString());
                assertEquals(content.length, report.get("ram").get("total").asLong(), report.toString());
                assertEquals(method, report.get("compression").get("method").asText(), report.toString());
            }
            long written = saved.get("ram").get("transferred").asLong();
            assertTrue(written > 0 && written <= Files.size(snap), "bytes written into the (sparse) file: " + written);
            assertEquals(saved.get("jmultifd").get("block-checksums"), loaded.get("jmultifd").get("block-checksums"),
                    "the restored blocks are the saved ones");
        }
    }

    @Test
    void aFileWithoutMappedRamIsAUsageErrorAndADamagedOneFails() throws Exception {
        Path snap = dir.resolve("x.snap");
        CliRunner r = CliRunner.run("migrate", "--to", "file:" + snap, "--synthetic", "1M:mixed");
        assertEquals(Main.EXIT_USAGE, r.exitCode(), r.toString());
        assertTrue(r.err().contains("needs mapped-ram=on"), r.toString());
        r = CliRunner.run("incoming", "--listen", "tcp:127.0.0.1:0", "--set", "direct-io=on");
        assertEquals(Main.EXIT_USAGE, r.exitCode(), r.toString());
        assertTrue(r.err().contains("direct-io=on needs a file:PATH endpoint"), r.toString());
        Files.writeString(snap, "garbage");
        Path out = dir.resolve("out.img");
        r = CliRunner.run("incoming", "--listen", "file:" + snap, "--output", out.toString(), "--set", "mapped-ram=on",
                "--json");
        assertEquals(Main.EXIT_FAILED, r.exitCode(), r.toString());
        assertEquals("corrupt-file", JsonReports.result(r.out()).get("jmultifd").get("failure").get("cause").asText());
        assertTrue(r.err().contains("cut short"), r.toString());
        assertTrue(!Files.exists(out), "no image of a failed restore");
        assertTrue(!r.err().contains("\tat "), "no stack trace: " + r);
    }
}
