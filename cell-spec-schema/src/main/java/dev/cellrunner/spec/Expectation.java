package dev.cellrunner.spec;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Says in words what a subschema of our schema accepts ("an integer 1..65535", "one of: tcp, udp"),
 * so every problem message states what was expected. Covers the keywords our schema uses.
 */
final class Expectation {
    private final JsonNode root;
    /** Keyed by subschema (equal subschemas read the same), filled once per kind of mistake. */
    private final Map<JsonNode, String> descriptions = new ConcurrentHashMap<>();

    Expectation(JsonNode root) {
        this.root = root;
    }

    /** The subschema at {@code pointer} inside the schema document, following a $ref there. */
    JsonNode at(JsonPointer pointer) {
        return resolve(root.at(pointer));
    }

    JsonNode resolve(JsonNode schema) {
        JsonNode ref = schema.path("$ref");
        return ref.isTextual() && ref.textValue().startsWith("#") ? resolve(root.at(ref.textValue().substring(1))) : schema;
    }

    String describe(JsonNode subschema) {
        return descriptions.computeIfAbsent(subschema, this::describeOnce);
    }

    private String describeOnce(JsonNode subschema) {
        JsonNode schema = resolve(subschema);
        if (schema.has("const")) {
            return Messages.render(schema.get("const"), false);
        }
        if (schema.has("enum")) {
            List<String> values = new ArrayList<>();
            schema.get("enum").forEach(value -> values.add(value.asText()));
            return "one of: " + String.join(", ", values);
        }
        JsonNode type = schema.path("type");
        List<String> kinds = new ArrayList<>();
        if (type.isArray()) {
            type.forEach(t -> kinds.add(describe(schema, t.asText())));
        } else {
            kinds.add(describe(schema, type.asText("value")));
        }
        return String.join(" or ", kinds);
    }

    private String describe(JsonNode schema, String type) {
        switch (type) {
            case "integer":
                return "an integer" + range(schema.path("minimum"), schema.path("maximum"));
            case "string":
                return "a string" + length(schema)
                        + (schema.has("pattern") ? " matching " + schema.get("pattern").asText() : "");
            case "array":
                String items = noun(schema.path("items"));
                return (schema.path("minItems").asInt() > 0 ? "a non-empty array" : "an array")
                        + (schema.has("maxItems") ? " of at most " + schema.get("maxItems").asText() + " " + items
                        : " of " + items);
            case "object":
                List<String> required = new ArrayList<>();
                schema.path("required").forEach(name -> required.add(name.asText()));
                return "an object" + (schema.has("maxProperties")
                        ? " with at most " + schema.get("maxProperties").asText() + " entries" : "")
                        + (required.isEmpty() ? "" : " with " + String.join(", ", required));
            default:
                return "a " + type;
        }
    }

    private String noun(JsonNode items) {
        String type = resolve(items).path("type").asText("");
        return type.isEmpty() ? "items" : type + "s";
    }

    private static String range(JsonNode min, JsonNode max) {
        if (min.isNumber() && max.isNumber()) {
            return " " + min.asText() + ".." + max.asText();
        }
        if (min.isNumber()) {
            return " of at least " + min.asText();
        }
        return max.isNumber() ? " of at most " + max.asText() : "";
    }

    private static String length(JsonNode schema) {
        JsonNode min = schema.path("minLength");
        JsonNode max = schema.path("maxLength");
        if (min.asInt() > 0 && max.isNumber()) {
            return " of " + min.asText() + ".." + max.asText() + " characters";
        }
        if (max.isNumber()) {
            return " of at most " + max.asText() + " characters";
        }
        return min.asInt() > 0 ? " of at least " + min.asText() + " characters" : "";
    }
}
