package dev.cellrunner.runner.records;

import dev.cellrunner.nft.PinnedRule;
import dev.cellrunner.spec.EgressHost;
import dev.cellrunner.spec.EgressHost.IpPrefix;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the declared rules would not have allowed of what a cell did in audit mode, judged from its
 * records alone, as enforce mode would have judged it:
 * <ul>
 *   <li>a DNS query for a name no rule names would have been answered NXDOMAIN (or, with no name
 *   rules at all, rejected);</li>
 *   <li>a flow is allowed by a rule of its port and protocol that covers its address (a literal, a
 *   prefix, or an address a declared name resolved to at start), or that names a name whose answer
 *   held the address (the name asked, as the responder matches it, CNAME targets aside).</li>
 * </ul>
 * Pure: no kernel, no clock. Timing is not judged (an answer given after the connect, or expired
 * before it, counts as explaining it), so the list can only miss denials of that kind, never invent one.
 */
public final class WouldBeDenied {
    private WouldBeDenied() {
    }

    /** A flow or a query the declared rules would have denied, and why. */
    public record Entry(Kind kind, String destination, Integer port, String protocol, String name, String type,
                        String reason) {
    }

    public enum Kind {
        FLOW, DNS_QUERY;

        public String wireName() {
            return this == FLOW ? "flow" : "dnsQuery";
        }
    }

    /** Queries first, then flows, each in the order of the records. */
    public static List<Entry> of(List<PinnedRule> declared, NetworkRecords records) {
        List<EgressHost.DnsPattern> patterns = declared.stream().flatMap(r -> r.pattern().stream()).toList();
        List<Entry> denied = new ArrayList<>();
        for (DnsQueryRecord query : records.dnsQueries()) {
            if (query.verdict() != DnsQueryRecord.Verdict.ALLOWED || patterns.stream().anyMatch(p -> p.matches(query.name()))) {
                continue;
            }
            denied.add(new Entry(Kind.DNS_QUERY, null, null, null, query.name(), query.type(), patterns.isEmpty()
                    ? "no egress rule names a host: DNS would be rejected" : "no egress rule names it: NXDOMAIN"));
        }
        for (FlowRecord flow : records.flows()) {
            Set<String> names = namesOf(flow, records.dnsQueries());
            if (allows(declared, flow, names)) {
                continue;
            }
            denied.add(new Entry(Kind.FLOW, flow.destination(), flow.port(), flow.protocol(),
                    names.isEmpty() ? null : names.iterator().next(), null, reason(declared, flow, names)));
        }
        return List.copyOf(denied);
    }

    /**
     * The names whose answers explain the flow's address: the flow's own name (a pinned exact name, or
     * the name an answer opened it for), then every query whose answer held the address.
     */
    public static Set<String> namesOf(FlowRecord flow, List<DnsQueryRecord> queries) {
        Set<String> names = new LinkedHashSet<>();
        if (flow.name() != null && !flow.name().startsWith("*.")) {
            names.add(flow.name());
        }
        for (DnsQueryRecord query : queries) {
            if (query.answers().stream().anyMatch(answer -> answer.address().equals(flow.destination()))) {
                names.add(query.name());
            }
        }
        return names;
    }

    private static boolean allows(List<PinnedRule> declared, FlowRecord flow, Set<String> names) {
        Optional<IpPrefix> address = address(flow.destination());
        for (PinnedRule rule : declared) {
            if (rule.declared().port() != flow.port() || !rule.declared().protocol().wireName().equals(flow.protocol())) {
                continue;
            }
            if (address.isPresent() && rule.destinations().stream().anyMatch(d -> d.overlaps(address.get()))) {
                return true;
            }
            if (rule.pattern().isPresent() && names.stream().anyMatch(rule.pattern().get()::matches)) {
                return true;
            }
        }
        return false;
    }

    private static String reason(List<PinnedRule> declared, FlowRecord flow, Set<String> names) {
        Optional<IpPrefix> address = address(flow.destination());
        String where = names.isEmpty() ? flow.destination() : String.join(", ", names);
        for (PinnedRule rule : declared) {
            boolean covers = address.isPresent() && rule.destinations().stream().anyMatch(d -> d.overlaps(address.get()))
                    || rule.pattern().isPresent() && names.stream().anyMatch(rule.pattern().get()::matches);
            if (covers) {
                return "port " + flow.port() + "/" + flow.protocol() + " is not declared for " + where;
            }
        }
        return "no egress rule allows " + where;
    }

    private static Optional<IpPrefix> address(String text) {
        try {
            InetAddress address = InetAddress.getByName(literal(text)); // a literal: no lookup
            return Optional.of(new IpPrefix(address, address.getAddress().length * 8));
        } catch (UnknownHostException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Only IP literals reach InetAddress, so nothing here ever asks DNS. */
    private static String literal(String text) {
        if (text == null || !text.matches("[0-9a-fA-F.:]+")) {
            throw new IllegalArgumentException("not an IP literal: " + text);
        }
        return text;
    }
}
