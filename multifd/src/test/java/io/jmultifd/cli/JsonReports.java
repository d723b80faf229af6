package io.jmultifd.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Every JSON report a test reads goes through here: it is parsed and validated against the schema in docs/
 * (query-migrate.schema.json for results, migration-progress.schema.json for --json-progress events), so that
 * the documented shape is the one every test sees.
 */
public final class JsonReports {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Schema RESULT = load("query-migrate.schema.json");
    private static final Schema EVENT = load("migration-progress.schema.json");

    private JsonReports() {}

    /** The docs folder of this checkout (tests run in the module's folder). */
    static Path docs() {
        Path here = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("docs/query-migrate.schema.json"))) {
                return p.resolve("docs");
            }
        }
        throw new IllegalStateException("no docs/query-migrate.schema.json above " + here);
    }

    private static Schema load(String name) {
        try (InputStream in = Files.newInputStream(docs().resolve(name))) {
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One result object (--json), validated. */
    public static JsonNode result(String json) {
        return validated(RESULT, parse(json), "result");
    }

    /** A result as a map (MigrationResult.toMap()), validated. */
    public static JsonNode result(Map<String, Object> map) {
        return validated(RESULT, JSON.valueToTree(map), "result");
    }

    /** A JSON array of results (demo --json), each validated. */
    public static JsonNode results(String json) {
        JsonNode array = parse(json);
        assertTrue(array.isArray(), "a JSON array: " + json);
        array.forEach(r -> validated(RESULT, r, "result"));
        return array;
    }

    /** One --json-progress event, validated. */
    public static JsonNode event(String json) {
        return validated(EVENT, parse(json), "progress event");
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + e.getMessage() + "\n" + json, e);
        }
    }

    private static JsonNode validated(Schema schema, JsonNode node, String what) {
        List<Error> errors = schema.validate(node);
        assertTrue(errors.isEmpty(), "the " + what + " does not match its schema in docs/: " + errors + "\n" + node);
        return node;
    }
}
