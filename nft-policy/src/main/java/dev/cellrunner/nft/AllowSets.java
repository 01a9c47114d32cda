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
        owners.forEach((kind, elements) -> sets.add(new NftSet(kind, List.copyOf(elements.keySet()), false)));
        return sets;
    }

    /** The four answer sets of a cell whose DNS is answered by its responder: empty at load. */
    static List<NftSet> answerSets() {
        List<NftSet> sets = new ArrayList<>();
        for (AllowSet kind : AllowSet.values()) {
            sets.add(new NftSet(kind, List.of(), true));
        }
        return sets;
    }

    /** What a cell's ruleset and its host filter hold: the allow sets, and answer sets when DNS is answered. */
    List<NftSet> nftSets(DnsPolicy dns) {
        List<NftSet> sets = nftSets();
        if (dns == DnsPolicy.ANSWERED) {
            sets.addAll(answerSets());
        }
        return sets;
    }

    /** The elements of all allow sets, for reports. */
    public int elementCount() {
        return owners.values().stream().mapToInt(Map::size).sum();
    }

    /** The indexes of the declared rules that opened {@code element} in {@code set}. */
    public List<Integer> ownersOf(AllowSet set, SetElement element) {
        return owners.get(set).getOrDefault(element, List.of());
    }

    /**
     * One accept rule per set: {@code ip daddr . tcp dport @allow_ip4_tcp counter accept}, and with
     * answered DNS one per answer set after them ({@code @dns_ip4_tcp}).
     */
    static List<NftRule> acceptRules(DnsPolicy dns) {
        List<NftRule> rules = new ArrayList<>();
        for (AllowSet set : AllowSet.values()) {
            rules.add(NftRule.of(set.setName().replace('_', '-'),
                    Expr.destinationIn(set.ipProtocol(), set.transport(), set.setName()), Expr.counter(), Expr.accept()));
        }
        if (dns == DnsPolicy.ANSWERED) {
            for (AllowSet set : AllowSet.values()) {
                rules.add(NftRule.of(set.answerSetName().replace('_', '-'),
                        Expr.destinationIn(set.ipProtocol(), set.transport(), set.answerSetName()), Expr.counter(),
                        Expr.accept()));
            }
        }
        return rules;
    }
}
