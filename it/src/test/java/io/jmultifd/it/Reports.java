package io.jmultifd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
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

    /** Both ends' JSON reports of one migration. */
    record Migration(JsonNode sent, JsonNode received) {
    }

    /**
     * Waits for a source and a destination container running the CLI with {@code --json}, checks that both
     * exited 0 and report a completed migration with matching checksums, and returns their reports.
     */
    static Migration assertBothCompleted(JmultifdContainer source, Duration sourceLimit,
                                         JmultifdContainer destination) {
        int sourceExit = source.awaitExit(sourceLimit);
        int destinationExit = destination.awaitExit(Duration.ofSeconds(60));
        JsonNode sent = source.jsonReport();
        JsonNode received = destination.jsonReport();
        assertEquals(0, sourceExit, "source exit code; output:\n" + source.output());
        assertEquals(0, destinationExit, "destination exit code; output:\n" + destination.output());
        assertCompleted("source", sent);
        assertCompleted("destination", received);
        return new Migration(sent, received);
    }

    /** A counter of method_statistics, 0 when absent. */
    static long statistic(JsonNode report, String name) {
        return report.path("method_statistics").path(name).asLong(0);
    }
}
