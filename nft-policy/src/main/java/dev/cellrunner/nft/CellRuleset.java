package dev.cellrunner.nft;

import java.util.ArrayList;
import java.util.List;

/**
 * The policy inside the cell's own network namespace: output policy drop; loopback, replies and
 * IPv6 neighbour discovery (without it the uplink's gateway is unreachable over IPv6) accepted;
 * declared destinations accepted through the allow sets; the kernel's own multicast listener reports
 * dropped; everything else rejected so that clients fail at once. Every rule and every set element
 * counts what it matched; the packets of the reject rules are the ones reported as dropped. DNS is
 * handled as {@link DnsPolicy} says: redirected to the cell's responder, or rejected. In audit mode
 * ({@link DnsPolicy#FORWARDED}) what leads to the host ({@link HostEgress#ranges}) is rejected and
 * logged like an undeclared destination, and everything else is accepted on a counted rule of its own
 * ({@value #AUDIT_ACCEPT}) after the allow sets, whose per-rule counters still say what the declared
 * rules would have matched.
 */
public final class CellRuleset {
    public static final String CHAIN = "egress";
    /** The nat chain that sends every DNS query to the cell's responder. */
    public static final String REDIRECT_CHAIN = "dns_redirect";
    static final String DNS_ELSEWHERE = "dns-elsewhere";
    /** The audit mode's rule for what no allow set matched and does not lead to the host. */
    public static final String AUDIT_ACCEPT = "audit-accept";
    static final List<String> NEIGHBOUR_DISCOVERY =
            List.of("nd-router-solicit", "nd-neighbor-solicit", "nd-neighbor-advert");
    static final List<String> LISTENER_REPORTS = List.of("mld-listener-report", "mld2-listener-report");

    private CellRuleset() {
    }

    public static NftTable compile(String tableName, AllowSets sets, DnsPolicy dns) {
        return compile(tableName, sets, dns, List.of());
    }

    /** @param neverAllowed for audit mode: the ranges that lead to the host, rejected and logged (see {@link HostEgress}) */
    public static NftTable compile(String tableName, AllowSets sets, DnsPolicy dns, List<HostEgress.Finding> neverAllowed) {
        List<NftRule> rules = new ArrayList<>();
        rules.add(NftRule.of("loopback", Expr.meta("oifname", "==", "lo"), Expr.counter(), Expr.accept()));
        rules.add(established());
        rules.add(neighbourDiscovery());
        if (dns.redirected()) {
            // redirected queries: the filter still sees the uplink as their output interface
            rules.add(NftRule.of("dns-responder-ip4", Expr.destination("ip", "==", DnsPolicy.RESPONDER_IPV4),
                    Expr.transportPort(DnsPolicy.PORT), Expr.counter(), Expr.accept()));
            rules.add(NftRule.of("dns-responder-ip6", Expr.destination("ip6", "==", DnsPolicy.RESPONDER_IPV6),
                    Expr.transportPort(DnsPolicy.PORT), Expr.counter(), Expr.accept()));
        }
        if (dns.logsRejects()) {
            rules.add(dnsElsewhere(Expr.logToGroup(DNS_ELSEWHERE, DnsPolicy.LOG_GROUP), Expr.rejectAdminProhibited()));
        }
        rules.addAll(AllowSets.acceptRules(dns));
        rules.add(listenerReports());
        if (dns == DnsPolicy.FORWARDED) {
            rules.addAll(HostFilter.rangeRules(neverAllowed, comment -> List.of(Expr.logToGroup(comment, DnsPolicy.LOG_GROUP),
                    Expr.rejectAdminProhibited())));
            rules.add(NftRule.of(AUDIT_ACCEPT, Expr.counter(), Expr.accept()));
        }
        rules.add(rejectRule("reject-tcp", dns, Expr.meta("l4proto", "==", "tcp"), Expr.rejectTcpReset()));
        rules.add(rejectRule("reject", dns, null, Expr.rejectAdminProhibited()));
        List<NftChain> chains = new ArrayList<>();
        if (dns.redirected()) {
            chains.add(new NftChain(REDIRECT_CHAIN, NftChain.Hook.destinationNat("output"), List.of(
                    redirect("ip", DnsPolicy.RESPONDER_IPV4), redirect("ip6", DnsPolicy.RESPONDER_IPV6))));
        }
        chains.add(new NftChain(CHAIN, NftChain.Hook.filter("output", "drop"), rules));
        return new NftTable(tableName, sets.nftSets(dns), chains);
    }

    /** DNS to anything but the responder (a redirect that did not happen): rejected, never forwarded. */
    static NftRule dnsElsewhere(Expr... verdict) {
        List<Expr> exprs = new ArrayList<>(List.of(Expr.tcpOrUdp(), Expr.transportPort(DnsPolicy.PORT), Expr.counter()));
        exprs.addAll(List.of(verdict));
        return new NftRule(DNS_ELSEWHERE, exprs);
    }

    private static NftRule redirect(String family, String responder) {
        return NftRule.of("dns-redirect-" + ("ip".equals(family) ? "ip4" : "ip6"),
                Expr.destination(family, "!=", responder), Expr.tcpOrUdp(), Expr.transportPort(DnsPolicy.PORT),
                Expr.counter(), Expr.dnat(family, responder));
    }

    /** A reject rule; where rejects are logged, the packet goes to the log group first (prefix: the comment). */
    private static NftRule rejectRule(String comment, DnsPolicy dns, Expr match, Expr reject) {
        List<Expr> exprs = new ArrayList<>();
        if (match != null) {
            exprs.add(match);
        }
        exprs.add(Expr.counter());
        if (dns.logsRejects()) {
            exprs.add(Expr.logToGroup(comment, DnsPolicy.LOG_GROUP));
        }
        exprs.add(reject);
        return new NftRule(comment, exprs);
    }

    static NftRule established() {
        return NftRule.of("established", Expr.ctState(List.of("established", "related")), Expr.counter(),
                Expr.accept());
    }

    /**
     * The kernel itself announces multicast listening (MLD) when the uplink comes up, whatever the
     * workload does: dropped, and counted on a rule of its own, so that it never reads as the cell
     * trying to reach something (droppedPackets counts only the reject rules).
     */
    static NftRule listenerReports() {
        return NftRule.of("multicast-listener-report", Expr.icmpv6Types(LISTENER_REPORTS), Expr.counter(), Expr.drop());
    }

    /** Link-local by construction: ND packets carry hop limit 255 and are never forwarded. */
    static NftRule neighbourDiscovery() {
        return NftRule.of("neighbour-discovery", Expr.icmpv6Types(NEIGHBOUR_DISCOVERY),
                Expr.payloadEquals("ip6", "hoplimit", 255), Expr.counter(), Expr.accept());
    }
}
