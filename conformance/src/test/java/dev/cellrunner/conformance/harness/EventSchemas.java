package dev.cellrunner.conformance.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The JSON Schemas (draft 2020-12) under schema/events/: one for the CloudEvents envelope and one for
 * the {@code data} of each event type. Schemas refer to each other by {@code $id}; all are loaded from
 * the repository, nothing is fetched.
 */
public final class EventSchemas {
    public static final String ENVELOPE = "cloudevent";

    private final Path dir;
    private final Map<String, String> idByName = new HashMap<>();
    private final SchemaRegistry registry;

    private EventSchemas(Path dir) {
        this.dir = dir;
        Map<String, String> textById = new HashMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".schema.json")).toList()) {
                String text = Files.readString(file);
                String id = Trail.JSON.readTree(text).path("$id").asText();
                if (id.isEmpty()) {
                    throw new IllegalStateException(file + " has no $id");
                }
                textById.put(id, text);
                idByName.put(file.getFileName().toString().replace(".schema.json", ""), id);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the event schemas in " + dir, e);
        }
        this.registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
                builder -> builder.schemas(textById));
    }

    public static EventSchemas load(Path repositoryRoot) {
        return new EventSchemas(repositoryRoot.resolve("schema/events"));
    }

    /** Problems of the whole event against the envelope schema: empty when it conforms. */
    public List<String> envelopeProblems(CellEvent event) {
        return problems(ENVELOPE, event.json(), event);
    }

    /** Problems of the event's {@code data} against the schema of its type: empty when it conforms. */
    public List<String> dataProblems(CellEvent event) {
        return problems(event.eventType().schemaName(), event.data(), event);
    }

    private List<String> problems(String name, JsonNode instance, CellEvent event) {
        String id = idByName.get(name);
        if (id == null) {
            throw new AssertionError("no schema " + dir.resolve(name + ".schema.json"));
        }
        Schema schema = registry.getSchema(SchemaLocation.of(id));
        return schema.validate(instance).stream()
                .map(error -> name + " schema, line " + event.line() + " (" + event.eventType().schemaName() + "): "
                        + error.getInstanceLocation() + " " + error.getMessage())
                .toList();
    }
}
