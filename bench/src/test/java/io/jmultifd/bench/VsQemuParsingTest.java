package io.jmultifd.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** What the side-by-side reads from QEMU (QMP answers recorded from QEMU 7.2.22), from /proc and from jmultifd --json. */
class VsQemuParsingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws IOException {
        return JSON.readTree(text);
    }

    @Test
    void aCompletedQemuMigrationGivesItsTimesAndBytes() throws IOException {
        // QEMU 7.2.22's query-migrate "return" on the source after a 32 MiB zstd migration over 2 channels.
        QueryMigrate m = QueryMigrate.parse(json("""
                {"status": "completed", "setup-time": 5, "downtime": 153, "total-time": 804, "ram": {"total": 33554432,
                "postcopy-requests": 0, "dirty-sync-count": 3, "multifd-bytes": 30275904, "pages-per-second": 10577,
                "downtime-bytes": 7546, "page-size": 4096, "remaining": 0, "postcopy-bytes": 0, "mbps": 303.2217972465582,
                "transferred": 30283450, "dirty-sync-missed-zero-copy": 0, "precopy-bytes": 0, "duplicate": 832,
                "dirty-pages-rate": 0, "skipped": 0, "normal-bytes": 30146560, "normal": 7360}}"""));
        assertEquals(new QueryMigrate("completed", 804, 153, 5, 30283450, null), m);
        assertTrue(m.completed() && m.ended());
    }

    @Test
    void aFailedMigrationKeepsQemusReasonAndHasNoTimes() throws IOException {
        QueryMigrate m = QueryMigrate.parse(json("""
                {"status": "failed", "error-desc": "Failed to connect to '127.0.0.1:1': Connection refused"}"""));
        assertEquals(new QueryMigrate("failed", -1, -1, -1, -1, "Failed to connect to '127.0.0.1:1': Connection refused"), m);
        assertTrue(m.ended() && !m.completed());
        QueryMigrate running = QueryMigrate.parse(json("{\"status\": \"setup\"}"));
        assertTrue(!running.ended());
    }

    @Test
    void aDestinationBeforeAnyMigrationHasStatusNone() throws IOException {
        // QEMU 7.2.22's destination before migrate-incoming, and after it while no source has connected.
        assertEquals("none", QueryMigrate.parse(json("{}")).status());
        QueryMigrate waiting = QueryMigrate.parse(json("""
                {"socket-address": [{"port": "45677", "ipv4": true, "host": "127.0.0.1", "type": "inet"}]}"""));
        assertEquals("none", waiting.status());
        assertTrue(!waiting.ended());
        assertThrows(IllegalArgumentException.class, () -> QueryMigrate.parse(json("[]")));
    }

    @Test
    void theQmpGreetingGivesQemusVersion() throws IOException {
        assertEquals("7.2.22", QmpClient.version(json("""
                {"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7+deb12u18+b3"},
                "capabilities": ["oob"]}}""")));
        IOException e = assertThrows(IOException.class, () -> QmpClient.version(json("{\"return\": {}}")));
        assertTrue(e.getMessage().startsWith("not a QMP greeting"), e.getMessage());
    }

    @Test
    void procStatGivesOwnAndChildrenCpuTimesEvenWhenTheNameHasParenthesesAndSpaces() {
        // Fields 14-17 (utime, stime, cutime, cstime) are 250, 75, 1200 and 300 ticks of 1/100 s.
        ProcStat p = ProcStat.parse("4242 (qemu (x) 86) S 1744 1744 25504 0 -1 4194304 100 0 0 0 250 75 1200 300 20 0 "
                + "1 0 1039720 3133440 380 18446744073709551615 93927670042624 93927670062505 140721562901936 0 0 0 0 0 0 "
                + "0 0 0 17 1 0 0 0 0 0");
        assertEquals(new ProcStat(250, 75, 1200, 300), p);
        assertEquals(3.25, p.seconds());
        assertEquals(15.0, p.childSeconds());
    }

    @Test
    void aLineThatIsNoProcStatIsRefusedWithTheLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProcStat.parse("4242 cat R 1"));
        assertTrue(e.getMessage().contains("4242 cat R 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ProcStat.parse("4242 (cat) R 1 2 3"));
        assertTrue(e.getMessage().contains("fields"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ProcStat.parse("1 (cat) R 1 1 1 0 -1 0 0 0 0 0 x 0 0 0 20"));
        assertTrue(e.getMessage().contains("no numbers"), e.getMessage());
    }

    @Test
    void aJmultifdRunCountsOnlyWhenBothEndsCompletedWithMatchingChecksums() throws IOException {
        String ok = """
                {"status": "completed", "total-time": 5820, "setup-time": 90, "downtime": 135, "ram": {"transferred": 350000000},
                "jmultifd": {"cpu-time": 4100, "process-cpu-time": 4600, "checksum-match": true}}""";
        String dstOk = """
                {"status": "completed", "total-time": 5800, "ram": {"transferred": 350000000},
                "jmultifd": {"cpu-time": 3900, "process-cpu-time": 4150, "checksum-match": true}}""";
        JmultifdMigration.Outcome o = JmultifdMigration.outcome(json(ok), json(dstOk), 15.123456);
        assertNull(o.error());
        assertEquals(new QueryMigrate("completed", 5820, 135, 90, 350000000, null), o.source());
        assertEquals(true, o.checksumMatch());
        assertEquals(15.123, o.cpuSeconds());
        assertEquals(8.75, o.windowCpuSeconds(), "both ends' process-cpu-time: 4600 + 4150 ms");
        assertEquals(4100, o.engineCpuSourceMs());
        assertEquals(3900, o.engineCpuDestinationMs());

        JmultifdMigration.Outcome mismatch = JmultifdMigration.outcome(json(ok), json(dstOk.replace("true", "false")), 1);
        assertEquals(false, mismatch.checksumMatch());
        assertEquals("completed but checksum-match is true (source) / false (destination)", mismatch.error());

        JmultifdMigration.Outcome failed = JmultifdMigration.outcome(json(ok), json("""
                {"status": "failed", "error-desc": "connection reset", "jmultifd": {"cpu-time": 10, "checksum-match": null}}"""), 1);
        assertNull(failed.checksumMatch());
        assertEquals("source completed, destination failed (connection reset)", failed.error());
    }

    @Test
    void jmultifdGetsTheSameParametersOnBothEndsAsTheIssueRanIt() {
        assertEquals(java.util.List.of("multifd-compression=zstd", "multifd-channels=2", "multifd-zero-page=multifd"),
                JmultifdMigration.sets(MethodVariant.of("zstd"), 2));
        assertEquals(java.util.List.of("multifd-compression=qpl", "multifd-channels=1", "qpl-path=software",
                "qpl-huffman=fixed", "multifd-zero-page=multifd"), JmultifdMigration.sets(MethodVariant.of("qpl-software"), 1));
    }
}
