package io.jmultifd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jmultifd.multifd.MigrationInfo;
import io.jmultifd.multifd.MigrationResult;
import io.jmultifd.multifd.Progress;
import io.jmultifd.multifd.Progress.Phase;
import org.junit.jupiter.api.Test;

/** Postcopy's statistics while it runs: on the human progress line (compact) and in --json-progress (every field). */
class PostcopyProgressTest {
    private static final long GIB = 1L << 30;
    /** The destination's: it counts faults, latency and blocktime. */
    private static final MigrationResult.Postcopy DESTINATION =
            new MigrationResult.Postcopy(true, 1234, 1300, 150, 310, 2400, 12, 980, 5000);
    /** The source's: requests served and preempt pages sent, nothing it could not measure. */
    private static final MigrationResult.Postcopy SOURCE =
            new MigrationResult.Postcopy(true, 1234, 0, 0, 0, 0, 0, 980, 5000);

    private static Progress postcopy(Phase phase, MigrationResult.Postcopy pc) {
        return new Progress(phase, 3, 512L << 20, GIB, 32L << 20, 812.4, 0, -1, pc);
    }

    @Test
    void theDestinationShowsRequestsP99BlocktimeAndPreemptPagesAsFarAsTheyFit() {
        Progress p = postcopy(Phase.POSTCOPY_ACTIVE, DESTINATION);
        assertEquals("incoming postcopy-active r3 96% [########] 512M/1.0G 812Mb/s 1:05 eta 0:02 1234 req p99 0.31ms "
                + "blocked 12ms 980 preempt", ProgressLine.render("incoming", p, 65_000, 812.4, 2_000, 4096, 120));
        // 80 columns: the fixed fields take 63, the requests fit, the rest (and the bar) do not
        assertEquals("incoming postcopy-active r3 96% 512M/1.0G 812Mb/s 1:05 eta 0:02 1234 req",
                ProgressLine.render("incoming", p, 65_000, 812.4, 2_000, 4096, 80));
        // never a latency without the requests before it, never wider than the terminal
        for (int columns = 20; columns <= 200; columns++) {
            String line = ProgressLine.render("incoming", p, 65_000, 812.4, 2_000, 4096, columns);
            assertTrue(line.length() <= columns - 1, columns + ": " + line);
            assertTrue(!line.contains("p99") || line.contains("1234 req p99"), line);
            assertTrue(!line.contains("preempt") || line.contains("blocked 12ms 980 preempt"), line);
        }
    }

    @Test
    void theSourceShowsRequestsServedAndPreemptPagesNotALatencyItDidNotMeasure() {
        String line = ProgressLine.render("migrate", postcopy(Phase.POSTCOPY_ACTIVE, SOURCE), 65_000, 812.4, 4_000,
                4096, 100);
        assertEquals("migrate postcopy-active r3 96% [#############] 512M/1.0G 812Mb/s 1:05 eta 0:04 1234 req 980 preempt",
                line);
        MigrationResult.Postcopy noPreempt = new MigrationResult.Postcopy(true, 7, 0, 0, 0, 0, 0, 0, 10);
        String without = ProgressLine.render("migrate", postcopy(Phase.POSTCOPY_PAUSED, noPreempt), 65_000, 812.4, -1,
                4096, 200);
        assertTrue(without.endsWith(" eta -:-- 7 req"), without);
    }

    @Test
    void afterThePostcopyPhaseTheStatisticsSayPostcopyAndTheDirtyRateIsGone() {
        Progress done = new Progress(Phase.COMPLETED, 4, GIB, GIB, 0, 812.4, 2560, 1234, DESTINATION);
        String line = ProgressLine.render("incoming", done, 65_000, 812.4, 0, 4096, 200);
        assertTrue(line.endsWith(" postcopy 1234 req p99 0.31ms blocked 12ms 980 preempt"), line);
        assertFalse(line.contains("dirty") || line.contains("dt~"), line);
        // before a switchover nothing changes: the dirty rate and the expected downtime
        Progress iterate = new Progress(Phase.ITERATE, 2, 700L << 20, GIB, 96L << 20, 812.4, 2560, 1234);
        assertEquals("migrate iterate r2 90% 700M/1.0G 812Mb/s 1:05 eta 0:04 dirty 10.0M/s dt~1234ms",
                ProgressLine.render("migrate", iterate, 65_000, 812.4, 4_000, 4096, 80));
    }

    @Test
    void latenciesAndBlocktimeReadInTheUnitThatFits() {
        assertEquals("0.00ms", ProgressLine.duration(0));
        assertEquals("0.31ms", ProgressLine.duration(310));
        assertEquals("9.99ms", ProgressLine.duration(9_990));
        assertEquals("10ms", ProgressLine.duration(10_000));
        assertEquals("999ms", ProgressLine.duration(999_999));
        assertEquals("1.2s", ProgressLine.duration(1_234_000));
    }

    @Test
    void jsonProgressCarriesEveryPostcopyFieldFromTheSwitchoverOnAndMatchesTheSchema() {
        JsonNode event = JsonReports.event(Reports.json(MigrationInfo.progress(postcopy(Phase.POSTCOPY_ACTIVE,
                DESTINATION), "destination", 5000, 1_700_000_000_123L, 4096)));
        JsonNode pc = event.get("jmultifd").get("postcopy");
        assertEquals("postcopy-active", event.get("status").asText());
        assertEquals(1234, pc.get("page-requests").asLong());
        assertEquals(1300, pc.get("faults").asLong());
        assertEquals(150, pc.get("request-latency-p50").asLong());
        assertEquals(310, pc.get("request-latency-p99").asLong());
        assertEquals(2400, pc.get("request-latency-max").asLong());
        assertEquals(12, pc.get("blocktime").asLong());
        assertEquals(980, pc.get("preempt-pages").asLong());
        assertEquals(5000, pc.get("postcopy-time").asLong());
        JsonNode paused = JsonReports.event(Reports.json(MigrationInfo.progress(postcopy(Phase.POSTCOPY_PAUSED, SOURCE),
                "source", 5000, 1_700_000_000_123L, 4096)));
        assertEquals("postcopy-paused", paused.get("status").asText());
        assertEquals(0, paused.get("jmultifd").get("postcopy").get("faults").asLong());
        // before the switchover (and without postcopy) there is no postcopy object
        JsonNode bulk = JsonReports.event(Reports.json(MigrationInfo.progress(new Progress(Phase.BULK, 0, 1, GIB, GIB,
                0, 0, -1), "source", 1, 1_700_000_000_123L, 4096)));
        assertFalse(bulk.get("jmultifd").has("postcopy"), bulk.toString());
    }
}
