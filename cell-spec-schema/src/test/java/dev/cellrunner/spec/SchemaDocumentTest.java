package dev.cellrunner.spec;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

import static org.assertj.core.api.Assertions.assertThat;

/** The published schema is the one the reader uses, and it stays closed, bounded and documented. */
class SchemaDocumentTest {
    private static JsonNode schema;

    @BeforeAll
    static void load() throws IOException {
        schema = DocumentParser.MAPPER.readTree(Path.of("..", "schema", "execution-cell.schema.json").toFile());
    }

    @Test
    void classpathCopyIsTheTopLevelFile() throws IOException {
        try (InputStream bundled = CellSpecReader.class.getResourceAsStream(CellSpecReader.SCHEMA_RESOURCE)) {
            assertThat(bundled).isNotNull();
            assertThat(bundled.readAllBytes())
                    .isEqualTo(Files.readAllBytes(Path.of("..", "schema", "execution-cell.schema.json")));
        }
    }

    @Test
    void isDraft202012WithAnAbsoluteId() {
        assertThat(schema.path("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
        assertThat(schema.path("$id").asText()).startsWith("https://").endsWith(".schema.json");
    }

    @Test
    void everyObjectIsClosed() {
        List<String> open = new ArrayList<>();
        eachSubschema((where, node) -> {
            if ("object".equals(node.path("type").asText()) && !node.path("additionalProperties").isBoolean()) {
                open.add(where);
            } else if (node.path("additionalProperties").asBoolean(false)) {
                open.add(where);
            }
        });
        assertThat(open).isEmpty();
    }

    @Test
    void everyPropertyIsDescribed() {
        List<String> undescribed = new ArrayList<>();
        eachSubschema((where, node) -> node.path("properties").fields().forEachRemaining(property -> {
            JsonNode target = property.getValue().has("$ref")
                    ? schema.at(property.getValue().get("$ref").asText().substring(1)) : property.getValue();
            if (!property.getValue().has("description") && !target.has("description")) {
                undescribed.add(where + "/properties/" + property.getKey());
            }
        }));
        assertThat(undescribed).isEmpty();
    }

    @Test
    void everyStringArrayAndMapIsBounded() {
        List<String> unbounded = new ArrayList<>();
        eachSubschema((where, node) -> {
            String types = node.path("type").toString();
            boolean boundedPattern = node.path("pattern").asText().matches("\\^[^*+]*\\$");
            if (types.contains("string") && !node.has("maxLength") && !boundedPattern) {
                unbounded.add(where + " (string)");
            }
            if (types.contains("array") && !node.has("maxItems")) {
                unbounded.add(where + " (array)");
            }
            if (node.has("patternProperties") && !node.has("maxProperties")) {
                unbounded.add(where + " (map)");
            }
        });
        assertThat(unbounded).isEmpty();
    }

    /** Visits every schema object in the document with its JSON pointer. */
    private static void eachSubschema(BiConsumer<String, JsonNode> visit) {
        walk("", schema, visit);
    }

    private static void walk(String where, JsonNode node, BiConsumer<String, JsonNode> visit) {
        if (!node.isObject()) {
            return;
        }
        visit.accept(where, node);
        for (String container : List.of("properties", "patternProperties", "$defs")) {
            for (Map.Entry<String, JsonNode> entry : iterable(node.path(container))) {
                walk(where + "/" + container + "/" + entry.getKey(), entry.getValue(), visit);
            }
        }
        walk(where + "/items", node.path("items"), visit);
        for (int i = 0; i < node.path("prefixItems").size(); i++) {
            walk(where + "/prefixItems/" + i, node.path("prefixItems").get(i), visit);
        }
    }

    private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode node) {
        return node::fields;
    }
}
