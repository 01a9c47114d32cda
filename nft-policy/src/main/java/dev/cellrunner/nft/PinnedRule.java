package dev.cellrunner.nft;

import dev.cellrunner.spec.EgressHost.IpPrefix;
import dev.cellrunner.spec.EgressRule;

import java.util.List;

/**
 * A declared egress rule with the destinations it opens, fixed before the cell starts: the prefix
 * itself for an IP rule, every A and AAAA address for a hostname rule.
 *
 * @param index        position in {@code authority.egressRules}
 * @param fromHostname whether {@code destinations} came from resolving a name (reported as "resolved")
 */
public record PinnedRule(int index, EgressRule declared, List<IpPrefix> destinations, boolean fromHostname) {
    public PinnedRule {
        destinations = List.copyOf(destinations);
    }

    /** The elements this rule puts into the allow sets. */
    public List<SetElement> elements() {
        return destinations.stream().map(d -> new SetElement(d, declared.port())).toList();
    }
}
