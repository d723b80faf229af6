package io.jmultifd.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/**
 * The events of one side's {@code --json-progress} output (docs/migration-progress.schema.json), as series over
 * time. The result object that ends such an output (it has no {@code timestamp}) is not an event and is skipped.
 */
record ProgressSeries(String side, List<Point> points) {
    /** One event: seconds since the first event, and what the operator looks at. */
    record Point(double seconds, long transferred, long remaining, long round, double dirtyPagesRate, long pageSize) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /** @throws IllegalArgumentException naming the line when it is not JSON or not an event of one side */
    static ProgressSeries parse(List<String> lines) {
        String side = null;
        List<Point> points = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("line " + (i + 1) + ": not JSON (" + e.getOriginalMessage() + ")");
            }
            if (node == null || !node.isObject() || !node.has("timestamp")) {
                continue; // the result object, or anything else that is not an event
            }
            String eventSide = node.path("jmultifd").path("side").asText("");
            if (side != null && !side.equals(eventSide)) {
                throw new IllegalArgumentException("line " + (i + 1) + ": an event of the " + eventSide
                        + " after events of the " + side + "; plot one side's --json-progress output at a time");
            }
            side = eventSide;
            points.add(point(node, i + 1));
        }
        if (points.isEmpty()) {
            throw new IllegalArgumentException("no --json-progress events in it (lines with a \"timestamp\")");
        }
        return new ProgressSeries(side, List.copyOf(points));
    }

    private static Point point(JsonNode event, int line) {
        JsonNode ram = event.path("ram");
        return new Point(number(event, "total-time", line) / 1000.0, (long) number(ram, "transferred", line),
                (long) number(ram, "remaining", line), (long) number(ram, "dirty-sync-count", line),
                number(ram, "dirty-pages-rate", line), (long) number(ram, "page-size", line));
    }

    private static double number(JsonNode parent, String field, int line) {
        JsonNode value = parent.get(field);
        if (value == null || !value.isNumber() || value.asDouble() < 0) {
            throw new IllegalArgumentException("line " + line + ": an event without a number >= 0 in '" + field
                    + "' (not --json-progress output of this version?)");
        }
        return value.asDouble();
    }
}
