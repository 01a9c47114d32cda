package dev.cellrunner.runner.egress;

import dev.cellrunner.runner.dns.NameLookup;
import dev.cellrunner.runner.dns.Upstream;
import dev.cellrunner.spec.EgressHost;
import dev.cellrunner.spec.EgressRule;

import java.net.InetAddress;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves the hostnames of egress rules once, before the cell starts: with the runner's resolver
 * (which honours {@code -Djdk.net.hosts.file}), or with {@code --dns-upstream} the server given there,
 * the same one the cells' DNS responders ask. The answers are pinned into the ruleset. A name that
 * does not resolve is simply absent: pinning refuses it. Wildcards are not resolved at start.
 */
public final class HostResolver {
    private HostResolver() {
    }

    public static Map<String, List<InetAddress>> resolve(List<EgressRule> rules) {
        return resolve(rules, Map.of());
    }

    /** With {@link NameService#UPSTREAM} in {@code settings}, through that server. */
    public static Map<String, List<InetAddress>> resolve(List<EgressRule> rules, Map<String, String> settings) {
        String upstream = settings.get(NameService.UPSTREAM);
        NameLookup lookup = upstream == null || upstream.isBlank() ? null
                : new NameLookup(Upstream.parse(upstream), NameService.LOOKUP_TIMEOUT);
        Map<String, List<InetAddress>> resolved = new HashMap<>();
        for (EgressRule rule : rules) {
            EgressHost host;
            try {
                host = EgressHost.parse(rule.host());
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (host instanceof EgressHost.DnsName name && !resolved.containsKey(name.name())) {
                try {
                    List<InetAddress> addresses = lookup == null ? Arrays.asList(InetAddress.getAllByName(name.name()))
                            : lookup.addresses(name.name());
                    if (!addresses.isEmpty()) {
                        resolved.put(name.name(), addresses);
                    }
                } catch (IOException e) {
                    // absent (UnknownHostException too): refused with the rule's index by EgressPinning
                }
            }
        }
        return resolved;
    }
}
