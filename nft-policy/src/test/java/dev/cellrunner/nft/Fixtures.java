package dev.cellrunner.nft;

import dev.cellrunner.spec.EgressHost;
import dev.cellrunner.spec.EgressHost.IpPrefix;
import dev.cellrunner.spec.EgressRule;
import dev.cellrunner.spec.Protocol;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;

/** Rules and resolutions shared by the tests. */
final class Fixtures {
    static final List<EgressRule> RULES = List.of(
            new EgressRule("198.51.100.10", 443, Protocol.TCP),
            new EgressRule("2001:db8::/64", 53, Protocol.UDP),
            new EgressRule("registry.example.org", 443, Protocol.TCP),
            new EgressRule("198.51.100.10", 443, Protocol.TCP),
            new EgressRule("203.0.113.0/24", 123, Protocol.UDP));
    static final Map<String, List<InetAddress>> RESOLVED = Map.of(
            "registry.example.org", List.of(address("203.0.113.7"), address("2001:db8::7")));

    private Fixtures() {
    }

    static List<PinnedRule> pinned() {
        try {
            return EgressPinning.pin(RULES, RESOLVED);
        } catch (EgressRefusal e) {
            throw new AssertionError(e);
        }
    }

    static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    static IpPrefix prefix(String text) {
        return (IpPrefix) EgressHost.parse(text);
    }
}
