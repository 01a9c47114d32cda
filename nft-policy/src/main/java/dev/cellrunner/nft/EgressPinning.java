package dev.cellrunner.nft;

import dev.cellrunner.spec.EgressHost;
import dev.cellrunner.spec.EgressHost.DnsName;
import dev.cellrunner.spec.EgressHost.DnsWildcard;
import dev.cellrunner.spec.EgressHost.IpPrefix;
import dev.cellrunner.spec.EgressRule;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Fixes every declared rule to the addresses it opens before the cell starts. Names were resolved by
 * the caller, once (all A and AAAA records); this class only judges the answers, so it stays pure and
 * testable. A wildcard opens nothing at start: only the cell's DNS responder's answers open its names.
 */
public final class EgressPinning {
    private EgressPinning() {
    }

    /**
     * @param resolved for each DNS name of the document, the addresses it resolved to; a name that is
     *                 absent or maps to an empty list did not resolve
     */
    public static List<PinnedRule> pin(List<EgressRule> rules, Map<String, List<InetAddress>> resolved)
            throws EgressRefusal {
        List<IpPrefix> literals = new ArrayList<>();
        List<EgressHost> hosts = new ArrayList<>();
        for (EgressRule rule : rules) {
            EgressHost host = parse(rule);
            hosts.add(host);
            if (host instanceof IpPrefix prefix) {
                literals.add(prefix);
            }
        }
        List<PinnedRule> pinned = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            EgressRule rule = rules.get(i);
            if (hosts.get(i) instanceof IpPrefix prefix) {
                pinned.add(new PinnedRule(i, rule, List.of(prefix), false));
            } else if (hosts.get(i) instanceof DnsWildcard) {
                pinned.add(new PinnedRule(i, rule, List.of(), true)); // opened only by answers during the run
            } else {
                String name = ((DnsName) hosts.get(i)).name();
                pinned.add(new PinnedRule(i, rule, pinName(i, name, resolved.get(name), literals), true));
            }
        }
        return List.copyOf(pinned);
    }

    /** Why a DNS answer must not open {@code address} ("reserved range 127.0.0.0/8"), or empty when it may. */
    public static Optional<String> reservedRange(InetAddress address) {
        return ReservedRanges.containing(address).map(range -> "reserved range " + range);
    }

    private static EgressHost parse(EgressRule rule) throws EgressRefusal {
        try {
            return EgressHost.parse(rule.host());
        } catch (IllegalArgumentException e) {
            throw new EgressRefusal("egress rule host " + e.getMessage());
        }
    }

    private static List<IpPrefix> pinName(int index, String name, List<InetAddress> addresses,
                                          List<IpPrefix> literals) throws EgressRefusal {
        if (addresses == null || addresses.isEmpty()) {
            throw new EgressRefusal("egressRules[" + index + "]: " + name + " does not resolve");
        }
        Set<IpPrefix> pinned = new LinkedHashSet<>();
        for (InetAddress answer : addresses) {
            InetAddress address = Addresses.unmapped(answer);
            Optional<IpPrefix> reserved = ReservedRanges.containing(address);
            boolean declared = literals.stream().anyMatch(literal -> Addresses.covers(literal, address));
            if (reserved.isPresent() && !declared) {
                throw new EgressRefusal("egressRules[" + index + "]: " + name + " resolves to "
                        + Addresses.single(address) + " in reserved range " + reserved.get()
                        + "; declare that address literally to allow it");
            }
            pinned.add(Addresses.single(address));
        }
        return List.copyOf(pinned);
    }
}
