package io.jmultifd.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportTest {

    private static JsonNode figures(String json) throws Exception {
        return Harness.JSON.readTree("{\"figures\": " + json + "}");
    }

    @Test
    void compareFlagsOnlyFiguresMoreThanTenPercentWorseInTheirDirection() throws Exception {
        JsonNode old = figures("""
                {"a/mbps": {"value": 1000, "better": "higher"},
                 "b/mbps": {"value": 1000, "better": "higher"},
                 "c/total_time_ms": {"value": 100, "better": "lower"},
                 "d/total_time_ms": {"value": 100, "better": "lower"},
                 "e/gone": {"value": 1, "better": "higher"}}""");
        JsonNode now = figures("""
                {"a/mbps": {"value": 899, "better": "higher"},
                 "b/mbps": {"value": 901, "better": "higher"},
                 "c/total_time_ms": {"value": 111, "better": "lower"},
                 "d/total_time_ms": {"value": 50, "better": "lower"},
                 "f/new": {"value": 1, "better": "higher"}}""");
        List<String> worse = Report.compare(old, now, 0.10);
        assertEquals(2, worse.size(), worse::toString);
        assertTrue(worse.get(0).startsWith("a/mbps: ") && worse.get(0).contains("(-10.1%, higher is better)"), worse::toString);
        assertTrue(worse.get(1).startsWith("c/total_time_ms: ") && worse.get(1).contains("(+11.0%, lower is better)"), worse::toString);
    }

    @Test
    void compareWithAFileThatIsNotAResultsFileSaysSo() throws Exception {
        List<String> worse = Report.compare(Harness.JSON.readTree("{\"x\": 1}"), figures("{}"), 0.10);
        assertEquals(1, worse.size());
        assertTrue(worse.getFirst().contains("no \"figures\""));
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(2.0, Report.median(List.of(3.0, 1.0, 2.0)));
        assertEquals(2.5, Report.median(List.of(4.0, 1.0, 2.0, 3.0)));
    }

    @Test
    void derivedFiguresOfOneRun() {
        Map<String, Object> source = Map.of("total_time_ms", 1000L, "downtime_ms", 20L, "mbps", 800.0,
                "pages_per_second", 5000.0, "cpu_time_ms", 500L, "compressed_bytes", 2048L, "normal_pages", 1L,
                "transferred_bytes", 4096L, "method_statistics", Map.of("pages_software", 7L, "bytes_in", 9L));
        Map<String, Object> destination = Map.of("total_time_ms", 800L, "cpu_time_ms", 200L);
        Map<String, Double> d = Report.derive(new Migrations.Run(source, destination));
        assertEquals(50.0, d.get("cpu_source_pct"));
        assertEquals(25.0, d.get("cpu_destination_pct"));
        assertEquals(2.0, d.get("compression_ratio"));
        assertEquals(7.0, d.get("tier_pages_software"));
        assertTrue(!d.containsKey("tier_bytes_in"));
    }
}
