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
import java.util.function.Function;

/**
 * Fixes every declared rule to the addresses it opens before the cell starts. Names were resolved by
 * the caller, once (all A and AAAA records); this class only judges the answers, so it stays pure and
 * testable. A wildcard opens nothing at start: only the cell's DNS responder's answers open its names.
 * A destination that lies entirely in what {@link HostEgress} says leads to the host is refused,
 * declared or resolved (and never given as an answer by the responder, {@link #neverAllowed}), unless
 * the runner allows host egress; a wider prefix that only includes such addresses is admitted, and the
 * host-side filter keeps the cell from them.
 */
public final class EgressPinning {
    /** The runner option that admits destinations on the host. */
    public static final String ALLOW_OPTION = "--allow-host-egress";

    private EgressPinning() {
    }

    /**
     * @param resolved for each DNS name of the document, the addresses it resolved to; a name that is
     *                 absent or maps to an empty list did not resolve
     */
    public static List<PinnedRule> pin(List<EgressRule> rules, Map<String, List<InetAddress>> resolved)
            throws EgressRefusal {
        return pin(rules, resolved, HostAddresses.NONE, false);
    }

    /**
     * @param host             the host's own addresses and the uplink pools, read when the cell is planned
     * @param allowHostEgress  the runner runs with {@value #ALLOW_OPTION}: destinations on the host are admitted
     */
    public static List<PinnedRule> pin(List<EgressRule> rules, Map<String, List<InetAddress>> resolved,
                                       HostAddresses host, boolean allowHostEgress) throws EgressRefusal {
        List<PinnedRule> pinned = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            EgressRule rule = rules.get(i);
            EgressHost parsed = parse(rule);
            if (parsed instanceof IpPrefix prefix) {
                if (!allowHostEgress) {
                    refuseHost(prefix, host, "egressRules[" + i + "]: " + rule.host());
                }
                pinned.add(new PinnedRule(i, rule, List.of(prefix), false));
            } else if (parsed instanceof DnsWildcard) {
                pinned.add(new PinnedRule(i, rule, List.of(), true)); // opened only by answers during the run
            } else {
                String name = ((DnsName) parsed).name();
                pinned.add(new PinnedRule(i, rule, pinName(i, name, resolved.get(name), host, allowHostEgress), true));
            }
        }
        return List.copyOf(pinned);
    }

    /**
     * For a cell's DNS responder: why an answer must not open {@code address}, e.g. "leads to the host:
     * 127.0.0.0/8 (loopback: ...)", or empty when it may; always empty when the runner allows host egress.
     * The same rule as for declared destinations ({@link HostEgress}).
     */
    public static Function<InetAddress, Optional<String>> neverAllowed(HostAddresses host, boolean allowHostEgress) {
        return address -> allowHostEgress ? Optional.empty() : HostEgress.check(Addresses.unmapped(address), host)
                .filter(HostEgress.Finding::whole).map(finding -> "leads to the host: " + finding.describe());
    }

    private static EgressHost parse(EgressRule rule) throws EgressRefusal {
        try {
            return EgressHost.parse(rule.host());
        } catch (IllegalArgumentException e) {
            throw new EgressRefusal("egress rule host " + e.getMessage());
        }
    }

    private static List<IpPrefix> pinName(int index, String name, List<InetAddress> addresses, HostAddresses host,
                                          boolean allowHostEgress) throws EgressRefusal {
        if (addresses == null || addresses.isEmpty()) {
            throw new EgressRefusal("egressRules[" + index + "]: " + name + " does not resolve");
        }
        Set<IpPrefix> pinned = new LinkedHashSet<>();
        for (InetAddress answer : addresses) {
            IpPrefix address = Addresses.single(Addresses.unmapped(answer));
            if (!allowHostEgress) {
                refuseHost(address, host, "egressRules[" + index + "]: " + name + " resolves to " + address + ", which");
            }
            pinned.add(address);
        }
        return List.copyOf(pinned);
    }

    /** Refuses a destination that lies entirely on the host; {@code subject} starts the message. */
    private static void refuseHost(IpPrefix destination, HostAddresses host, String subject) throws EgressRefusal {
        Optional<HostEgress.Finding> finding = HostEgress.check(destination, host).filter(HostEgress.Finding::whole);
        if (finding.isPresent()) {
            throw new EgressRefusal(subject + " leads to the host: " + finding.get().describe()
                    + "; the runner admits such destinations only when it runs with " + ALLOW_OPTION);
        }
    }
}
