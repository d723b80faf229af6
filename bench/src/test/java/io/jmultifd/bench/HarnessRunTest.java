package io.jmultifd.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness end to end on a tiny matrix: a broken migration must make it fail, a sound one must not. */
class HarnessRunTest {

    @Test
    void aMigrationThatLosesDataFailsTheRunAndIsNamed(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        Harness.Options o = Harness.parse(new String[] {"--size", "32M", "--skip-jmh", "--synthetic", "none",
                "--methods", "none," + LossyTestMethod.NAME, "--channels", "1", "--bandwidths", "0", "--reps", "1",
                "--loopback-size", "4M", "--dirty-rate", "0", "--repo", dir.toString(), "--out", out.toString()});
        int exit = new Harness().run(o);

        JsonNode results = Harness.read(out.resolve("results.json"));
        List<String> failures = new ArrayList<>();
        results.path("failures").forEach(f -> failures.add(f.asText()));
        assertEquals(1, exit, failures::toString);
        assertTrue(failures.stream().anyMatch(f -> f.startsWith("migration " + LossyTestMethod.NAME + "/1/unlimited rep 1: ")),
                failures::toString);
        assertTrue(failures.stream().noneMatch(f -> f.startsWith("migration none/")), failures::toString);
        // The sound `none` runs (matrix and loopback) still have their figures and the report was written.
        assertEquals(1, results.path("loopback_none").get(0).path("completed_runs").asInt());
        assertTrue(Files.readString(out.resolve("table.md")).contains("| none | 1 | unlimited |"));
        assertTrue(Files.isRegularFile(out.resolve("throughput-vs-channels-unlimited.png")));
        assertTrue(!Files.exists(out.resolve("guest-32M.img")), "the image is deleted after the run");
        assertEquals((long) BenchPages.PAGES * BenchPages.PAGE, Files.size(out.resolve("bench-pages.img")),
                "the measured pages stay for rerunning the C reference");
    }

    @Test
    void aSnapshotThatRestoresWrongMemoryFailsTheRunAndIsNamed(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        Harness.Options o = Harness.parse(new String[] {"--snapshot", "--size", "32M", "--no-drop-caches",
                "--snapshot-methods", "none," + LossyTestMethod.NAME, "--snapshot-direct-io", "off", "--channels", "2",
                "--dirty-rate", "0", "--repo", dir.toString(), "--out", out.toString()});
        int exit = new Harness().run(o);

        JsonNode results = Harness.read(out.resolve("results.json"));
        List<String> failures = new ArrayList<>();
        results.path("failures").forEach(f -> failures.add(f.asText()));
        assertEquals(1, exit, failures::toString);
        assertTrue(failures.stream().anyMatch(f -> f.startsWith("snapshot compressed " + LossyTestMethod.NAME
                + "/2/direct-io=off rep 1: restore FAILED")), failures::toString);
        assertTrue(failures.stream().noneMatch(f -> f.startsWith("snapshot mapped-ram/") || f.startsWith("sequential")),
                failures::toString);
        JsonNode rows = results.path("snapshot").path("rows");
        assertEquals("mapped-ram", rows.get(0).path("layout").asText());
        assertEquals("CRC32C + memory equal", rows.get(0).path("check").asText());
        assertEquals("FAILED", rows.get(1).path("check").asText());
        assertEquals("sequential stream", rows.get(2).path("layout").asText());
        assertEquals("memory equal", rows.get(2).path("check").asText());
        assertTrue(Files.readString(out.resolve("table.md")).contains("| jmultifd | mapped-ram | 2 | off | paused |"));
        try (var left = Files.list(out)) {
            List<String> names = left.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(List.of("results.json", "table.md"), names, "snapshots, dd file and image are deleted");
        }
    }

    @Test
    void theTlsRunMigratesWithAndWithoutMutualTlsAndALossyMigrationFailsIt(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        Harness.Options o = Harness.parse(new String[] {"--tls", "--size", "32M", "--reps", "1", "--channels", "1",
                "--methods", "none," + LossyTestMethod.NAME, "--dirty-rate", "0", "--repo", dir.toString(),
                "--out", out.toString()});
        int exit = new Harness().run(o);

        JsonNode results = Harness.read(out.resolve("results.json"));
        List<String> failures = new ArrayList<>();
        results.path("failures").forEach(f -> failures.add(f.asText()));
        assertEquals(1, exit, failures::toString);
        assertTrue(failures.stream().anyMatch(f -> f.startsWith("tls: " + LossyTestMethod.NAME + "/1/unlimited TLS on rep 1: ")),
                failures::toString);
        assertTrue(failures.stream().noneMatch(f -> f.startsWith("tls: none/")), failures::toString);
        JsonNode none = results.path("tls").path("configs").get(0);
        assertEquals("none", none.path("method").asText());
        assertEquals(1, none.path("off").path("completed_runs").asInt());
        assertEquals(1, none.path("on").path("completed_runs").asInt());
        String negotiated = none.path("on").path("negotiated").get(0).asText();
        assertTrue(negotiated.startsWith("TLSv1.3 TLS_"), negotiated);
        JsonNode source = none.path("on").path("runs").get(0).path("source");
        assertEquals(negotiated, source.at("/jmultifd/tls/protocol").asText() + " " + source.at("/jmultifd/tls/cipher-suite").asText());
        assertTrue(none.path("off").path("runs").get(0).path("source").at("/jmultifd/tls").isMissingNode());
        assertTrue(results.path("tls").path("credentials").asText().contains("tls-authz=" + ThrowawayPki.CLIENT_DN));
        assertTrue(Files.readString(out.resolve("table.md")).contains("| none | 1 | on | " + negotiated + " |"));
        assertTrue(results.path("figures").has("tls/none/ch1/on/mbps"), results.path("figures").toString());
        try (var left = Files.list(out)) {
            assertEquals(List.of("results.json", "table.md"), left.map(p -> p.getFileName().toString()).sorted().toList(),
                    "the credentials and the image are deleted");
        }
    }
}
