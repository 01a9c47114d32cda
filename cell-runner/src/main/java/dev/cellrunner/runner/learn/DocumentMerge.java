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
        return merge(original, rules, FilesystemSuggester.suggest(List.of()));
    }

    /**
     * Also merges filesystem entries. A document without {@code authority.filesystem} gave its cell a
     * read-only host, so it gets {@code readOnly: ["/"]} beside them, or the cell would lose that view.
     */
    public static Merged merge(ObjectNode original, List<EgressRule> rules, FilesystemSuggester.Suggestion files) {
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
        if (!files.isEmpty()) {
            changes.add(mergeFilesystem(authority, files));
        }
        if (EgressMode.AUDIT.wireName().equals(authority.path("egressMode").asText(null))) {
            authority.remove("egressMode");
            changes.add("authority.egressMode \"audit\" removed: the new document is enforced");
        }
        return new Merged(document, List.copyOf(changes));
    }

    private static String mergeFilesystem(ObjectNode authority, FilesystemSuggester.Suggestion files) {
        boolean had = authority.get("filesystem") instanceof ObjectNode;
        ObjectNode filesystem = had ? (ObjectNode) authority.get("filesystem") : authority.putObject("filesystem");
        if (!had) {
            filesystem.putArray("readOnly").add("/");
        }
        int added = add(filesystem, "readWrite", files.readWrite()) + add(filesystem, "exec", files.exec());
        if (filesystem.get("readOnly") instanceof ArrayNode readOnly) {
            for (int i = readOnly.size() - 1; i >= 0; i--) {
                if (files.readWrite().contains(readOnly.get(i).asText())) {
                    readOnly.remove(i); // a path is read-only or read-write, and now it is written
                }
            }
        }
        if (had || !files.readOnly().isEmpty()) {
            added += add(filesystem, "readOnly", files.readOnly());
        }
        return added + " filesystem path(s) added" + (had ? "" : " (with readOnly \"/\": the read-only host view the "
                + "cell had)");
    }

    private static int add(ObjectNode filesystem, String list, List<String> paths) {
        if (paths.isEmpty()) {
            return 0;
        }
        ArrayNode entries = filesystem.get(list) instanceof ArrayNode existing ? existing : filesystem.putArray(list);
        List<String> present = new ArrayList<>();
        entries.forEach(entry -> present.add(entry.asText()));
        int added = 0;
        for (String path : paths) {
            if (!present.contains(path)) {
                entries.add(path);
                added++;
            }
        }
        return added;
    }

    private static String key(String host, int port, String protocol) {
        String plain = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        return plain.toLowerCase(Locale.ROOT) + " " + port + " " + protocol;
    }
}
