package io.jmultifd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jmultifd.multifd.Endpoint;
import io.jmultifd.multifd.MigrationDestination;
import io.jmultifd.multifd.MigrationParameters;
import io.jmultifd.multifd.MigrationResult;
import io.jmultifd.multifd.MigrationSource;
import io.jmultifd.multifd.guest.GuestMemory;
import io.jmultifd.multifd.guest.SyntheticContent;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** --json-progress: both sides' events of a real migration, each one line that matches its schema. */
class JsonProgressTest {
    @Test
    void theDestinationReportsWhileTheBulkRoundRuns() throws Exception {
        // 8 MiB at 4 MiB/s: a bulk round of about two seconds, eight of the destination's 250 ms ticks.
        MigrationParameters p = MigrationParameters.from(Map.of("multifd-channels", "2", "max-bandwidth", "4M",
                "multifd-zero-page", "none"));
        StringWriter destinationLines = new StringWriter();
        try (GuestMemory guest = Guests.synthetic(SyntheticContent.Spec.parse("8M:random=100"), p.pageSize(), 7);
             MigrationDestination destination = new MigrationDestination(p)) {
            JsonProgress received = new JsonProgress(new PrintWriter(destinationLines), "destination", p.pageSize());
            CompletableFuture<MigrationResult> in = CompletableFuture.supplyAsync(
                    () -> destination.receive(Endpoint.tcp("127.0.0.1", 0), received));
            int port = destination.awaitListening();
            assertTrue(new MigrationSource(guest, null, p).migrate(Endpoint.tcp("127.0.0.1", port), null).completed());
            assertTrue(in.get().completed());
        }
        List<JsonNode> bulk = destinationLines.toString().lines().map(JsonReports::event)
                .filter(e -> e.get("jmultifd").get("phase").asText().equals("bulk")).toList();
        assertTrue(bulk.size() >= 3, "the destination's bulk round is not silent: " + bulk);
        assertTrue(bulk.getLast().get("ram").get("transferred").asLong() > bulk.getFirst().get("ram").get("transferred").asLong()
                && bulk.getLast().get("ram").get("remaining").asLong() < 8L << 20, bulk.toString());
    }

    @Test
    void bothSidesEmitSchemaValidEventsFromSetupOrBulkToCompleted() throws Exception {
        MigrationParameters p = MigrationParameters.from(Map.of("multifd-channels", "2"));
        StringWriter sourceLines = new StringWriter();
        StringWriter destinationLines = new StringWriter();
        try (GuestMemory guest = Guests.synthetic(SyntheticContent.Spec.parse("8M:mixed"), p.pageSize(), 7);
             MigrationDestination destination = new MigrationDestination(p)) {
            JsonProgress received = new JsonProgress(new PrintWriter(destinationLines), "destination", p.pageSize());
            CompletableFuture<MigrationResult> in = CompletableFuture.supplyAsync(
                    () -> destination.receive(Endpoint.tcp("127.0.0.1", 0), received));
            int port = destination.awaitListening();
            MigrationResult sent = new MigrationSource(guest, null, p).migrate(Endpoint.tcp("127.0.0.1", port),
                    new JsonProgress(new PrintWriter(sourceLines), "source", p.pageSize()));
            assertTrue(sent.completed(), sent.toString());
            assertTrue(in.get().completed());
        }
        for (String side : List.of("source", "destination")) {
            List<String> lines = (side.equals("source") ? sourceLines : destinationLines).toString().lines().toList();
            assertTrue(lines.size() >= 2, side + ": " + lines);
            JsonNode last = null;
            for (String line : lines) {
                last = JsonReports.event(line);
                assertEquals(side, last.get("jmultifd").get("side").asText(), line);
            }
            assertEquals("completed", last.get("status").asText(), side + ": " + lines);
            assertEquals(8L << 20, last.get("ram").get("total").asLong(), side + ": " + lines);
            assertEquals(0, last.get("ram").get("remaining").asLong(), side + ": " + lines);
        }
    }
}
