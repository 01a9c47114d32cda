package dev.cellrunner.nft;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the counters of a cell's ruleset say after the run: packets accepted per declared rule (the
 * sum of its set elements' counters; an element opened by two rules counts toward both), the
 * counters of the fixed rules by comment, and the packets the final reject rules dropped.
 * A set element counts the first packet of each flow; later packets of the flow match "established".
 */
public record EgressCounters(List<DeclaredRuleCount> declared, Map<String, FixedRuleCount> fixedRules, long droppedPackets) {
    public EgressCounters {
        declared = List.copyOf(declared);
        fixedRules = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fixedRules));
    }

    public record DeclaredRuleCount(PinnedRule rule, Counter accepted) {
    }

    /** A rule of the runner's own (loopback, reject, ...): what it does with a packet and how many it matched. */
    public record FixedRuleCount(String verdict, Counter counter) {
    }

    public static EgressCounters read(NftTable compiled, List<PinnedRule> rules, KernelRuleset kernel) {
        List<DeclaredRuleCount> declared = new ArrayList<>();
        for (PinnedRule rule : rules) {
            Counter sum = Counter.ZERO;
            for (SetElement element : rule.elements()) {
                sum = sum.plus(kernel.elementCounter(compiled.name(), AllowSet.of(element, rule.declared().protocol()),
                        element));
            }
            declared.add(new DeclaredRuleCount(rule, sum));
        }
        Map<String, FixedRuleCount> fixed = new LinkedHashMap<>();
        long dropped = 0;
        for (NftChain chain : compiled.chains()) {
            for (NftRule rule : chain.rules()) {
                Counter counter = kernel.ruleCounter(compiled.name(), chain.name(), rule.comment()).orElse(Counter.ZERO);
                fixed.put(rule.comment(), new FixedRuleCount(rule.verdict(), counter));
                if ("reject".equals(rule.verdict())) {
                    dropped += counter.packets();
                }
            }
        }
        return new EgressCounters(declared, fixed, dropped);
    }
}
