package dev.cellrunner.runner.egress;

import dev.cellrunner.spec.EgressHost;
import dev.cellrunner.spec.EgressRule;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves the hostnames of egress rules once, before the cell starts, with the runner's resolver
 * (which honours {@code -Djdk.net.hosts.file}). The answers are pinned into the ruleset; the cell
 * itself never needs DNS for them. A name that does not resolve is simply absent: pinning refuses it.
 */
public final class HostResolver {
    private HostResolver() {
    }

    public static Map<String, List<InetAddress>> resolve(List<EgressRule> rules) {
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
                    resolved.put(name.name(), Arrays.asList(InetAddress.getAllByName(name.name())));
                } catch (UnknownHostException e) {
                    // absent: refused with the rule's index by EgressPinning
                }
            }
        }
        return resolved;
    }
}
