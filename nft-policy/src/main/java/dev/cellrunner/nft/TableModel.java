package dev.cellrunner.nft;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * A table reduced to what must match between intent and kernel: sets with their elements (as a
 * set: the kernel lists interval elements in its own order), chains with hook and policy, and rules
 * in order with their expressions (counters zeroed, handles dropped).
 */
public record TableModel(String family, String name, Map<String, SetModel> sets, Map<String, ChainModel> chains,
                         List<RuleModel> rules) {
    public TableModel {
        sets = new TreeMap<>(sets);
        chains = new TreeMap<>(chains);
        rules = List.copyOf(rules);
    }

    public record SetModel(List<String> type, List<String> flags, boolean counter, Set<SetElement> elements) {
        public SetModel {
            type = List.copyOf(type);
            flags = List.copyOf(flags);
            elements = Set.copyOf(elements);
        }
    }

    /** A base chain's type, hook, priority and policy; all null for a regular chain. */
    public record ChainModel(String type, String hook, Integer priority, String policy) {
    }

    public record RuleModel(String chain, String comment, JsonNode expr) {
    }

    static TableModel of(NftTable table) {
        Map<String, SetModel> sets = new TreeMap<>();
        for (NftSet set : table.sets()) {
            sets.put(set.name(), new SetModel(List.of(set.kind().addressType(), "inet_service"),
                    List.of(set.flag()), true, new HashSet<>(set.elements())));
        }
        Map<String, ChainModel> chains = new TreeMap<>();
        List<RuleModel> rules = new ArrayList<>();
        for (NftChain chain : table.chains()) {
            NftChain.Hook hook = chain.hook();
            chains.put(chain.name(), hook == null ? new ChainModel(null, null, null, null)
                    : new ChainModel(hook.type(), hook.hook(), hook.priority(), hook.policy()));
            for (NftRule rule : chain.rules()) {
                rules.add(new RuleModel(chain.name(), rule.comment(), rule.json()));
            }
        }
        return new TableModel("inet", table.name(), sets, chains, rules);
    }

    /** Human-readable differences from {@code observed}; empty when they match. */
    public List<String> differencesFrom(TableModel observed) {
        List<String> differences = new ArrayList<>();
        if (!Objects.equals(family, observed.family) || !Objects.equals(name, observed.name)) {
            differences.add("table " + family + " " + name + " reported as " + observed.family + " " + observed.name);
        }
        for (String set : union(sets.keySet(), observed.sets.keySet())) {
            SetModel want = sets.get(set);
            SetModel got = observed.sets.get(set);
            if (want == null || got == null) {
                differences.add("set " + set + (want == null ? " is unexpected" : " is missing"));
            } else if (!want.equals(got)) {
                differences.add("set " + set + " differs: " + setDifference(want, got));
            }
        }
        for (String chain : union(chains.keySet(), observed.chains.keySet())) {
            if (!Objects.equals(chains.get(chain), observed.chains.get(chain))) {
                differences.add("chain " + chain + ": expected " + chains.get(chain) + ", kernel has "
                        + observed.chains.get(chain));
            }
        }
        if (rules.size() != observed.rules.size()) {
            differences.add("expected " + rules.size() + " rules, kernel has " + observed.rules.size());
        }
        for (int i = 0; i < Math.min(rules.size(), observed.rules.size()); i++) {
            if (!rules.get(i).equals(observed.rules.get(i))) {
                differences.add("rule " + i + ": expected " + rules.get(i) + ", kernel has " + observed.rules.get(i));
            }
        }
        return differences;
    }

    private static String setDifference(SetModel want, SetModel got) {
        if (!want.elements().equals(got.elements())) {
            Set<SetElement> missing = new HashSet<>(want.elements());
            missing.removeAll(got.elements());
            Set<SetElement> extra = new HashSet<>(got.elements());
            extra.removeAll(want.elements());
            return missing.size() + " elements missing, " + extra.size() + " unexpected";
        }
        return "expected " + want.type() + " " + want.flags() + " counter=" + want.counter() + ", kernel has "
                + got.type() + " " + got.flags() + " counter=" + got.counter();
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new java.util.TreeSet<>(a);
        all.addAll(b);
        return all;
    }
}
