package io.jmultifd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jmultifd.spi.TierStatus;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jmultifd demo} in-process on a small live guest: the table, the JSON array, the tier column. */
class DemoCommandTest {
    /** MigrationResult.toMap()'s keys in their documented order. */
    static final List<String> RESULT_KEYS = List.of("status", "total-time", "setup-time", "downtime", "ram",
            "compression", "jmultifd");

    @Test
    void tableHasOneCompletedRowPerMethodWithEveryColumn() {
        CliRunner r = CliRunner.run("demo", "--size", "4M", "--channels", "2", "--workload-dirty-rate", "8",
                "--methods", "none,qpl");
        assertEquals(Main.EXIT_OK, r.exitCode(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertEquals(List.of("method", "status", "total", "ms", "downtime", "ms", "Mbit/s", "pages/s", "transferred",
                "zero", "pages", "ratio", "checksum", "pages", "per", "tier"),
                List.of(lines.get(0).trim().split(" +")), r.toString());
        assertTrue(lines.get(1).matches("-+"), r.toString());
        assertEquals(4, lines.size(), "header, rule, two rows\n" + r);
        assertTrue(lines.get(2).matches("none +completed .* match +raw=\\d+"), r.toString());
        // qpl shows every tier, so that a fallback from hardware to software or java is visible.
        assertTrue(lines.get(3).matches("qpl +completed .* match +hardware=\\d+ software=\\d+ java=\\d+.*"),
                r.toString());
        assertTrue(r.err().contains("demo none: completed"), r.toString());
        assertTrue(!r.err().contains("\r") && !r.out().contains("\r"), "no progress bar off a terminal\n" + r);
    }

    @Test
    void freeRunsEveryMethodWithHintsOnAndOffSideBySide() {
        CliRunner r = CliRunner.run("demo", "--size", "8M", "--channels", "2", "--workload-dirty-rate", "4",
                "--methods", "none", "--free", "75");
        assertEquals(Main.EXIT_OK, r.exitCode(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertEquals(List.of("method", "hints", "status", "total", "ms", "downtime", "ms", "Mbit/s", "pages/s",
                "transferred", "zero", "pages", "free", "pages", "ratio", "checksum", "pages", "per", "tier"),
                List.of(lines.get(0).trim().split(" +")), r.toString());
        assertEquals(4, lines.size(), "header, rule, two rows\n" + r);
        String[] on = lines.get(2).trim().split(" +");
        String[] off = lines.get(3).trim().split(" +");
        assertEquals(List.of("none", "on", "completed"), List.of(on).subList(0, 3), r.toString());
        assertEquals(List.of("none", "off", "completed"), List.of(off).subList(0, 3), r.toString());
        assertTrue(Long.parseLong(on[10]) > 1000, "most of 2048 pages are free and skipped\n" + r);
        assertEquals("0", off[10], r.toString());
    }

    @Test
    void freeJsonCountsTheSkippedPagesOnlyWithHintsOn() {
        CliRunner r = CliRunner.run("demo", "--size", "8M", "--channels", "2", "--workload-dirty-rate", "4",
                "--methods", "none", "--free", "75", "--json");
        assertEquals(Main.EXIT_OK, r.exitCode(), r.toString());
        JsonNode array = JsonReports.results(r.out());
        assertEquals(2, array.size(), "hints on, then off\n" + r);
        JsonNode on = array.get(0).get("jmultifd");
        JsonNode off = array.get(1).get("jmultifd");
        assertTrue(on.get("free-pages-skipped").asLong() > 1000, "most of 2048 pages are free and skipped\n" + r);
        assertTrue(on.get("free-page-hints").asLong() > 0, r.toString());
        for (String key : List.of("free-pages-skipped", "free-page-hints", "free-page-hints-invalidated")) {
            assertEquals(0, off.get(key).asLong(), key + "\n" + r);
        }
    }

    @Test
    void jsonIsOneArrayWithEveryResultKeyInOrder() throws Exception {
        CliRunner r = CliRunner.run("demo", "--size", "2M", "--channels", "2", "--methods", "zlib,zstd", "--json");
        assertEquals(Main.EXIT_OK, r.exitCode(), r.toString());
        JsonNode array = JsonReports.results(r.out());
        assertTrue(array.isArray(), r.toString());
        assertEquals(2, array.size(), r.toString());
        List<String> methods = new ArrayList<>();
        for (JsonNode result : array) {
            List<String> keys = new ArrayList<>();
            result.fieldNames().forEachRemaining(keys::add);
            assertEquals(RESULT_KEYS, keys, r.toString());
            assertEquals("completed", result.get("status").asText(), r.toString());
            assertTrue(result.get("jmultifd").get("checksum-match").asBoolean(), r.toString());
            assertEquals(2, result.get("jmultifd").get("channels").asInt(), r.toString());
            assertTrue(result.get("jmultifd").get("method-statistics").isObject(), r.toString());
            methods.add(result.get("compression").get("method").asText());
        }
        assertEquals(List.of("zlib", "zstd"), methods);
    }

    @Test
    void qplRowSaysLoudlyThatItRanOnTheJavaTierAndWhy(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("nowhere").resolve("libqpl.so.1");
        try (ChildJvm child = ChildJvm.start(dir, "demo", Libqpl.unloadable(missing), "demo", "--size", "2M",
                "--channels", "2", "--methods", "qpl,none", "--workload-dirty-rate", "0")) {
            assertEquals(Main.EXIT_OK, child.awaitExit(), child.describe());
            String row = child.stdout().lines().filter(l -> l.startsWith("qpl ")).findFirst().orElseThrow();
            assertTrue(row.matches("qpl +completed .* match +hardware=0 software=0 java=[1-9]\\d*( \\(raw \\d+\\))?"
                    + "  ON THE JAVA TIER: software tier unavailable: libqpl not loaded \\(environment variable "
                    + "JMULTIFD_QPL_LIBRARY " + Pattern.quote(missing.toString()) + ": not found; "
                    + "JMULTIFD_QPL_LIBRARY names the only library tried\\)"), child.describe());
            String none = child.stdout().lines().filter(l -> l.startsWith("none ")).findFirst().orElseThrow();
            assertTrue(none.matches("none +completed .* match +raw=\\d+"), "a method of one tier gets no note: " + none);
        }
    }

    @Test
    void qplRowSaysSoftwareWhenLibqplLoads(@TempDir Path dir) throws Exception {
        // Pinned so that a host with IAA (where auto takes hardware) gives the same answer.
        try (ChildJvm child = ChildJvm.start(dir, "demo", Libqpl.provisioned(), "demo", "--size", "2M",
                "--channels", "2", "--methods", "qpl", "--workload-dirty-rate", "0", "--set", "qpl-path=software")) {
            assertEquals(Main.EXIT_OK, child.awaitExit(), child.describe());
            assertTrue(child.stdout().lines().anyMatch(l -> l.matches(
                    "qpl +completed .* match +hardware=0 software=[1-9]\\d* java=0( \\(raw \\d+\\))?  on the software tier")),
                    child.describe());
        }
    }

    @Test
    void tierNoteNamesTheTierUsedAndForTheLastTierWhy() {
        List<TierStatus> noLibqpl = List.of(new TierStatus("hardware", false, "libqpl not loaded (x: not found)"),
                new TierStatus("software", false, "libqpl not loaded (x: not found)\nmore lines"),
                new TierStatus("java", true, "java.util.zip"));
        List<TierStatus> withLibqpl = List.of(new TierStatus("hardware", false, "QPL_STS_INIT_LIBACCEL_NOT_FOUND"),
                new TierStatus("software", true, "software path of libqpl 1.9.0"),
                new TierStatus("java", true, "java.util.zip"));
        Map<String, String> auto = Map.of("qpl-path", "auto", "multifd-channels", "2");
        Map<String, Long> java = Map.of("pages_hardware", 0L, "pages_software", 0L, "pages_java", 7L, "pages_raw", 2L);
        Map<String, Long> software = Map.of("pages_hardware", 0L, "pages_software", 7L, "pages_java", 0L);
        Map<String, Long> mixed = Map.of("pages_hardware", 5L, "pages_software", 2L, "pages_java", 0L);

        assertEquals("ON THE JAVA TIER: software tier unavailable: libqpl not loaded (x: not found)",
                TierNote.of(java, noLibqpl, auto));
        assertEquals("ON THE JAVA TIER: pinned by qpl-path=java",
                TierNote.of(java, withLibqpl, Map.of("qpl-path", "java")));
        assertEquals("ON THE JAVA TIER: fell back from the software tier during the migration",
                TierNote.of(java, withLibqpl, auto));
        assertEquals("on the software tier", TierNote.of(software, withLibqpl, auto));
        assertEquals("on the hardware+software tiers", TierNote.of(mixed, withLibqpl, auto));
        assertEquals("", TierNote.of(Map.of("pages_java", 0L), withLibqpl, auto), "no page: nothing to say");
        assertEquals("", TierNote.of(Map.of("raw", 3L), List.of(new TierStatus("java", true, "built in")), auto));
    }

    @Test
    void tierColumnShowsEveryTierOfATieredMethodAndOnlyNonZeroCountersOtherwise() {
        Map<String, Long> qpl = new LinkedHashMap<>();
        qpl.put("pages_hardware", 0L);
        qpl.put("pages_software", 900L);
        qpl.put("pages_java", 0L);
        qpl.put("pages_raw", 12L);
        qpl.put("fallbacks", 0L);
        assertEquals("hardware=0 software=900 java=0 (raw 12)", DemoCommand.methodPages(qpl));
        assertEquals("hardware=0 software=0 java=5", DemoCommand.methodPages(Map.of("pages_java", 5L)));
        assertEquals("raw=7", DemoCommand.methodPages(Map.of("pages_raw", 7L, "bytes_in", 3L)));
        assertEquals("-", DemoCommand.methodPages(Map.of()));
    }
}
