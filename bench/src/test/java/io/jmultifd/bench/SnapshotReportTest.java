package io.jmultifd.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The snapshot figures against dd, the goal rows, and the docs section that the full run keeps. */
class SnapshotReportTest {

    @Test
    @SuppressWarnings("unchecked")
    void rowsAreSetAgainstDdAndTheGoalTakesTheFastestPausedMappedRamRun() {
        Map<String, Object> snapshot = snapshot();
        SnapshotReport.derive(snapshot);
        List<Map<String, Object>> rows = (List<Map<String, Object>>) snapshot.get("rows");
        assertEquals(6, rows.size());

        // 900 MB on disk in 2 s = 450 MB/s, 0.9 of dd's 500; restored in 1 s = 900 MB/s, 0.9 of dd's 1000.
        Map<String, Object> fast = rows.get(0);
        assertEquals(450.0, fast.get("save_disk_MBps"));
        assertEquals(0.9, fast.get("save_vs_dd_write"));
        assertEquals(500.0, fast.get("save_guest_MBps"));
        assertEquals(900.0, fast.get("restore_disk_MBps"));
        assertEquals(0.9, fast.get("restore_vs_dd_read"));
        assertEquals(1000.0, fast.get("restore_guest_MBps"));
        assertEquals("CRC32C + memory equal", fast.get("check"));
        assertEquals("FAILED", rows.get(1).get("check"), "its restored memory differs");
        assertEquals(4.0, rows.get(2).get("guest_per_disk_byte"), "compressed: 1 GB guest in 250 MB");
        assertEquals("memory equal", rows.get(4).get("check"));
        assertEquals("QEMU 11.1.3", rows.get(5).get("who"));
        assertEquals(200.0, rows.get(5).get("save_disk_MBps"));
        assertEquals("sha256 of RAM", rows.get(5).get("check"));

        List<Map<String, Object>> goals = (List<Map<String, Object>>) snapshot.get("goals");
        // The compressed and the live rows are faster on disk, but the goal is the paused mapped-ram layout's.
        assertEquals(450.0, goals.get(0).get("ours"));
        assertEquals(500.0, goals.get(0).get("reference"));
        assertEquals("yes", goals.get(0).get("met"));
        assertEquals("2 channel(s), direct-io on", goals.get(0).get("row"));
        assertEquals(900.0, goals.get(1).get("ours"));
        assertEquals("yes", goals.get(1).get("met"));

        String table = SnapshotReport.table(snapshot);
        assertTrue(table.contains("| jmultifd | mapped-ram | 2 | on | paused | 2.000 | 450 | 0.900 | 1.000 | 900 | 0.900 | "
                + "500 / 1000 | 1.500 / 0.800 | 1000.0 | 900.0 | CRC32C + memory equal |"), table);
        assertTrue(table.contains("| QEMU 11.1.3 | mapped-ram | 2 | on | paused | 4.500 | 200 | 0.400 | 1.500 | 600 | 0.600 | "
                + "222 / 667 | - / - | 1000.0 | 900.0 | sha256 of RAM |"), table);
        assertTrue(table.contains("| dd write (before) | `dd w` | 1000000000 | 2.000 | 500 |"), table);
        assertTrue(table.contains("| jmultifd | mapped-ram | 4 | on | live, dirtying 16.0 MB/s |"), table);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aSlowerDiskSideMissesTheGoalAndMissingFiguresAreSaid() {
        Map<String, Object> snapshot = snapshot();
        ((Map<String, Object>) snapshot.get("disk")).put("write_MBps", 1000.0);
        ((Map<String, Object>) snapshot.get("disk")).remove("read_MBps");
        SnapshotReport.derive(snapshot);
        List<Map<String, Object>> goals = (List<Map<String, Object>>) snapshot.get("goals");
        assertEquals(0.45, goals.get(0).get("ratio"));
        assertEquals("**no**", goals.get(0).get("met"));
        assertEquals("no dd figure", goals.get(1).get("missing"));
        assertNull(((List<Map<String, Object>>) snapshot.get("rows")).getFirst().get("restore_vs_dd_read"));
    }

    @Test
    void aFullRunKeepsTheSnapshotSectionAndASnapshotRunReplacesOnlyIt(@TempDir Path repo) throws Exception {
        Path page = repo.resolve("docs/benchmarks.md");
        Files.createDirectories(page.getParent());
        Files.writeString(page, "# Benchmarks\n\nold tables\n\n" + SnapshotReport.BEGIN + "\nold snapshot figures\n"
                + SnapshotReport.END + "\n");

        Report.writeDocs(repo, fullRunResults(), "### T\n", List.of());
        String afterFullRun = Files.readString(page);
        assertTrue(!afterFullRun.contains("old tables") && afterFullRun.contains("## T"), afterFullRun);
        assertTrue(afterFullRun.endsWith("\n" + SnapshotReport.BEGIN + "\nold snapshot figures\n" + SnapshotReport.END
                + "\n"), afterFullRun);

        Map<String, Object> results = fullRunResults();
        Map<String, Object> snapshot = snapshot();
        SnapshotReport.derive(snapshot);
        results.put("command", "bench/run-bench.sh --snapshot --size 4G --write-docs");
        results.put("snapshot", snapshot);
        SnapshotReport.writeDocs(repo, results);
        String afterSnapshotRun = Files.readString(page);
        String before = afterFullRun.substring(0, afterFullRun.indexOf(SnapshotReport.BEGIN));
        assertTrue(afterSnapshotRun.startsWith(before + SnapshotReport.BEGIN + "\n## Snapshots to a file"), afterSnapshotRun);
        assertTrue(afterSnapshotRun.contains("- **Command:** `bench/run-bench.sh --snapshot --size 4G --write-docs`"));
        assertTrue(!afterSnapshotRun.contains("old snapshot figures"), afterSnapshotRun);
        assertTrue(afterSnapshotRun.endsWith(SnapshotReport.END + "\n"), afterSnapshotRun);
    }

    @Test
    void aPageWithoutTheMarkersGetsTheSectionAppended(@TempDir Path repo) throws Exception {
        Path page = repo.resolve("docs/benchmarks.md");
        Files.createDirectories(page.getParent());
        Files.writeString(page, "# Benchmarks\nkept");
        Map<String, Object> results = fullRunResults();
        Map<String, Object> snapshot = snapshot();
        SnapshotReport.derive(snapshot);
        results.put("snapshot", snapshot);
        SnapshotReport.writeDocs(repo, results);
        String text = Files.readString(page);
        assertTrue(text.startsWith("# Benchmarks\nkept\n\n" + SnapshotReport.BEGIN + "\n## Snapshots"), text);
        assertTrue(text.endsWith(SnapshotReport.END + "\n"), text);
        assertEquals(text.substring(text.indexOf(SnapshotReport.BEGIN)), SnapshotReport.markedSection(text));
    }

    /**
     * A guest of 10^9 bytes; dd 500 MB/s write, 1000 read. Rows: mapped-ram 2 ch direct-io on (the fastest paused
     * one), mapped-ram 1 ch with memory that differs, compressed (faster on disk, not for the goal), live mapped-ram
     * (faster, not for the goal), the stream, QEMU.
     */
    private static Map<String, Object> snapshot() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("settings", Map.of("guest_bytes", 1_000_000_000L, "directory", "/d", "file_system", "/dev/x (ext4)",
                "methods", List.of("none", "qpl"), "channels", List.of(1, 2), "direct_io", List.of("off", "on"),
                "repetitions", 1, "live_dirty_rate_MBps", 16.0));
        Map<String, Object> disk = new LinkedHashMap<>();
        disk.put("write_before", Map.of("command", "dd w", "bytes", 1_000_000_000L, "seconds", 2.0, "MBps", 500.0));
        disk.put("read_before", Map.of("command", "dd r", "bytes", 1_000_000_000L, "seconds", 1.0, "MBps", 1000.0));
        disk.put("write_MBps", 500.0);
        disk.put("read_MBps", 1000.0);
        s.put("disk", disk);
        s.put("runs", List.of(
                run("mapped-ram", "none", 2, true, 0, 2000, 900_000_000L, 1000, true),
                run("mapped-ram", "none", 1, false, 0, 4000, 900_000_000L, 2000, false),
                run("compressed qpl", "qpl", 2, true, 0, 1000, 250_000_000L, 400, true),
                run("mapped-ram", "none", 4, true, 16.0, 1000, 900_000_000L, 500, true)));
        s.put("stream", Map.of("saves", List.of(Map.of("wall_ms", 3000.0, "allocated_bytes", 900_000_000L,
                "file_bytes", 900_000_000L)), "restores", List.of(Map.of("wall_ms", 1500.0, "memory_equal", true))));
        s.put("qemu", List.of(Map.of("who", "QEMU", "qemu", "11.1.3", "layout", "mapped-ram", "channels", 2,
                "direct_io", true, "save_s", "4.5", "restore_s", "1.5", "file_bytes", "1000000000",
                "allocated_bytes", "900000000", "sha256_match", "true")));
        s.put("page_cache", "dropped");
        return s;
    }

    private static Map<String, Object> run(String layout, String method, int channels, boolean direct, double live,
                                           double saveMs, long onDisk, double restoreMs, boolean equal) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("who", "jmultifd");
        r.put("layout", layout);
        r.put("method", method);
        r.put("channels", channels);
        r.put("direct_io", direct);
        r.put("live_dirty_rate_MBps", live);
        r.put("saves", List.of(Map.of("status", "COMPLETED", "checksum_match", true, "wall_ms", saveMs,
                "allocated_bytes", onDisk, "file_bytes", 1_000_000_000L, "cpu_time_ms", 1500L)));
        r.put("restores", List.of(Map.of("status", "COMPLETED", "checksum_match", true, "wall_ms", restoreMs,
                "memory_equal", equal, "cpu_time_ms", 800L)));
        return r;
    }

    private static Map<String, Object> fullRunResults() {
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("command", "bench/run-bench.sh --write-docs");
        results.put("date", "2026-01-01T00:00:00Z");
        results.put("machine", Map.of("cores", 2, "cpu_model", "Test CPU", "memory", "1 kB", "os", "Linux", "java", "25",
                "load_average_at_start", "0.5", "note", ""));
        results.put("settings", Map.of("repetitions", 3, "jmh", "-f 2", "loopback_none_size", "1G",
                "workload_dirty_rate_MBps", 16.0));
        results.put("image", Map.of("size", 1, "sha256", "abc", "pages", 1, "zero_pages", 0, "bytes_per_kind", Map.of()));
        results.put("synthetic", Map.of("skipped", "--synthetic none"));
        return results;
    }
}
