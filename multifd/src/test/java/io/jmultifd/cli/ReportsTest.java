package io.jmultifd.cli;

import io.jmultifd.multifd.MigrationParameters;
import io.jmultifd.multifd.MigrationResult;
import io.jmultifd.multifd.MigrationStatus;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The summary line says how long the verification took and when the downtime was over its limit. */
class ReportsTest {
    private static MigrationResult completed(long downtimeMs, boolean exceeded) {
        return new MigrationResult(MigrationStatus.COMPLETED, null,
                new MigrationResult.Times(2000, 50, downtimeMs, 900, 120, exceeded),
                new MigrationResult.Ram(1 << 20, 1 << 20, 4096, 256, 0, 100, 1000, 2, 0),
                new MigrationResult.Multifd("none", 2, 1 << 20, Map.of()), MigrationResult.FreePages.NONE, true);
    }

    @Test
    void aDowntimeOverTheLimitIsSaidWithTheLimit() {
        MigrationParameters p = MigrationParameters.defaults().with("downtime-limit", "300");
        String line = Reports.summary("migration", completed(1540, true), p);
        assertTrue(line.startsWith("migration completed in 2000 ms (downtime 1540 ms > downtime-limit 300 ms: "
                + "downtime_exceeded, verify 120 ms, setup 50 ms, 2 rounds)"), line);
        String within = Reports.summary("migration", completed(12, false), p);
        assertTrue(within.startsWith("migration completed in 2000 ms (downtime 12 ms, verify 120 ms, setup 50 ms"), within);
        assertFalse(within.contains("downtime_exceeded"), within);
        JsonReports.result(completed(1540, true).toMap());
        assertEquals(Boolean.TRUE, ((Map<?, ?>) completed(1540, true).toMap().get("jmultifd")).get("downtime-exceeded"));
        assertEquals(120L, ((Map<?, ?>) completed(1540, true).toMap().get("jmultifd")).get("verify-time"));
    }
}
