package io.jmultifd.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Medians, ratios against the faster QEMU, the goal table of issue 11 and the docs section of the side-by-side. */
class VsQemuReportTest {
    private static final long GUEST = 2L << 30; // 2 GiB: CPU per GiB is half the CPU seconds

    private static Map<String, Object> qemu(String where, String version, String method, int ch, long total, long downtime,
                                            double cpuSrc, double cpuDst) {
        Map<String, Object> r = key("qemu:" + where, method, ch, QemuMigration.MAX_BANDWIDTH);
        r.put("qemu", version);
        r.put("status", "completed");
        r.put("destination_status", "completed");
        r.put("total_time_ms", total);
        r.put("downtime_ms", downtime);
        r.put("transferred_bytes", 1000L);
        r.put("cpu_source_s", cpuSrc);
        r.put("cpu_destination_s", cpuDst);
        return r;
    }

    private static Map<String, Object> jm(String method, int ch, long bw, long total, long downtime, double cpu, long bytes) {
        Map<String, Object> r = key("jmultifd", method, ch, bw);
        r.put("status", "completed");
        r.put("destination_status", "completed");
        r.put("total_time_ms", total);
        r.put("downtime_ms", downtime);
        r.put("transferred_bytes", bytes);
        r.put("checksum_match", true);
        r.put("cpu_migration_window_s", cpu);
        r.put("cpu_both_processes_s", cpu + 2.0); // start-up and the image's load on top: never the goal's figure
        return r;
    }

    private static Map<String, Object> key(String who, String method, int ch, long bw) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("who", who);
        r.put("method", method);
        r.put("channels", ch);
        r.put("max_bandwidth", bw);
        return r;
    }

    private static Map<String, Object> qplBlock(Map<String, Object> run) {
        run.put("block", "qpl");
        return run;
    }

    /** none/1: three rounds; zstd/1: QEMU never completed; the qpl block at 1 channel. */
    private static Map<String, Object> sideBySide() {
        List<Map<String, Object>> runs = new ArrayList<>();
        // QEMU on the host: medians 4000 ms, 200 ms, CPU 4.0 + 2.0 s.
        runs.add(qemu("host", "7.2.22", "none", 1, 4100, 250, 4.5, 2.5));
        runs.add(qemu("host", "7.2.22", "none", 1, 4000, 200, 4.0, 2.0));
        runs.add(qemu("host", "7.2.22", "none", 1, 3900, 150, 3.0, 1.0));
        // QEMU in the chroot: slower, 5000 ms.
        runs.add(qemu("chroot", "11.1.3", "none", 1, 5000, 90, 3.0, 1.0));
        runs.add(qemu("chroot", "11.1.3", "none", 1, 5200, 95, 3.0, 1.0));
        runs.add(qemu("chroot", "11.1.3", "none", 1, 4800, 85, 3.0, 1.0));
        // jmultifd: two good runs (3000 and 3200 ms: median 3100) and one whose checksums differed (not counted).
        runs.add(jm("none", 1, 0, 3000, 100, 7.5, 1000));
        runs.add(jm("none", 1, 0, 3200, 120, 7.5, 1000));
        Map<String, Object> broken = jm("none", 1, 0, 10, 1, 0.1, 1000);
        broken.put("error", "completed but checksum-match is true (source) / false (destination)");
        runs.add(broken);
        // zstd: QEMU failed everywhere, jmultifd ran.
        Map<String, Object> failed = qemu("host", "7.2.22", "zstd", 1, -1, -1, 0, 0);
        failed.put("status", "failed");
        failed.put("error", "source failed: boom");
        runs.add(failed);
        runs.add(jm("zstd", 1, 0, 2000, 50, 5.0, 300));
        // The qpl block: unlimited a tie (goal met: at most zstd's), at 1 Gbit/s a tie too (goal missed: not ahead).
        runs.add(qplBlock(jm("zstd", 1, 0, 1000, 40, 4.0, 300)));
        runs.add(qplBlock(jm("qpl-software", 1, 0, 1000, 40, 4.4, 500)));
        runs.add(qplBlock(jm("zstd", 1, VsQemuBench.ONE_GBIT, 2000, 40, 4.0, 300)));
        runs.add(qplBlock(jm("qpl-software", 1, VsQemuBench.ONE_GBIT, 2000, 40, 4.4, 500)));
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("guest_bytes", GUEST);
        settings.put("repetitions", 3);
        settings.put("methods", List.of("none", "zstd"));
        settings.put("channels", List.of(1));
        settings.put("qemu_chroot", "/var/tmp/chroot");
        Map<String, Object> vs = new LinkedHashMap<>();
        vs.put("settings", settings);
        vs.put("runs", runs);
        VsQemuReport.derive(vs);
        return vs;
    }

    @Test
    @SuppressWarnings("unchecked")
    void jmultifdIsSetAgainstTheFasterQemuOfEachRow() {
        Map<String, Object> vs = sideBySide();
        List<Map<String, Object>> rows = (List<Map<String, Object>>) vs.get("rows");
        Map<String, Object> none = rows.get(0);
        Map<String, Object> host = (Map<String, Object>) none.get("qemu_host");
        assertEquals("QEMU 7.2.22", host.get("who"));
        assertEquals(4000L, host.get("total_time_ms"));
        assertEquals(200L, host.get("downtime_ms"));
        assertEquals(6.0, host.get("cpu_s"), "source + destination of the median run's figures");
        assertEquals(3.0, host.get("cpu_s_per_gib"));
        Map<String, Object> j = (Map<String, Object>) none.get("jmultifd");
        assertEquals(3100L, j.get("total_time_ms"));
        assertEquals(110L, j.get("downtime_ms"));
        assertEquals("2/3", j.get("completed"), "the run whose checksums differed does not count");
        assertEquals(7.5, j.get("cpu_s"), "over the migration, as QEMU's");
        assertEquals(9.5, j.get("cpu_s_whole_processes"));
        assertTrue(!host.containsKey("cpu_s_whole_processes"), "QEMU's whole processes are not measured");
        assertEquals(0.78, none.get("ratio_total"), "3100 / 4000");

        Map<String, Object> goal = ((List<Map<String, Object>>) vs.get("goals")).get(0);
        assertEquals("QEMU 7.2.22", goal.get("faster_qemu"));
        assertEquals(true, goal.get("total_met"));
        assertEquals(List.of(110L, 200L), goal.get("downtime_ms"));
        assertEquals(true, goal.get("downtime_met"));
        assertEquals(List.of(3.75, 3.0), goal.get("cpu_per_gib"));
        assertEquals(1.25, goal.get("cpu_ratio"));
        assertEquals(false, goal.get("cpu_met"), "1.25 times QEMU's CPU is over the 1.2 allowed");

        Map<String, Object> zstd = ((List<Map<String, Object>>) vs.get("goals")).get(1);
        assertEquals("no QEMU run completed", zstd.get("missing"));
        Map<String, Object> zstdHost = (Map<String, Object>) rows.get(1).get("qemu_host");
        assertEquals("no completed run", zstdHost.get("missing"));
        assertEquals("0/1", zstdHost.get("completed"));
        assertEquals("0/0", ((Map<String, Object>) rows.get(1).get("qemu_chroot")).get("completed"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void qplMustMatchZstdUnlimitedAndBeatItAtOneGigabit() {
        List<Map<String, Object>> qpl = (List<Map<String, Object>>) sideBySide().get("qpl");
        assertEquals(2, qpl.size());
        assertEquals(1.0, qpl.get(0).get("total_ratio"));
        assertEquals(true, qpl.get(0).get("met"));
        assertEquals(1.0, qpl.get(1).get("total_ratio"));
        assertEquals(false, qpl.get(1).get("met"));
    }

    @Test
    void theTablesSayWhatWasMetAndWhatIsMissing() {
        String t = VsQemuReport.table(sideBySide());
        assertTrue(t.startsWith("| method | channels | total ms QEMU 7.2.22 / QEMU 11.1.3 / jmultifd | jmultifd / faster QEMU |"), t);
        assertTrue(t.contains("| none | 1 | 4000 / 5000 / 3100 | 0.78 | 200 / 90 / 110 | 6.00 / 4.00 / 7.50 | 3.00 / 2.00 / 3.75 "
                + "| 9.50 | 3/3 / 3/3 / 2/3 |"), t);
        assertTrue(t.contains("| zstd | 1 | - / - / 2000 | - | - / - / 50 | - / - / 5.00 | - / - / 2.50 | 7.00 | 0/1 / 0/0 / 1/1 |"), t);
        assertTrue(t.contains("| none | 1 | QEMU 7.2.22 | 0.78 | yes | 110 / 200 | yes | 3.75 / 3.00 | 1.25 | **no** |"), t);
        assertTrue(t.contains("| zstd | 1 | MISSING: no QEMU run completed |"), t);
        assertTrue(t.contains("| 1 | unlimited | 1000 / 1000 | 1.00 | <= 1.0 | yes | 300 / 500 | 4.00 / 4.40 | 1/1 / 1/1 |"), t);
        assertTrue(t.contains("| 1 | 1.0 Gbit/s | 2000 / 2000 | 1.00 | < 1.0 | **no** |"), t);
    }

    private static Map<String, Object> results(Map<String, Object> vs) {
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("date", "2026-11-29T21:00:00Z");
        results.put("command", "bench/run-bench.sh --vs-qemu --size 1G --write-docs");
        results.put("machine", Map.of("cores", 2, "cpu_model", "Test CPU", "memory", "1 kB", "os", "Linux", "java", "25",
                "load_average_at_start", "3.5 2.0 1.0 1/100 1", "note", "shared"));
        results.put("image", Map.of("size", GUEST, "sha256", "abc", "pages", 524288, "zero_pages", 52000));
        results.put("vs_qemu", vs);
        results.put("load_average_at_end", "4.0 3.0 2.0 1/100 2");
        results.put("failures", List.of("QEMU (host) zstd ch=1 rep 1: source failed: boom"));
        return results;
    }

    @Test
    void theSectionNamesTheRunAndGoesBetweenItsMarkersWhichTheFullRunKeeps(@TempDir Path repo) throws Exception {
        Path page = repo.resolve("docs/benchmarks.md");
        Files.createDirectories(page.getParent());
        Files.writeString(page, "# Benchmarks\n\n## Migrations\n\nrows\n\n## How the yardsticks are measured\n\nnotes\n");
        assertEquals(page, VsQemuReport.writeDocs(repo, results(sideBySide())));
        String text = Files.readString(page);
        assertTrue(text.startsWith("# Benchmarks\n\n## Migrations\n\nrows\n\n" + VsQemuReport.BEGIN
                + "\n## jmultifd against QEMU on the same guest"), text);
        assertTrue(text.contains("- **Command:** `bench/run-bench.sh --vs-qemu --size 1G --write-docs`\n"), text);
        assertTrue(text.contains("- **Load average at start:** 3.5 2.0 1.0 1/100 1\n"), text);
        assertTrue(text.contains("- **Note:** shared\n"), text);
        assertTrue(text.contains("- **Load average at end:** 4.0 3.0 2.0 1/100 2\n"), text);
        assertTrue(text.contains("\n- QEMU (host) zstd ch=1 rep 1: source failed: boom\n"), text);
        assertTrue(text.contains(VsQemuReport.END + "\n\n## How the yardsticks are measured\n\nnotes\n"), text);

        // A second run replaces only its section.
        Map<String, Object> again = sideBySide();
        @SuppressWarnings("unchecked")
        Map<String, Object> settings = (Map<String, Object>) again.get("settings");
        settings.put("repetitions", 5);
        VsQemuReport.writeDocs(repo, results(again));
        String replaced = Files.readString(page);
        assertTrue(replaced.contains("medians of 5 repetition(s)") && !replaced.contains("medians of 3 repetition(s)"), replaced);
        assertEquals(replaced.indexOf(VsQemuReport.BEGIN), replaced.lastIndexOf(VsQemuReport.BEGIN), "one section");
        assertTrue(replaced.startsWith("# Benchmarks\n\n## Migrations\n\nrows\n\n"), replaced);

        // The full run regenerates the page and keeps the section.
        Map<String, Object> full = new LinkedHashMap<>();
        full.put("command", "bench/run-bench.sh --write-docs");
        full.put("date", "2026-01-02T00:00:00Z");
        full.put("machine", Map.of("cores", 2, "cpu_model", "Test CPU", "memory", "1 kB", "os", "Linux", "java", "25",
                "load_average_at_start", "0.5", "note", ""));
        full.put("settings", Map.of("repetitions", 3, "jmh", "-f 2", "loopback_none_size", "1G", "workload_dirty_rate_MBps", 16.0));
        full.put("image", Map.of("size", 1, "sha256", "abc", "pages", 1, "zero_pages", 0, "bytes_per_kind", Map.of()));
        Report.writeDocs(repo, full, "### T\n", List.of());
        String regenerated = Files.readString(page);
        assertTrue(regenerated.contains(VsQemuReport.BEGIN + "\n## jmultifd against QEMU"), regenerated);
        assertTrue(regenerated.contains("medians of 5 repetition(s)"), regenerated);
        assertTrue(regenerated.indexOf(VsQemuReport.END) < regenerated.indexOf("## How the yardsticks are measured"), regenerated);
    }

    @Test
    void aChrootQemuSeesTheImageAndItsWorkFolderAtTheBoundPaths() {
        Path repo = Path.of("/repo"), image = Path.of("/data/guest.img"), work = Path.of("/out/qemu-work");
        QemuMigration.Install chroot = QemuMigration.Install.inChroot(repo, Path.of("/var/tmp/c"));
        assertEquals(List.of("/repo/bench/qemu-env.sh", "exec", "/var/tmp/c", "/data/guest.img=/jmultifd-bench/image.img",
                "/out/qemu-work=/jmultifd-bench/work", "--", "qemu-system-x86_64", "-S"), chroot.command(image, work, List.of("-S")));
        assertEquals("/jmultifd-bench/image.img", chroot.seen(image, image, work));
        assertEquals("/jmultifd-bench/work/qmp-src.sock", chroot.seen(work.resolve("qmp-src.sock"), image, work));
        QemuMigration.Install host = QemuMigration.Install.host();
        assertEquals(List.of("qemu-system-x86_64", "-S"), host.command(image, work, List.of("-S")));
        assertEquals("/out/qemu-work/qmp-src.sock", host.seen(work.resolve("qmp-src.sock"), image, work));
    }
}
