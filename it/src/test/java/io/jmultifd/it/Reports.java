package io.jmultifd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** Assertions on the CLI's JSON report (query-migrate shape: MigrationInfo, docs/query-migrate.schema.json). */
final class Reports {
    private Reports() {
    }

    static String status(JsonNode report) {
        return report.path("status").asText("").toLowerCase(Locale.ROOT);
    }

    static void assertCompleted(String side, JsonNode report) {
        assertEquals("completed", status(report), side + " status: " + report);
        assertTrue(report.path("jmultifd").path("checksum-match").asBoolean(false), side + " checksum-match: " + report);
    }

    static void assertNotCompleted(String side, JsonNode report) {
        assertNotEquals("completed", status(report), side + " must not report a completed migration: " + report);
        assertTrue(report.path("error-desc").isTextual() && !report.path("error-desc").asText().isBlank(),
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

    /** The qpl method's tiers, each counted in jmultifd.method-statistics as {@code pages_<tier>}. */
    static final List<String> QPL_TIERS = List.of("hardware", "software", "java");

    /**
     * The report is of the qpl method and its pages went through {@code tier} only: its counter is above 0 and the
     * other tiers' are 0 (all three present, as the qpl method always reports them). A run that fell back to
     * another tier, or never used the one the test is about, fails here even though it completed.
     */
    static void assertQplTier(String side, JsonNode report, String tier) {
        assertEquals("qpl", report.path("compression").path("method").asText(), side + " method: " + report);
        JsonNode statistics = report.path("jmultifd").path("method-statistics");
        for (String t : QPL_TIERS) {
            String counter = "pages_" + t;
            assertTrue(statistics.path(counter).isIntegralNumber(), side + " reports " + counter + ": " + statistics);
            if (t.equals(tier)) {
                assertTrue(statistics.path(counter).asLong() > 0, side + " ran on the " + tier + " tier: " + statistics);
            } else {
                assertEquals(0, statistics.path(counter).asLong(), side + " ran on the " + tier + " tier only, but "
                        + counter + " counts pages: " + statistics);
            }
        }
    }
}
