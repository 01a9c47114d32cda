package dev.cellrunner.nft;

import dev.cellrunner.spec.EgressHost;
import dev.cellrunner.spec.EgressHost.IpPrefix;
import dev.cellrunner.spec.EgressRule;

import java.util.List;
import java.util.Optional;

/**
 * A declared egress rule with the destinations it opens, fixed before the cell starts: the prefix
 * itself for an IP rule, every A and AAAA address for a hostname rule.
 *
 * @param index        position in {@code authority.egressRules}
 * @param fromHostname whether the rule names a host (an exact name or a wildcard): {@code destinations}
 *                     came from resolving it (reported as "resolved"), and DNS answers may open more
 */
public record PinnedRule(int index, EgressRule declared, List<IpPrefix> destinations, boolean fromHostname) {
    public PinnedRule {
        destinations = List.copyOf(destinations);
    }

    /** The declared name or wildcard, for a rule that names a host. */
    public Optional<EgressHost.DnsPattern> pattern() {
        return fromHostname && EgressHost.parse(declared.host()) instanceof EgressHost.DnsPattern pattern
                ? Optional.of(pattern) : Optional.empty();
    }

    /** The elements this rule puts into the allow sets. */
    public List<SetElement> elements() {
        return destinations.stream().map(d -> new SetElement(d, declared.port())).toList();
    }
}
