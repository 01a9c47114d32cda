package dev.cellrunner.nft;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The elements of the four allow sets, each element once, with the declared rules that put it there.
 * Two rules may open the same element (the same address and port declared twice, or a name resolving
 * to an address also declared literally): its counter then counts toward both.
 */
public final class AllowSets {
    private final Map<AllowSet, Map<SetElement, List<Integer>>> owners = new EnumMap<>(AllowSet.class);

    private AllowSets() {
        for (AllowSet set : AllowSet.values()) {
            owners.put(set, new LinkedHashMap<>());
        }
    }

    public static AllowSets of(List<PinnedRule> rules) {
        AllowSets sets = new AllowSets();
        for (PinnedRule rule : rules) {
            for (SetElement element : rule.elements()) {
                sets.owners.get(AllowSet.of(element, rule.declared().protocol()))
                        .computeIfAbsent(element, e -> new ArrayList<>()).add(rule.index());
            }
        }
        return sets;
    }

    /** All four sets, empty ones included, so every ruleset has the same shape. */
    public List<NftSet> nftSets() {
        List<NftSet> sets = new ArrayList<>();
        owners.forEach((kind, elements) -> sets.add(new NftSet(kind, List.copyOf(elements.keySet()))));
        return sets;
    }

    /** The indexes of the declared rules that opened {@code element} in {@code set}. */
    public List<Integer> ownersOf(AllowSet set, SetElement element) {
        return owners.get(set).getOrDefault(element, List.of());
    }

    /** One accept rule per set: {@code ip daddr . tcp dport @allow_ip4_tcp counter accept}. */
    static List<NftRule> acceptRules() {
        List<NftRule> rules = new ArrayList<>();
        for (AllowSet set : AllowSet.values()) {
            rules.add(NftRule.of(set.setName().replace('_', '-'), Expr.destinationIn(set), Expr.counter(),
                    Expr.accept()));
        }
        return rules;
    }
}
