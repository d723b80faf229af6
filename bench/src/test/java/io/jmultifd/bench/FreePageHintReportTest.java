package io.jmultifd.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The free-page hint section: figures, the goals, and its place in docs/benchmarks.md. */
class FreePageHintReportTest {

    private static Map<String, Object> summary(Double total, double downtime, double bytes, double skipped) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("completed_runs", total == null ? 0 : 1);
        s.put("median", total == null ? Map.of() : Map.of("total_time_ms", total, "downtime_ms", downtime,
                "transferred_bytes", bytes, "free_pages_skipped", skipped, "cpu_source_ms", total / 2,
                "cpu_destination_ms", total - 1));
        s.put("total_times_ms", total == null ? List.of() : List.of(total));
        return s;
    }

    private static Map<String, Object> config(Double idleOn, double idleOff, double busyOn, double busyOff, double alone) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("method", "none");
        c.put("channels", 2);
        c.put("idle", Map.of("on", summary(idleOn, 20, 1 << 30, 786432), "off", summary(idleOff, 90, 4.0 * (1 << 30), 0)));
        c.put("busy", Map.of("on", summary(busyOn, 30, 1.5 * (1 << 30), 700000), "off", summary(busyOff, 95, 4.5 * (1 << 30), 0)));
        Map<String, Object> used = summary(alone, 15, 1 << 30, 0);
        used.put("size", 1L << 30);
        c.put("used_alone", used);
        return c;
    }

    private static Map<String, Object> results(Map<String, Object> config) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("command", "bench/run-bench.sh --hints --size 4G --write-docs");
        r.put("date", "2026-01-01T00:00:00Z");
        r.put("machine", Map.of("cores", 2, "cpu_model", "Test CPU", "memory", "1 kB", "os", "Linux", "java", "25",
                "load_average_at_start", "3.5", "note", "shared with other builds"));
        r.put("settings", Map.of("guest_size", 4L << 30, "free_percent", 75, "repetitions", 3,
                "workload_dirty_rate_MBps", 16.0));
        r.put("load_average_at_end", "4.5");
        r.put("free_page_hints", List.of(config));
        return r;
    }

    @Test
    void theSectionHoldsTheFiguresTheGoalsAndTheCommand() {
        String s = FreePageHintReport.section(results(config(150.0, 1000.0, 1100.0, 1000.0, 140.0)));
        assertTrue(s.startsWith("## Free-page hints\n\nMeasured by `bench/run-bench.sh --hints --size 4G --write-docs` on "
                + "2026-01-01T00:00:00Z: 2 cores, Test CPU"), s);
        assertTrue(s.contains("load average at start 3.5, at end 4.5. Note: shared with other builds"), s);
        assertTrue(s.contains("`jmultifd migrate --synthetic 4G:mixed,free=75`"), s);
        assertTrue(s.contains("| idle | on | 150 | 20 | 1024.0 | 786432 | 75 | 149 | 150 |"), s);
        assertTrue(s.contains("| idle | off | 1000 | 90 | 4096.0 | 0 | 500 | 999 | 1000 |"), s);
        assertTrue(s.contains("| used memory alone (1G, nothing free) | off | 140 | 15 | 1024.0 | 0 | 70 | 139 | 140 |"), s);
        assertTrue(s.contains("| idle guest: total time at least 80 % lower with hints | 150 | 1000 | -85.0 % | yes |"), s);
        assertTrue(s.contains("| busy guest: no loss (total time with hints not higher) | 1100 | 1000 | +10.0 % | **no** |"), s);
        assertTrue(s.endsWith("\nWith hints the idle guest took 150 ms, 75 ms of CPU at the source and 149 ms at the "
                + "destination; the used memory alone took 140 ms, 70 ms and 139 ms.\n"), s);
        assertTrue(s.contains("| context, no goal: the used memory alone (in the hints-on column) against the idle guest without hints "
                + "| 140 | 1000 | -86.0 % | - |"), s);
    }

    @Test
    void aGoalMissedOrWithoutFiguresIsNotMet() {
        List<Map<String, Object>> goals = FreePageHintReport.goals(config(250.0, 1000.0, 900.0, 1000.0, 140.0));
        assertEquals(false, goals.get(0).get("met"), "-75 % is not -80 %");
        assertEquals(true, goals.get(1).get("met"));
        assertEquals(null, goals.get(2).get("met"), "the limit has no goal");
        List<Map<String, Object>> failed = FreePageHintReport.goals(config(null, 1000.0, 900.0, 1000.0, 140.0));
        assertEquals(false, failed.get(0).get("met"));
        String s = FreePageHintReport.section(results(config(null, 1000.0, 900.0, 1000.0, 140.0)));
        assertTrue(s.contains("| idle | on | FAILED | | | | | | |"), s);
        assertTrue(s.contains("| FAILED | 1000 |  | **no** |"), s);
    }

    @Test
    void figuresForCompareAreTheMediansLowerBetter() {
        Map<String, Object> f = FreePageHintReport.figures(List.of(config(150.0, 1000.0, 1100.0, 1000.0, 140.0)));
        assertEquals(Map.of("value", 150.0, "better", "lower"), f.get("free_page_hints/none/ch2/idle/on/total_time_ms"));
        assertEquals(Map.of("value", 95.0, "better", "lower"), f.get("free_page_hints/none/ch2/busy/off/downtime_ms"));
        assertEquals(Map.of("value", 75.0, "better", "lower"), f.get("free_page_hints/none/ch2/idle/on/cpu_source_ms"));
        assertTrue(f.keySet().stream().noneMatch(k -> k.endsWith("free_pages_skipped")), f::toString);
    }

    @Test
    void theSectionGoesBetweenItsMarkersAndTheFullRunKeepsIt(@TempDir Path repo) throws Exception {
        Path page = repo.resolve("docs/benchmarks.md");
        Map<String, Object> first = results(config(150.0, 1000.0, 1100.0, 1000.0, 140.0));
        assertEquals(page, FreePageHintReport.writeDocs(repo, first));
        String created = Files.readString(page);
        assertTrue(created.startsWith("# Benchmarks\n\n" + FreePageHintReport.BEGIN + "\n## Free-page hints\n"), created);
        assertTrue(created.endsWith(FreePageHintReport.END + "\n"), created);

        // A page from a full run without the section: it goes before the yardstick notes.
        Files.writeString(page, "# Benchmarks\n\n## Migrations\n\nrows\n\n## How the yardsticks are measured\n\nnotes\n");
        FreePageHintReport.writeDocs(repo, first);
        String inserted = Files.readString(page);
        assertTrue(inserted.startsWith("# Benchmarks\n\n## Migrations\n\nrows\n\n" + FreePageHintReport.BEGIN), inserted);
        assertTrue(inserted.contains(FreePageHintReport.END + "\n\n## How the yardsticks are measured\n\nnotes\n"), inserted);

        // Another --hints run replaces only its section.
        FreePageHintReport.writeDocs(repo, results(config(120.0, 1000.0, 900.0, 1000.0, 110.0)));
        String replaced = Files.readString(page);
        assertTrue(replaced.contains("| idle | on | 120 |") && !replaced.contains("| idle | on | 150 |"), replaced);
        assertTrue(replaced.startsWith("# Benchmarks\n\n## Migrations\n\nrows\n\n"), replaced);
        assertTrue(replaced.endsWith("## How the yardsticks are measured\n\nnotes\n"), replaced);

        // The full run regenerates the page around it.
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
        assertTrue(regenerated.contains(FreePageHintReport.BEGIN + "\n## Free-page hints\n"), regenerated);
        assertTrue(regenerated.contains("| idle | on | 120 |"), regenerated);
        assertTrue(regenerated.indexOf(FreePageHintReport.END) < regenerated.indexOf("## How the yardsticks are measured"),
                regenerated);
    }
}
