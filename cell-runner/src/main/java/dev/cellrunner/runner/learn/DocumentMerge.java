package dev.cellrunner.runner.learn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.spec.EgressMode;
import dev.cellrunner.spec.EgressRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A document with suggested rules merged into {@code spec.authority.egressRules}: the rules it has
 * stay as they are and where they are, a suggested rule it already has (same host, port and protocol)
 * is not added twice, and an {@code egressMode} of {@code audit} is removed, so the new document is
 * enforced. Works on the JSON tree, so every other field is kept as written.
 */
public final class DocumentMerge {
    private DocumentMerge() {
    }

    /** The merged document and what changed, in words. */
    public record Merged(ObjectNode document, List<String> changes) {
    }

    public static Merged merge(ObjectNode original, List<EgressRule> rules) {
        ObjectNode document = original.deepCopy();
        List<String> changes = new ArrayList<>();
        JsonNode specNode = document.path("spec");
        if (!(specNode instanceof ObjectNode spec)) {
            throw new IllegalArgumentException("the document has no spec object");
        }
        ObjectNode authority = spec.get("authority") instanceof ObjectNode existing ? existing : spec.putObject("authority");
        ArrayNode egress = authority.get("egressRules") instanceof ArrayNode existing ? existing
                : authority.putArray("egressRules");
        List<String> present = new ArrayList<>();
        egress.forEach(rule -> present.add(key(rule.path("host").asText(), rule.path("port").asInt(),
                rule.path("protocol").asText("tcp"))));
        int added = 0;
        for (EgressRule rule : rules) {
            String key = key(rule.host(), rule.port(), rule.protocol().wireName());
            if (!present.contains(key)) {
                present.add(key);
                egress.addObject().put("host", rule.host()).put("port", rule.port())
                        .put("protocol", rule.protocol().wireName());
                added++;
            }
        }
        changes.add(added + " egress rule(s) added, " + (rules.size() - added) + " already present");
        if (EgressMode.AUDIT.wireName().equals(authority.path("egressMode").asText(null))) {
            authority.remove("egressMode");
            changes.add("authority.egressMode \"audit\" removed: the new document is enforced");
        }
        return new Merged(document, List.copyOf(changes));
    }

    private static String key(String host, int port, String protocol) {
        String plain = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        return plain.toLowerCase(Locale.ROOT) + " " + port + " " + protocol;
    }
}
