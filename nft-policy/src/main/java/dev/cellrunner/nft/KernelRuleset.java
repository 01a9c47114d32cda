package dev.cellrunner.nft;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What {@code nft -j list ruleset} (or {@code list table}) printed, read back: each table as a
 * {@link TableModel}, the counter of every commented rule and of every set element, and a digest.
 *
 * <p>The digest is SHA-256 over the kernel's JSON with the {@code metainfo} object (nft's own version,
 * not kernel state) removed and every {@code packets}/{@code bytes} value set to 0, written with
 * object keys sorted and no whitespace. Handles stay in: they are kernel state, deterministic for a
 * fresh namespace, and change when a rule is deleted and added again. So the digest changes when
 * anything but traffic changes the ruleset, and identical policies in fresh namespaces digest alike.
 * The elements of answer sets (flag {@code timeout}) are left out: the runner adds them during the run
 * as DNS answers come; {@link #elements} lets the caller check them against what it added.
 */
public final class KernelRuleset {
    private final Map<String, TableModel> tables;
    private final Map<RuleKey, Counter> ruleCounters;
    private final Map<ElementKey, Counter> elementCounters;
    /** The listing as parsed, for the digest: computed on first use (host-side read-backs need none). */
    private final ArrayNode items;
    private String digest;

    private KernelRuleset(Map<String, TableModel> tables, Map<RuleKey, Counter> ruleCounters,
                          Map<ElementKey, Counter> elementCounters, ArrayNode items) {
        this.tables = tables;
        this.ruleCounters = ruleCounters;
        this.elementCounters = elementCounters;
        this.items = items;
    }

    record RuleKey(String table, String chain, String comment) {
    }

    record ElementKey(String table, String set, SetElement element) {
    }

    /** Parses nft's JSON; throws IllegalArgumentException naming what it could not read. */
    public static KernelRuleset parse(String json) {
        JsonNode root;
        try {
            root = Expr.JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("nft printed no valid JSON: " + e.getOriginalMessage());
        }
        JsonNode items = root == null ? null : root.get("nftables");
        if (items == null || !items.isArray()) {
            throw new IllegalArgumentException("nft JSON has no \"nftables\" array");
        }
        Builder builder = new Builder();
        for (JsonNode item : items) {
            builder.add(item);
        }
        return new KernelRuleset(builder.tables(), builder.ruleCounters, builder.elementCounters, (ArrayNode) items);
    }

    /** "family name" of every table the kernel reported, e.g. "inet cellrunner_12_1". */
    public Set<String> tableNames() {
        return tables.keySet();
    }

    public Optional<TableModel> table(String name) {
        return Optional.ofNullable(tables.get("inet " + name));
    }

    public synchronized String digest() {
        if (digest == null) {
            digest = digestOf(items);
        }
        return digest;
    }

    /** The counter of the rule commented {@code comment} in {@code chain}, if the kernel reported one. */
    public Optional<Counter> ruleCounter(String table, String chain, String comment) {
        return Optional.ofNullable(ruleCounters.get(new RuleKey(table, chain, comment)));
    }

    /** The elements the kernel listed for {@code set} of {@code table}; empty when there is no such set. */
    public Set<SetElement> elements(String table, String set) {
        return table(table).map(t -> t.sets().get(set)).map(TableModel.SetModel::elements).orElse(Set.of());
    }

    public Counter elementCounter(String table, AllowSet set, SetElement element) {
        return elementCounters.getOrDefault(new ElementKey(table, set.setName(), element), Counter.ZERO);
    }

    private static final class Builder {
        private final Map<String, String> families = new LinkedHashMap<>();
        private final Map<String, Map<String, TableModel.SetModel>> sets = new HashMap<>();
        private final Map<String, Map<String, TableModel.ChainModel>> chains = new HashMap<>();
        private final Map<String, List<TableModel.RuleModel>> rules = new HashMap<>();
        private final Map<RuleKey, Counter> ruleCounters = new HashMap<>();
        private final Map<ElementKey, Counter> elementCounters = new HashMap<>();

        void add(JsonNode item) {
            if (item.has("table")) {
                JsonNode table = item.get("table");
                String key = key(table);
                families.put(key, text(table, "family"));
                sets.put(key, new TreeMap<>());
                chains.put(key, new TreeMap<>());
                rules.put(key, new ArrayList<>());
            } else if (item.has("set")) {
                addSet(item.get("set"));
            } else if (item.has("chain")) {
                JsonNode chain = item.get("chain");
                tableOf(chains, chain).put(text(chain, "name"), new TableModel.ChainModel(optional(chain, "type"),
                        optional(chain, "hook"), chain.has("prio") ? chain.get("prio").asInt() : null,
                        optional(chain, "policy")));
            } else if (item.has("rule")) {
                addRule(item.get("rule"));
            }
        }

        private void addSet(JsonNode set) {
            String name = text(set, "name");
            Set<SetElement> elements = new HashSet<>();
            for (JsonNode wrapper : set.path("elem")) {
                JsonNode elem = wrapper.path("elem");
                SetElement element = element(name, elem.isMissingNode() ? wrapper : elem.path("val"));
                elements.add(element);
                if (elem.has("counter")) {
                    elementCounters.put(new ElementKey(text(set, "table"), name, element), counter(elem.get("counter")));
                }
            }
            boolean counter = false;
            for (JsonNode stmt : set.path("stmt")) {
                counter |= stmt.has("counter");
            }
            tableOf(sets, set).put(name, new TableModel.SetModel(strings(set.path("type")), strings(set.path("flags")),
                    counter, elements));
        }

        private void addRule(JsonNode rule) {
            ArrayNode expr = ((ArrayNode) rule.path("expr")).deepCopy();
            String comment = optional(rule, "comment");
            for (JsonNode e : expr) {
                if (e.has("counter") && comment != null) {
                    ruleCounters.put(new RuleKey(text(rule, "table"), text(rule, "chain"), comment),
                            counter(e.get("counter")));
                }
            }
            zeroCounters(expr);
            tableOf(rules, rule).add(new TableModel.RuleModel(text(rule, "chain"), comment, expr));
        }

        Map<String, TableModel> tables() {
            Map<String, TableModel> tables = new LinkedHashMap<>();
            families.forEach((key, family) -> tables.put(key, new TableModel(family, key.substring(key.indexOf(' ') + 1),
                    sets.get(key), chains.get(key), rules.get(key))));
            return tables;
        }

        private <T> T tableOf(Map<String, T> byTable, JsonNode object) {
            T value = byTable.get(text(object, "family") + " " + text(object, "table"));
            if (value == null) {
                throw new IllegalArgumentException("nft JSON lists an object before its table: " + object);
            }
            return value;
        }

        private static String key(JsonNode table) {
            return text(table, "family") + " " + text(table, "name");
        }
    }

    private static SetElement element(String set, JsonNode value) {
        JsonNode concat = value.path("concat");
        if (concat.size() != 2 || !concat.get(1).canConvertToInt()) {
            throw new IllegalArgumentException("set " + set + ": element " + value + " is not address . port");
        }
        JsonNode address = concat.get(0);
        String text = address.isTextual() ? address.asText()
                : address.path("prefix").path("addr").asText() + "/" + address.path("prefix").path("len").asText();
        try {
            return SetElement.of(text, concat.get(1).asInt());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("set " + set + ": element " + value + ": " + e.getMessage());
        }
    }

    private static Counter counter(JsonNode counter) {
        return new Counter(counter.path("packets").asLong(), counter.path("bytes").asLong());
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isValueNode()) {
            throw new IllegalArgumentException("nft JSON object without \"" + field + "\": " + node);
        }
        return value.asText();
    }

    private static String optional(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null ? null : value.asText();
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        if (array.isTextual()) {
            values.add(array.asText());
        }
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    /** A set whose elements time out: the answer sets, filled by the runner during the run. */
    private static boolean isAnswerSet(JsonNode set) {
        return strings(set.path("flags")).contains("timeout");
    }

    /** Sets every "packets" and "bytes" number to 0, at any depth. */
    static void zeroCounters(JsonNode node) {
        if (node instanceof ObjectNode object) {
            for (String field : List.of("packets", "bytes")) {
                if (object.has(field) && object.get(field).isNumber()) {
                    object.put(field, 0);
                }
            }
        }
        node.forEach(KernelRuleset::zeroCounters);
    }

    private static String digestOf(ArrayNode items) {
        ArrayNode normalised = Expr.JSON.createArrayNode();
        for (JsonNode item : items) {
            if (!item.has("metainfo")) {
                JsonNode copy = item.deepCopy();
                if (isAnswerSet(copy.path("set"))) {
                    ((ObjectNode) copy.get("set")).remove("elem"); // the runner's own answers, changing by design
                }
                normalised.add(copy);
            }
        }
        zeroCounters(normalised);
        try {
            byte[] bytes = Expr.JSON.writeValueAsString(sorted(normalised)).getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot digest a JSON tree", e);
        }
    }

    /** A copy with object keys in sorted order, so the digest does not depend on nft's key order. */
    private static JsonNode sorted(JsonNode node) {
        if (node instanceof ObjectNode object) {
            ObjectNode copy = Expr.JSON.createObjectNode();
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            names.stream().sorted().forEach(name -> copy.set(name, sorted(object.get(name))));
            return copy;
        }
        if (node instanceof ArrayNode array) {
            ArrayNode copy = Expr.JSON.createArrayNode();
            array.forEach(child -> copy.add(sorted(child)));
            return copy;
        }
        return node;
    }
}
