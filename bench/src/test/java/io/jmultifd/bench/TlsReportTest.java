package io.jmultifd.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TLS section: the cost of TLS, the goal of issue 16, the rows, the figures and its place in the docs page. */
class TlsReportTest {
    private static final String SUITE = "TLSv1.3 TLS_AES_256_GCM_SHA384";

    /** One side's summary as TlsBenchmark.summary writes it; null mbps: no completed run. */
    private static Map<String, Object> side(Double mbps, double total, double softwarePages, String negotiated) {
        Map<String, Object> s = new LinkedHashMap<>();
        Map<String, Double> m = new LinkedHashMap<>();
        if (mbps != null) {
            m.put("total_time_ms", total);
            m.put("downtime_ms", 40.0);
            m.put("mbps", mbps);
            m.put("pages_per_s", 50000.0);
            m.put("cpu_source_pct", 80.0);
            m.put("cpu_destination_pct", 60.0);
            m.put("compression_ratio", 1.9);
            m.put("transferred_bytes", 1e8);
            m.put("tier_pages_hardware", 0.0);
            m.put("tier_pages_software", softwarePages);
            m.put("tier_pages_java", 0.0);
            m.put("tier_pages_raw", 100.0);
            m.put("guest_MBps", 125.5);
            m.put("cpu_ms", total / 2);
        }
        s.put("completed_runs", mbps == null ? 0 : 3);
        s.put("median", m);
        s.put("negotiated", negotiated == null ? List.of() : List.of(negotiated));
        return s;
    }

    private static Map<String, Object> config(String method, int channels, Double off, Double on, double softwarePages) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("method", method);
        c.put("channels", channels);
        c.put("off", side(off, 2000, softwarePages, null));
        c.put("on", side(on, 2400, softwarePages, SUITE));
        return c;
    }

    private static Map<String, Object> tls(List<Map<String, Object>> configs) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("credentials", "mutual TLS, made by OpenSSL 3.0.0");
        t.put("configs", configs);
        return t;
    }

    private static Map<String, Object> results(Map<String, Object> tls) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("date", "2026-01-01T00:00:00Z");
        r.put("command", "bench/run-bench.sh --tls --write-docs");
        r.put("machine", Map.of("cores", 2, "cpu_model", "Test CPU", "memory", "1 kB", "os", "Linux", "java", "25",
                "load_average_at_start", "3.5 2.0 1.0 1/2 3", "note", "shared with other builds"));
        r.put("settings", Map.of("repetitions", 3, "methods", List.of("none", "qpl"), "channels", List.of(1, 2),
                "workload_dirty_rate_MBps", 16.0));
        r.put("image", Map.of("size", 268435456L, "sha256", "abc"));
        r.put("load_average_at_end", "4.5 3.0 2.0 1/2 3");
        r.put("tls", tls);
        r.put("failures", List.of());
        return r;
    }

    @Test
    void theCostIsTheShareOfThePlainThroughputThatTlsTakes() {
        assertEquals(0.2, TlsReport.cost(1000.0, 800.0), 1e-12);
        assertEquals(-0.1, TlsReport.cost(1000.0, 1100.0), 1e-12, "faster with TLS: noise, shown as it is");
        assertNull(TlsReport.cost(null, 800.0));
        assertNull(TlsReport.cost(1000.0, null));
        assertNull(TlsReport.cost(0.0, 800.0));
        assertEquals(0.25, TlsReport.cost(config("qpl", 1, 400.0, 300.0, 10)), 1e-12);
        assertNull(TlsReport.cost(config("qpl", 1, 400.0, null, 10)));
        assertEquals(0.2, TlsReport.cpuCost(config("qpl", 1, 400.0, 300.0, 10)), 1e-12, "1200 ms against 1000 ms");
        assertNull(TlsReport.cpuCost(config("qpl", 1, 400.0, null, 10)));
    }

    @Test
    void theGoalHoldsOnlyWhenEveryQplRowCostsAtMostAQuarter() {
        assertTrue(TlsReport.goalMet(List.of(config("none", 1, 1000.0, 100.0, 0), config("qpl", 1, 400.0, 300.0, 10),
                config("qpl", 2, 400.0, 380.0, 10))), "25 % is within the goal; none does not count");
        assertFalse(TlsReport.goalMet(List.of(config("qpl", 1, 400.0, 300.0, 10), config("qpl", 2, 400.0, 296.0, 10))));
        assertFalse(TlsReport.goalMet(List.of(config("qpl", 1, 400.0, null, 10))), "a failed TLS row is not met");
        assertFalse(TlsReport.goalMet(List.of(config("none", 1, 1000.0, 990.0, 0))), "no qpl row: nothing shows it");
        assertTrue(TlsReport.goalMet(List.of(config("qpl-software", 1, 400.0, 390.0, 10))), "a pinned qpl tier counts");
        assertEquals("Goal of issue 16, `qpl` TLS cost <= 25 %: **no** (1 channel(s) 10.0 %, 2 channel(s) 26.0 %).\n",
                TlsReport.goalLine(List.of(config("qpl", 1, 500.0, 450.0, 10), config("qpl", 2, 500.0, 370.0, 10))));
        assertEquals("Goal of issue 16, `qpl` TLS cost <= 25 %: met (1 channel(s) 10.0 %).\n",
                TlsReport.goalLine(List.of(config("qpl", 1, 500.0, 450.0, 10))));
        assertEquals("Goal of issue 16, `qpl` TLS cost <= 25 %: **no** (no `qpl` row in this run).\n",
                TlsReport.goalLine(List.of(config("none", 1, 500.0, 450.0, 0))));
    }

    @Test
    void eachConfigurationHasARowWithTlsOffAndOneWithTlsOnNamingTheTierAndTheSuite() {
        String table = TlsReport.table(tls(List.of(config("none", 1, 5000.0, 2000.0, 0), config("qpl", 2, 400.0, 300.0, 4096),
                config("qpl", 1, 400.0, null, 4096))));
        assertTrue(table.contains("| none | 1 | off | - | 2000 | 40 | 5000 | 125.5 | 80 | 60 | 1000 |  |  |\n"), table);
        // CPU time 1200 ms with TLS against 1000 without: +20 %
        assertTrue(table.contains("| none | 1 | on | " + SUITE + " | 2400 | 40 | 2000 | 125.5 | 80 | 60 | 1200 | 60.0 % | +20.0 % |\n"),
                table);
        assertTrue(table.contains("| qpl (software) | 2 | off | - | 2000 |"), table);
        assertTrue(table.contains("| qpl (software) | 2 | on | " + SUITE + " | 2400 | 40 | 300 | 125.5 | 80 | 60 | 1200 | 25.0 % "
                + "| +20.0 % |\n"), table);
        assertTrue(table.contains("| qpl | 1 | on | " + SUITE + " | FAILED | | | | | | | | |\n"), table);
        int columns = table.lines().findFirst().orElseThrow().split("\\|", -1).length;
        table.lines().filter(l -> l.startsWith("|")).forEach(l -> assertEquals(columns, l.split("\\|", -1).length, l));
        assertTrue(table.endsWith("\nGoal of issue 16, `qpl` TLS cost <= 25 %: **no** (2 channel(s) 25.0 %, 1 channel(s) -).\n"),
                table);
    }

    @Test
    void theFiguresForCompareHaveADirectionAndLeaveOutCounts() {
        Map<String, Object> f = TlsReport.figures(tls(List.of(config("qpl", 2, 400.0, 300.0, 4096))));
        assertEquals(Map.of("value", 300.0, "better", "higher"), f.get("tls/qpl/ch2/on/mbps"));
        assertEquals(Map.of("value", 125.5, "better", "higher"), f.get("tls/qpl/ch2/off/guest_MBps"));
        assertEquals(Map.of("value", 2400.0, "better", "lower"), f.get("tls/qpl/ch2/on/total_time_ms"));
        assertEquals(Map.of("value", 80.0, "better", "lower"), f.get("tls/qpl/ch2/off/cpu_source_pct"));
        assertEquals(Map.of("value", 1200.0, "better", "lower"), f.get("tls/qpl/ch2/on/cpu_ms"));
        assertTrue(f.keySet().stream().noneMatch(k -> k.contains("tier_") || k.contains("transferred")
                || k.contains("compression_ratio")), f::toString);
    }

    @Test
    void theSectionNamesTheCommandMachineLoadCredentialsAndGoal() {
        String s = TlsReport.section(results(tls(List.of(config("qpl", 1, 400.0, 360.0, 10)))));
        assertTrue(s.startsWith("## TLS: `none` and `qpl` with and without TLS\n"), s);
        assertTrue(s.contains("- **Command:** `bench/run-bench.sh --tls --write-docs`\n"), s);
        assertTrue(s.contains("- **Date:** 2026-01-01T00:00:00Z\n"), s);
        assertTrue(s.contains("- **Load average at start:** 3.5 2.0 1.0 1/2 3\n"), s);
        assertTrue(s.contains("- **Load average at end:** 4.5 3.0 2.0 1/2 3\n"), s);
        assertTrue(s.contains("- **Note:** shared with other builds\n"), s);
        assertTrue(s.contains("- **TLS:** mutual TLS, made by OpenSSL 3.0.0\n"), s);
        assertTrue(s.contains("sha256 `abc`"), s);
        assertTrue(s.contains("Goal of issue 16, `qpl` TLS cost <= 25 %: met (1 channel(s) 10.0 %)."), s);
        assertFalse(s.contains("Failures in this run"), s);
        Map<String, Object> failed = results(tls(List.of()));
        failed.put("failures", List.of("tls: no credentials: openssl missing"));
        assertTrue(TlsReport.section(failed).contains("Failures in this run:\n\n- tls: no credentials: openssl missing\n"));
    }

    @Test
    void theSectionGoesBeforeTheYardstickNotesAndTheFullRunKeepsIt(@TempDir Path repo) throws Exception {
        Path page = repo.resolve("docs/benchmarks.md");
        Files.createDirectories(page.getParent());
        Files.writeString(page, "# Benchmarks\n\n## Migrations\n\nrows\n\n## How the yardsticks are measured\n\nnotes\n");
        TlsReport.writeDocs(repo, results(tls(List.of(config("qpl", 1, 400.0, 360.0, 10)))));
        String inserted = Files.readString(page);
        assertTrue(inserted.startsWith("# Benchmarks\n\n## Migrations\n\nrows\n\n" + TlsReport.BEGIN + "\n## TLS"), inserted);
        assertTrue(inserted.contains(TlsReport.END + "\n\n## How the yardsticks are measured\n\nnotes\n"), inserted);

        TlsReport.writeDocs(repo, results(tls(List.of(config("qpl", 1, 400.0, 200.0, 10)))));
        String replaced = Files.readString(page);
        assertTrue(replaced.contains("50.0 %") && !replaced.contains("10.0 %"), replaced);
        assertEquals(1, replaced.split(java.util.regex.Pattern.quote(TlsReport.BEGIN), -1).length - 1, replaced);

        Map<String, Object> full = new LinkedHashMap<>();
        full.put("command", "bench/run-bench.sh --write-docs");
        full.put("date", "2026-01-02T00:00:00Z");
        full.put("machine", Map.of("cores", 2, "cpu_model", "Test CPU", "memory", "1 kB", "os", "Linux", "java", "25",
                "load_average_at_start", "0.5", "note", ""));
        full.put("settings", Map.of("repetitions", 3, "jmh", "-f 2", "loopback_none_size", "1G", "workload_dirty_rate_MBps", 16.0));
        full.put("image", Map.of("size", 1, "sha256", "abc", "pages", 1, "zero_pages", 0, "bytes_per_kind", Map.of()));
        Report.writeDocs(repo, full, "### T\n", List.of());
        String regenerated = Files.readString(page);
        assertTrue(regenerated.contains("- **Command:** `bench/run-bench.sh --write-docs`"), regenerated);
        assertTrue(!regenerated.contains("## Migrations\n\nrows"), regenerated);
        assertTrue(regenerated.contains(TlsReport.SECTION.in(replaced)), regenerated);
        assertTrue(regenerated.indexOf(TlsReport.END) < regenerated.indexOf("## How the yardsticks are measured"), regenerated);
    }

    @Test
    void aRunCountsOnlyIfItsReportsSayTlsExactlyWhenItWasOn() {
        Map<String, Object> plain = Map.of("status", "completed", "jmultifd", Map.of("checksum-match", true));
        Map<String, Object> tls = Map.of("status", "completed", "jmultifd", Map.of("checksum-match", true,
                "tls", Map.of("protocol", "TLSv1.3", "cipher-suite", "TLS_AES_128_GCM_SHA256")));
        assertNull(TlsBenchmark.tlsMismatch(false, new Migrations.Run(plain, plain)));
        assertNull(TlsBenchmark.tlsMismatch(true, new Migrations.Run(tls, tls)));
        assertEquals("TLS on, but jmultifd.tls is present at the source and absent at the destination",
                TlsBenchmark.tlsMismatch(true, new Migrations.Run(tls, plain)));
        assertEquals("TLS off, but jmultifd.tls is absent at the source and present at the destination",
                TlsBenchmark.tlsMismatch(false, new Migrations.Run(plain, tls)));
        assertEquals("TLSv1.3 TLS_AES_128_GCM_SHA256", TlsBenchmark.negotiated(tls));
        assertNull(TlsBenchmark.negotiated(plain));
    }

    @Test
    void theSummaryTakesMediansOfCompletedRunsGuestMegabytesPerSecondAndTheSuites() {
        List<Migrations.Run> runs = List.of(run(2000, 1000, "completed"), run(4000, 500, "completed"),
                run(1000, 2000, "completed"), run(10, 99999, "failed"));
        Map<String, Object> s = TlsBenchmark.summary(runs);
        assertEquals(3, s.get("completed_runs"));
        @SuppressWarnings("unchecked")
        Map<String, Double> m = (Map<String, Double>) s.get("median");
        assertEquals(2000.0, m.get("total_time_ms"));
        assertEquals(1000.0, m.get("mbps"));
        // 268435456 bytes = 268.435456 MB in 2 s (the median of 67.1, 134.2 and 268.4 MB/s)
        assertEquals(134.217728, m.get("guest_MBps"), 1e-9);
        assertEquals(200.0, m.get("cpu_ms"), "100 ms at each end");
        assertEquals(List.of("TLSv1.3 TLS_AES_256_GCM_SHA384"), s.get("negotiated"));
        assertEquals(4, ((List<?>) s.get("runs")).size(), "every run's reports are kept");
    }

    private static Migrations.Run run(long totalMs, double mbps, String status) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("status", status);
        r.put("total-time", totalMs);
        r.put("downtime", 10L);
        r.put("ram", Map.of("mbps", mbps, "total", 268435456L, "transferred", 1L));
        r.put("jmultifd", Map.of("checksum-match", status.equals("completed"), "cpu-time", 100L,
                "tls", Map.of("protocol", "TLSv1.3", "cipher-suite", "TLS_AES_256_GCM_SHA384")));
        return new Migrations.Run(r, r);
    }
}
