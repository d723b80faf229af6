package io.jmultifd.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --hints} end to end on a tiny guest: every migration completes, and hints skip the free memory. */
class FreePageHintRunTest {

    @Test
    void aSmallHintRunCompletesAndWritesItsSection(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        Harness.Options o = Harness.parse(new String[] {"--hints", "--size", "32M", "--reps", "1", "--dirty-rate", "4",
                "--repo", dir.toString(), "--out", out.toString(), "--write-docs"});
        int exit = new Harness().run(o);

        JsonNode results = Harness.read(out.resolve("results.json"));
        assertEquals(0, exit, results.path("failures").toString());
        JsonNode cfg = results.path("free_page_hints").get(0);
        assertEquals("none", cfg.path("method").asText());
        assertEquals(2, cfg.path("channels").asInt());
        for (String guest : new String[] {"idle", "busy"}) {
            for (String hints : new String[] {"on", "off"}) {
                assertEquals(1, cfg.path(guest).path(hints).path("completed_runs").asInt(), guest + " " + hints);
            }
        }
        assertEquals(1, cfg.path("used_alone").path("completed_runs").asInt());
        assertEquals(8L << 20, cfg.path("used_alone").path("size").asLong(), "a quarter of the guest");
        // 75 % of the idle guest's 8192 pages are free: hints skip them, and the bytes shrink accordingly. (The count
        // is of pages sent as free, per round: a page whose hint the balloon reports while the scan passes it may
        // go as free in two rounds.)
        JsonNode on = cfg.path("idle").path("on").path("median");
        JsonNode off = cfg.path("idle").path("off").path("median");
        assertTrue(on.path("free_pages_skipped").asDouble() >= 6144, on::toString);
        assertEquals(0, off.path("free_pages_skipped").asDouble());
        assertTrue(on.path("transferred_bytes").asDouble() < off.path("transferred_bytes").asDouble() / 2,
                on + " vs " + off);
        assertTrue(on.path("cpu_source_ms").asDouble() > 0 && on.path("cpu_destination_ms").asDouble() > 0, on::toString);
        assertTrue(results.path("figures").has("free_page_hints/none/ch2/idle/on/total_time_ms"));
        String docs = Files.readString(dir.resolve("docs/benchmarks.md"));
        assertTrue(docs.contains(FreePageHintReport.BEGIN + "\n## Free-page hints\n\nMeasured by `bench/run-bench.sh`"), docs);
        assertTrue(Files.readString(out.resolve("table.md")).startsWith("## Free-page hints"));
    }
}
