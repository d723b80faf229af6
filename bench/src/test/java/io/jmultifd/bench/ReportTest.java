package io.jmultifd.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
        Map<String, Object> source = Map.of("total-time", 1000L, "downtime", 20L,
                "ram", Map.of("mbps", 800.0, "pages-per-second", 5000.0, "normal", 1L, "transferred", 4096L),
                "compression", Map.of("compressed-size", 2048L),
                "jmultifd", Map.of("cpu-time", 500L, "method-statistics", Map.of("pages_software", 7L, "bytes_in", 9L)));
        Map<String, Object> destination = Map.of("total-time", 800L, "jmultifd", Map.of("cpu-time", 200L));
        Map<String, Double> d = Report.derive(new Migrations.Run(source, destination));
        assertEquals(50.0, d.get("cpu_source_pct"));
        assertEquals(25.0, d.get("cpu_destination_pct"));
        assertEquals(2.0, d.get("compression_ratio"));
        assertEquals(7.0, d.get("tier_pages_software"));
        assertTrue(!d.containsKey("tier_bytes_in"));
        assertEquals(800.0, d.get("mbps"));
        assertEquals(20.0, d.get("downtime_ms"));
        assertEquals(4096.0, d.get("transferred_bytes"));
    }

    private static Map<String, Object> config(String method, int channels, long bandwidth, Double pagesPerSecond, double bestMbps) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("method", method);
        m.put("channels", channels);
        m.put("max_bandwidth", bandwidth);
        m.put("median", pagesPerSecond == null ? Map.of() : Map.of("pages_per_s", pagesPerSecond, "mbps", bestMbps / 2,
                "total_time_ms", 100.0, "cpu_source_pct", 10.0, "cpu_destination_pct", 20.0));
        m.put("best_mbps", bestMbps);
        return m;
    }

    @Test
    void channelScalingIsTwoOverOneChannelOfUnlimitedQplSoftware() {
        Map<String, Object> r = Report.channelScaling(List.of(
                config("qpl-software", 1, 0, 1000.0, 0), config("qpl-software", 2, 125_000_000L, 9000.0, 0),
                config("zstd", 2, 0, 9000.0, 0), config("qpl-software", 2, 0, 1800.0, 0)));
        assertEquals(Report.SCALING, r.get("name"));
        assertEquals(1.8, r.get("ratio"));
        assertEquals(true, r.get("met"));
        Map<String, Object> slow = Report.channelScaling(List.of(config("qpl-software", 1, 0, 1000.0, 0),
                config("qpl-software", 2, 0, 1500.0, 0)));
        assertEquals(false, slow.get("met"));
    }

    @Test
    void senderScalingIsTwoThreadsOverOneOfQplSoftwareOnTheImage() {
        List<MicroBenchmarks.Row> rows = List.of(
                new MicroBenchmarks.Row("MethodBenchmark.compress", Map.of("method", "qpl-software", "data", "image"),
                        1000, 0, 1100),
                new MicroBenchmarks.Row("MethodBenchmark.compress",
                        Map.of("method", "qpl-software", "threads", "2", "data", "image"), 1900, 0, 2500),
                new MicroBenchmarks.Row("MethodBenchmark.compress",
                        Map.of("method", "qpl-software", "data", "synthetic:mixed"), 10, 0, 10),
                new MicroBenchmarks.Row("MethodBenchmark.decompress",
                        Map.of("method", "qpl-software", "threads", "2", "data", "image"), 1, 0, 1));
        Map<String, Object> r = Report.senderScaling(rows);
        assertEquals(Report.SENDER_SCALING, r.get("name"));
        assertEquals(1.9, r.get("ratio"), "JMH means, the image's rows only");
        assertEquals(true, r.get("met"));
        Map<String, Object> none = Report.senderScaling(rows.subList(0, 1));
        assertTrue(String.valueOf(none.get("missing")).contains("1 and 2 threads"), none::toString);
    }

    @Test
    void channelScalingWithoutBothRunsSaysWhatIsMissing() {
        Map<String, Object> r = Report.channelScaling(List.of(config("qpl-software", 1, 0, 1000.0, 0),
                config("qpl-software", 2, 0, null, 0)));
        assertTrue(String.valueOf(r.get("missing")).contains("1 and 2 channels"), r::toString);
    }

    @Test
    void loopbackRatioTakesTheFastestLoopbackRunNotTheMatrix() {
        Yardsticks.Outcome none = new Yardsticks.Outcome("x", Map.of(), "not built");
        Yardsticks.Outcome copy = new Yardsticks.Outcome("socket_copy", Map.of("copy_Mbitps", "10000"), null);
        List<String> failures = new java.util.ArrayList<>();
        List<Map<String, Object>> ratios = Report.yardstickRatios(none, none, copy, null, List.of(),
                List.of(config("none", 4, 0, 1.0, 50_000)),
                List.of(config("none", 1, 0, 1.0, 6000), config("none", 2, 0, 1.0, 8500)), failures);
        Map<String, Object> loop = ratios.stream().filter(y -> String.valueOf(y.get("name")).startsWith("loopback"))
                .findFirst().orElseThrow();
        assertEquals(0.85, loop.get("ratio"));
        assertEquals(true, loop.get("met"));
        assertTrue(failures.isEmpty(), failures::toString);
        // The qpl and zero-page yardsticks say why they have no figures.
        assertTrue(ratios.stream().anyMatch(y -> "not built".equals(y.get("missing"))), ratios::toString);
    }

    @Test
    void markersAreReplacedAndBadMarkersAreNamed() {
        String text = "head\nB\nold\nlines\nE\ntail\n";
        assertEquals("head\nB\nnew\nE\ntail\n", Report.replaceBetween(text, "B", "E", "new"));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> Report.replaceBetween("head\nB\n", "B", "E", "x"));
        assertEquals("marker E not found", missing.getMessage());
        IllegalArgumentException order = assertThrows(IllegalArgumentException.class,
                () -> Report.replaceBetween("E\nB\n", "B", "E", "x"));
        assertEquals("marker E comes before B", order.getMessage());
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> Report.replaceBetween("B\nB\nE\n", "B", "E", "x"));
        assertEquals("marker B appears twice", twice.getMessage());
    }

    @Test
    void generatedReportsHoldTheRunsFiguresAndTheCommand() {
        Map<String, Object> results = new java.util.LinkedHashMap<>();
        results.put("command", "bench/run-bench.sh --quick");
        results.put("date", "2026-01-01T00:00:00Z");
        results.put("machine", Map.of("cores", 2, "cpu_model", "Test CPU", "load_average_at_start", "0.5"));
        results.put("settings", Map.of("repetitions", 1, "jmh", "-f 1", "loopback_none_size", "256M"));
        results.put("jmh", List.of(Map.of("benchmark", "PageCodecBenchmark.compress", "params", Map.of("tier", "software"),
                "pages_per_s", 12345L, "error_pages_per_s", 5L, "bytes_per_s", 12345L * 4096)));
        results.put("c_yardsticks", Map.of("qpl_page_bench", Map.of("compress_pages_per_s", "11111")));
        results.put("loopback_none", List.of(config("none", 2, 0, 1.0, 7000)));
        results.put("yardstick_ratios", List.of(Map.of("name", "qpl software compress, pages/s: Java FFM / C reference",
                "ours", 12345, "c", 11111, "ratio", 1.111, "goal", ">= 0.95", "met", true)));
        String section = Report.qplSection(results);
        assertTrue(section.contains("`bench/run-bench.sh --quick`"), section);
        assertTrue(section.contains("| PageCodecBenchmark.compress | software | 12345 | 50.6 |"), section);
        assertTrue(section.contains("compress_pages_per_s=11111"), section);
        assertTrue(section.contains("bench/target/native/qpl_page_bench PAGES software fixed 5"), section);
        assertTrue(section.contains("| 12345 | 11111 | 1.111 | >= 0.95 | yes |"), section);
        String table = Report.tableMarkdown(results);
        assertTrue(table.contains("| 2 | 100 | 3500 | 7000 | 10 | 20 |"), table);
        assertTrue(table.contains("256M guest"), table);
        assertTrue(table.contains("| PageCodecBenchmark.compress | tier=software | 12345 | 5 | 50.6 |"), table);
    }

    @Test
    void tileRepeatsTheImageAndCutsTheLastCopy() {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment image = arena.allocate(8192);
            for (int i = 0; i < 8192; i++) image.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) (i * 7));
            java.lang.foreign.MemorySegment t = Harness.tile(image, 20480, arena);
            assertEquals(20480, t.byteSize());
            for (int i = 0; i < 20480; i++) {
                assertEquals((byte) ((i % 8192) * 7), t.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i), "byte " + i);
            }
        }
    }

    @Test
    void rowsAreMarkedWithTheirData() {
        List<MicroBenchmarks.Row> rows = Harness.withData("synthetic:mixed",
                List.of(new MicroBenchmarks.Row("MethodBenchmark.compress", Map.of("method", "zstd"), 10, 1, 12)));
        assertEquals("MethodBenchmark.compress:method=zstd:data=synthetic:mixed", rows.getFirst().key());
        assertEquals(12, rows.getFirst().best());
    }

    @Test
    void writeDocsRegeneratesTheDocsPageAndOnlyTheMarkedPartOfThePluginReadme(@org.junit.jupiter.api.io.TempDir java.nio.file.Path repo)
            throws Exception {
        Map<String, Object> results = new java.util.LinkedHashMap<>();
        results.put("command", "bench/run-bench.sh --write-docs");
        results.put("date", "2026-01-01T00:00:00Z");
        results.put("machine", Map.of("cores", 2, "cpu_model", "Test CPU", "memory", "1 kB", "os", "Linux", "java", "25",
                "load_average_at_start", "0.5", "note", ""));
        results.put("settings", Map.of("repetitions", 3, "jmh", "-f 2", "loopback_none_size", "1G",
                "workload_dirty_rate_MBps", 16.0));
        results.put("image", Map.of("size", 1, "sha256", "abc", "pages", 1, "zero_pages", 0, "bytes_per_kind", Map.of()));
        results.put("synthetic", Map.of("skipped", "--synthetic none"));
        results.put("jmh", List.of(Map.of("benchmark", "PageCodecBenchmark.decompress", "params", Map.of("tier", "java"),
                "pages_per_s", 777L, "error_pages_per_s", 1L, "bytes_per_s", 777L * 4096)));
        java.nio.file.Path readme = repo.resolve("accel-plugin/README.md");
        java.nio.file.Files.createDirectories(readme.getParent());
        java.nio.file.Files.writeString(readme, "# qpl\n\n## Benchmark\n\n" + Report.PLUGIN_BEGIN + "\nold figures\n"
                + Report.PLUGIN_END + "\n\n## After\nkept\n");
        java.nio.file.Path page = Report.writeDocs(repo, results, "### T\n", List.of());
        String docs = java.nio.file.Files.readString(page);
        assertEquals(repo.resolve("docs/benchmarks.md"), page);
        assertTrue(docs.contains("- **Command:** `bench/run-bench.sh --write-docs`"), docs);
        assertTrue(docs.contains("- **Machine:** 2 cores, Test CPU"), docs);
        assertTrue(docs.contains("- **Date:** 2026-01-01T00:00:00Z"), docs);
        assertTrue(docs.contains("(skipped in this run: --synthetic none)"), docs);
        assertTrue(docs.contains("## T"), docs);
        String plugin = java.nio.file.Files.readString(readme);
        assertTrue(plugin.startsWith("# qpl\n\n## Benchmark\n\n" + Report.PLUGIN_BEGIN + "\nMeasured by `bench/run-bench.sh --write-docs`"), plugin);
        assertTrue(plugin.contains("| PageCodecBenchmark.decompress | java | 777 | 3.2 |"), plugin);
        assertTrue(!plugin.contains("old figures"), plugin);
        assertTrue(plugin.endsWith(Report.PLUGIN_END + "\n\n## After\nkept\n"), plugin);

        java.nio.file.Files.writeString(readme, "# no markers\n");
        Report.writeDocs(repo, results, "### T\n", List.of());
        assertEquals("# no markers\n", java.nio.file.Files.readString(readme));
    }

    private static Map<String, Object> preallocated(Map<String, Object> config) {
        config.put("destination_prealloc", true);
        return config;
    }

    @Test
    void likeForLikeLoopbackTakesOnlyPreallocatedRunsAndFreshContextOnlyLazyOnes() {
        List<Map<String, Object>> loopback = List.of(config("none", 1, 0, 1.0, 9000),
                preallocated(config("none", 1, 0, 1.0, 7000)), preallocated(config("none", 2, 0, 1.0, 8000)));
        Yardsticks.Outcome memory = new Yardsticks.Outcome("socket_copy_memory", Map.of("copy_Mbitps", "10000"), null);
        Map<String, Object> m = Report.memoryCopy(loopback, memory);
        assertEquals(Report.MEMORY_COPY, m.get("name"));
        assertEquals(0.8, m.get("ratio"), "the fastest prealloc run, not the faster lazy one");
        assertEquals(true, m.get("met"));
        Yardsticks.Outcome fresh = new Yardsticks.Outcome("socket_copy_fresh", Map.of("copy_Mbitps", "10000"), null);
        assertEquals(0.9, Report.context(loopback, fresh).get("ratio"), "the lazy run only");
        Map<String, Object> none = Report.memoryCopy(loopback.subList(0, 1), memory);
        assertTrue(String.valueOf(none.get("missing")).contains("prealloc=true"), none::toString);
        Map<String, Object> results = new java.util.LinkedHashMap<>();
        results.put("loopback_none", loopback);
        assertTrue(Report.figures(results).containsKey("loopback_none/ch2/prealloc/mbps"), () -> Report.figures(results).toString());
    }

    @Test
    void theFreshMemoryCopyIsContextWithoutAGoalAndNotACompareFigure() {
        Yardsticks.Outcome fresh = new Yardsticks.Outcome("socket_copy_fresh", Map.of("copy_Mbitps", "5000"), null);
        Map<String, Object> c = Report.context(List.of(config("none", 1, 0, 1.0, 4000), config("none", 2, 0, 1.0, 6000)), fresh);
        assertEquals(1.2, c.get("ratio"));
        assertEquals("context", c.get("goal"));
        Map<String, Object> results = new java.util.LinkedHashMap<>();
        results.put("settings", Map.of("repetitions", 1));
        results.put("yardstick_ratios", List.of(c));
        assertTrue(Report.tableMarkdown(results).contains("| 6000 | 5000 | 1.2 | context | - |"), Report.tableMarkdown(results));
        assertTrue(Report.figures(results).isEmpty(), () -> Report.figures(results).toString());
    }
}
