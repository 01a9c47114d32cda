package dev.cellrunner.runner.records;

import dev.cellrunner.nft.EgressPinning;
import dev.cellrunner.nft.PinnedRule;
import dev.cellrunner.runner.records.WouldBeDenied.Entry;
import dev.cellrunner.runner.records.WouldBeDenied.Kind;
import dev.cellrunner.spec.EgressRule;
import dev.cellrunner.spec.Protocol;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The audit mode's judgement of its records against the declared rules, without a kernel. */
class WouldBeDeniedTest {
    private static final Instant T = Instant.parse("2026-12-03T20:00:00Z");
    private static final Totals NONE = new Totals(0, 0, 0, false, 1000);

    /** Exact names resolved at start: pinned.example.com to 203.0.113.9, the others to an address no flow goes to. */
    private static List<PinnedRule> rules(EgressRule... rules) throws Exception {
        Map<String, List<InetAddress>> resolved = new java.util.HashMap<>();
        for (EgressRule rule : rules) {
            resolved.put(rule.host(), List.of(InetAddress.getByName("203.0.113.200")));
        }
        resolved.put("pinned.example.com", List.of(InetAddress.getByName("203.0.113.9")));
        return EgressPinning.pin(List.of(rules), resolved);
    }

    private static DnsQueryRecord query(String name, String type, String... addresses) {
        return new DnsQueryRecord(name, type, DnsQueryRecord.Verdict.ALLOWED, "forwarded", List.of(), "NOERROR",
                java.util.Arrays.stream(addresses).map(a -> new DnsQueryRecord.Answer(a, 60, 60)).toList(), List.of(),
                List.of(), 1, T, T);
    }

    private static FlowRecord flow(String destination, int port, String protocol, String name) {
        return new FlowRecord(destination, port, protocol, List.of(), name, 1, 3, 180, 2, 120, T, T);
    }

    private static NetworkRecords records(List<DnsQueryRecord> queries, List<FlowRecord> flows) {
        return new NetworkRecords(queries, NONE, flows, NONE, List.of(), NONE, List.of());
    }

    @Test
    void flowsTheRulesCoverByAddressOrByAnAnsweringNameAreNotListed() throws Exception {
        List<PinnedRule> declared = rules(new EgressRule("api.example.com", 443, Protocol.TCP),
                new EgressRule("*.cdn.example.net", 443, Protocol.TCP), new EgressRule("198.51.100.0/24", 53, Protocol.UDP),
                new EgressRule("pinned.example.com", 443, Protocol.TCP));
        NetworkRecords records = records(
                List.of(query("api.example.com", "A", "198.51.100.10"), query("a.b.cdn.example.net", "AAAA", "2001:db8::10")),
                List.of(flow("198.51.100.10", 443, "tcp", null), flow("2001:db8::10", 443, "tcp", "a.b.cdn.example.net"),
                        flow("198.51.100.53", 53, "udp", null), flow("203.0.113.9", 443, "tcp", "pinned.example.com")));

        assertThat(WouldBeDenied.of(declared, records)).isEmpty();
    }

    @Test
    void undeclaredNamesAddressesAndPortsAreListedWithWhy() throws Exception {
        List<PinnedRule> declared = rules(new EgressRule("api.example.com", 443, Protocol.TCP));
        NetworkRecords records = records(
                List.of(query("api.example.com", "A", "198.51.100.10"), query("other.example.org", "A", "198.51.100.11")),
                List.of(flow("198.51.100.10", 8443, "tcp", null), flow("198.51.100.11", 443, "tcp", null),
                        flow("203.0.113.7", 123, "udp", null), flow("198.51.100.10", 443, "udp", null)));

        assertThat(WouldBeDenied.of(declared, records)).containsExactly(
                new Entry(Kind.DNS_QUERY, null, null, null, "other.example.org", "A", "no egress rule names it: NXDOMAIN"),
                new Entry(Kind.FLOW, "198.51.100.10", 8443, "tcp", "api.example.com", null,
                        "port 8443/tcp is not declared for api.example.com"),
                new Entry(Kind.FLOW, "198.51.100.11", 443, "tcp", "other.example.org", null,
                        "no egress rule allows other.example.org"),
                new Entry(Kind.FLOW, "203.0.113.7", 123, "udp", null, null, "no egress rule allows 203.0.113.7"),
                new Entry(Kind.FLOW, "198.51.100.10", 443, "udp", "api.example.com", null,
                        "port 443/udp is not declared for api.example.com"));
    }

    @Test
    void theNameAskedCountsNotTheCnameTargetAndAnyOfTwoNamesForOneAddressWillDo() throws Exception {
        DnsQueryRecord alias = new DnsQueryRecord("alias.example.com", "A", DnsQueryRecord.Verdict.ALLOWED, "forwarded",
                List.of(), "NOERROR", List.of(new DnsQueryRecord.Answer("198.51.100.11", 60, 60)),
                List.of("edge.cdn.example.net"), List.of(), 1, T, T);
        NetworkRecords records = records(List.of(alias, query("shared.example.org", "A", "198.51.100.11")),
                List.of(flow("198.51.100.11", 443, "tcp", null)));

        assertThat(WouldBeDenied.of(rules(new EgressRule("edge.cdn.example.net", 443, Protocol.TCP)), records))
                .extracting(Entry::kind, Entry::reason).contains(
                        org.assertj.core.groups.Tuple.tuple(Kind.FLOW,
                                "no egress rule allows alias.example.com, shared.example.org"));
        assertThat(WouldBeDenied.of(rules(new EgressRule("shared.example.org", 443, Protocol.TCP)), records))
                .extracting(Entry::kind).containsExactly(Kind.DNS_QUERY);
    }

    @Test
    void withoutAnyNameRuleEveryQueryWouldHaveBeenRejected() throws Exception {
        NetworkRecords records = records(List.of(query("api.example.com", "A", "198.51.100.10")), List.of());

        assertThat(WouldBeDenied.of(rules(new EgressRule("198.51.100.10", 443, Protocol.TCP)), records))
                .extracting(Entry::reason).containsExactly("no egress rule names a host: DNS would be rejected");
        assertThat(WouldBeDenied.of(List.of(), records)).hasSize(1);
    }
}
