package dev.cellrunner.spec;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Builds the records of a document the schema and the rules have accepted, by hand. Jackson's data
 * binding would do the same by reflecting over every record, its constructor and annotations, which costs
 * a one-shot runner tens of milliseconds at start; the shape is fixed by the schema, so plain code is
 * enough. Absent and null optional values become null, as Jackson makes them; DocumentBinderTest holds
 * the two to the same result.
 */
final class DocumentBinder {
    private DocumentBinder() {
    }

    static CellDocument bind(JsonNode document) {
        return new CellDocument(text(document.get("apiVersion")), text(document.get("kind")), spec(document.get("spec")));
    }

    private static CellSpec spec(JsonNode spec) {
        return new CellSpec(text(spec.get("id")), optional(spec.get("correlation"), DocumentBinder::correlation),
                optional(spec.get("authority"), DocumentBinder::authority),
                optional(spec.get("lifetime"), lifetime -> new Lifetime(lifetime.path("ttlSeconds").asLong())),
                optional(spec.get("run"), DocumentBinder::run));
    }

    private static Correlation correlation(JsonNode correlation) {
        return new Correlation(text(correlation.get("platform")), text(correlation.get("externalRunId")),
                optional(correlation.get("labels"), DocumentBinder::strings));
    }

    private static Authority authority(JsonNode authority) {
        return new Authority(optional(authority.get("secretRefs"), DocumentBinder::list),
                optional(authority.get("egressRules"), rules -> list(rules, DocumentBinder::egressRule)),
                optional(authority.get("filesystem"), fs -> new FilesystemAuthority(optional(fs.get("readOnly"),
                        DocumentBinder::list), optional(fs.get("readWrite"), DocumentBinder::list),
                        optional(fs.get("exec"), DocumentBinder::list))),
                optional(authority.get("syscalls"), syscalls -> new SyscallAuthority(optional(syscalls.get("deny"),
                        DocumentBinder::list))),
                optional(authority.get("egressMode"), mode -> EgressMode.valueOf(upper(mode))));
    }

    private static EgressRule egressRule(JsonNode rule) {
        return new EgressRule(text(rule.get("host")), rule.path("port").asInt(),
                optional(rule.get("protocol"), protocol -> Protocol.valueOf(upper(protocol))));
    }

    private static Run run(JsonNode run) {
        return new Run(optional(run.get("argv"), DocumentBinder::list), text(run.get("workingDirectory")),
                optional(run.get("env"), DocumentBinder::strings),
                optional(run.get("secretDelivery"), delivery -> SecretDelivery.valueOf(upper(delivery))),
                number(run.get("timeoutMs")), optional(run.get("limits"), limits -> new Limits(
                        number(limits.get("memoryMaxBytes")), number(limits.get("pidsMax")),
                        number(limits.get("cpuMillicores")), number(limits.get("tempMaxBytes")))),
                text(run.get("user")), text(run.get("group")), optional(run.get("outputs"), DocumentBinder::list));
    }

    /** null for an absent or null value, else {@code read} of it. */
    private static <T> T optional(JsonNode node, Function<JsonNode, T> read) {
        return node == null || node.isNull() ? null : read.apply(node);
    }

    private static String text(JsonNode node) {
        return optional(node, JsonNode::asText);
    }

    private static Long number(JsonNode node) {
        return optional(node, JsonNode::asLong);
    }

    private static String upper(JsonNode node) {
        return node.asText().toUpperCase(java.util.Locale.ROOT);
    }

    private static List<String> list(JsonNode array) {
        return list(array, JsonNode::asText);
    }

    private static <T> List<T> list(JsonNode array, Function<JsonNode, T> read) {
        List<T> items = new ArrayList<>(array.size());
        array.forEach(item -> items.add(read.apply(item)));
        return items;
    }

    private static Map<String, String> strings(JsonNode object) {
        Map<String, String> map = new LinkedHashMap<>();
        object.fields().forEachRemaining(field -> map.put(field.getKey(), optional(field.getValue(), JsonNode::asText)));
        return map;
    }
}
