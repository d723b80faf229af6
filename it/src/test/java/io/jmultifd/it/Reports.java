package io.jmultifd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/** Assertions on the CLI's JSON report (MigrationResult.toMap()). */
final class Reports {
    private Reports() {
    }

    static String status(JsonNode report) {
        return report.path("status").asText("").toLowerCase(Locale.ROOT);
    }

    static void assertCompleted(String side, JsonNode report) {
        assertEquals("completed", status(report), side + " status: " + report);
        assertTrue(report.path("checksum_match").asBoolean(false), side + " checksum_match: " + report);
    }

    static void assertNotCompleted(String side, JsonNode report) {
        assertNotEquals("completed", status(report), side + " must not report a completed migration: " + report);
        assertTrue(report.path("error").isTextual() && !report.path("error").asText().isBlank(),
                side + " names the cause: " + report);
    }

    /** A counter of method_statistics, 0 when absent. */
    static long statistic(JsonNode report, String name) {
        return report.path("method_statistics").path(name).asLong(0);
    }
}
