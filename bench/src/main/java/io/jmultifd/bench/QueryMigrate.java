package io.jmultifd.bench;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The figures of a {@code query-migrate} answer the side-by-side benchmark uses, as QEMU's QMP returns them and as
 * {@code jmultifd migrate --json} prints them (the same shape): status, times in ms, bytes sent. A figure the
 * answer lacks is -1 (QEMU reports downtime and total-time only once the migration completed). An answer without
 * a status (QEMU's before any migration, or a destination no source reached) has status "none", as QEMU names it.
 */
record QueryMigrate(String status, long totalTimeMs, long downtimeMs, long setupTimeMs, long transferredBytes, String errorDesc) {

    static QueryMigrate parse(JsonNode answer) {
        if (!answer.isObject()) throw new IllegalArgumentException("a query-migrate answer that is no JSON object: " + answer);
        return new QueryMigrate(answer.path("status").asText("none"), number(answer.path("total-time")),
                number(answer.path("downtime")), number(answer.path("setup-time")),
                number(answer.path("ram").path("transferred")),
                answer.path("error-desc").isTextual() ? answer.path("error-desc").asText() : null);
    }

    private static long number(JsonNode n) {
        return n.isIntegralNumber() ? n.asLong() : -1;
    }

    boolean completed() {
        return "completed".equals(status);
    }

    /** A state after which nothing changes any more. */
    boolean ended() {
        return completed() || "failed".equals(status) || "cancelled".equals(status);
    }
}
