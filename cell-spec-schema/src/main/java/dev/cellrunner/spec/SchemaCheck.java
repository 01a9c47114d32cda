package dev.cellrunner.spec;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Validates a tree against the ExecutionCell JSON Schema and words each finding for a person. */
final class SchemaCheck {
    private static final SchemaCheck INSTANCE = new SchemaCheck();

    private final JsonNode schemaDocument;
    private final Schema schema;
    private final Expectation expectation;
    /** Hostile documents repeat one mistake hundreds of thousands of times: look each keyword up once. */
    private final Map<NodePath, JsonNode> owners = new ConcurrentHashMap<>();

    private SchemaCheck() {
        try (InputStream in = SchemaCheck.class.getResourceAsStream(CellSpecReader.SCHEMA_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(CellSpecReader.SCHEMA_RESOURCE + " is missing from the classpath");
            }
            schemaDocument = DocumentParser.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("the bundled schema is unreadable", e);
        }
        schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(schemaDocument);
        expectation = new Expectation(schemaDocument);
    }

    static void check(JsonNode document, ProblemList problems) {
        INSTANCE.validate(document, problems);
    }

    private void validate(JsonNode document, ProblemList problems) {
        Set<String> duplicatesListed = new HashSet<>();
        // Findings are worded as they arrive instead of being kept: networknt's own error objects for a
        // hostile document (500k wrong argv items) would take hundreds of megabytes.
        List<Error> sink = new AbstractList<>() {
            private int added;

            @Override
            public boolean add(Error error) {
                added++;
                if ("uniqueItems".equals(error.getKeyword())) {
                    // Reported once per repeated item; list all of an array's repeats the first time only.
                    String at = pointer(error.getInstanceLocation());
                    if (duplicatesListed.add(at)) {
                        duplicates(at, error.getInstanceNode(), problems);
                    }
                } else {
                    explain(error, problems);
                }
                return true;
            }

            @Override
            public Error get(int index) {
                throw new UnsupportedOperationException("findings are not kept");
            }

            /** The validator compares sizes before and after a step to learn whether it failed. */
            @Override
            public int size() {
                return added;
            }
        };
        schema.validate(document, context -> context.setErrors(sink));
    }

    private void explain(Error error, ProblemList out) {
        String at = pointer(error.getInstanceLocation());
        String keyword = error.getKeyword() == null ? "" : error.getKeyword();
        switch (keyword) {
            case "required":
                out.add(JsonPointers.child(at, error.getProperty()), () -> "missing required field (expected "
                        + expectation.describe(keywordOwner(error).path("properties").path(error.getProperty())) + ")");
                break;
            case "additionalProperties":
                out.add(JsonPointers.child(at, error.getProperty()),
                        () -> unknownField(error.getProperty(), keywordOwner(error)));
                break;
            case "type": case "const": case "enum": case "pattern": case "minimum": case "maximum":
            case "minLength": case "maxLength": case "minItems": case "maxItems": case "maxProperties":
                out.add(at, () -> "expected " + expectation.describe(keywordOwner(error)) + ", got "
                        + Messages.render(error.getInstanceNode(), isEnvValue(at)));
                break;
            default:
                out.add(at, () -> Messages.clip(error.getMessage()));
        }
    }

    /** The subschema that holds the failing keyword (the keyword's location minus its last step). */
    private JsonNode keywordOwner(Error error) {
        return owners.computeIfAbsent(error.getSchemaLocation().getFragment(), this::keywordOwner);
    }

    private JsonNode keywordOwner(NodePath keyword) {
        return expectation.at(JsonPointer.compile(pointer(keyword, keyword.getNameCount() - 1)));
    }

    private static String unknownField(String name, JsonNode owner) {
        if (!owner.has("properties")) {
            Iterator<String> patterns = owner.path("patternProperties").fieldNames();
            return "invalid name " + Messages.name(name) + " (expected a name matching "
                    + (patterns.hasNext() ? patterns.next() : "nothing") + ")";
        }
        List<String> known = new ArrayList<>();
        owner.get("properties").fieldNames().forEachRemaining(known::add);
        String guess = Spelling.closest(name, known);
        return "unknown field " + Messages.name(name) + (guess == null ? "" : ", did you mean '" + guess + "'?")
                + " (expected one of: " + String.join(", ", known) + ")";
    }

    /** uniqueItems names the array; name each repeated item instead, and the item it repeats. */
    private static void duplicates(String at, JsonNode array, ProblemList out) {
        Map<JsonNode, Integer> first = new HashMap<>();
        for (int i = 0; i < array.size(); i++) {
            Integer earlier = first.putIfAbsent(array.get(i), i);
            if (earlier != null) {
                out.add(JsonPointers.child(at, i), "duplicate of " + JsonPointers.child(at, earlier));
            }
        }
    }

    /** Environment values may hold credentials someone pasted in: messages give only their length. */
    private static boolean isEnvValue(String pointer) {
        return JsonPointers.isInside(pointer, "/spec/run/env");
    }

    private static String pointer(NodePath path) {
        return pointer(path, path.getNameCount());
    }

    /** RFC 6901 pointer of the first {@code steps} steps of a networknt path. */
    private static String pointer(NodePath path, int steps) {
        String pointer = "";
        for (int i = 0; i < steps; i++) {
            Object element = path.getElement(i);
            pointer = element instanceof Integer index ? JsonPointers.child(pointer, index)
                    : JsonPointers.child(pointer, String.valueOf(element));
        }
        return pointer;
    }
}
