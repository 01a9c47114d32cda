package dev.cellrunner.nft;

import dev.cellrunner.spec.EgressHost.IpPrefix;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The runner's table on the host side of a cell's veth, out of the workload's reach: forwarded
 * traffic from the cell is admitted only to the declared destinations, nothing unsolicited enters
 * the cell, the cell cannot talk to the host itself beyond neighbour discovery and replies, and what
 * leaves is masqueraded. What {@link HostEgress} says leads to the host (the uplink pools, link-local,
 * loopback, multicast and reserved ranges) is never forwarded, even inside a declared prefix (a rule
 * for each range a declared prefix overlaps; with answers or in audit mode, for every range), and
 * nothing from the cell is delivered to the host's own addresses, unless the runner allows host
 * egress: then declared destinations on the host are admitted too. A source address other than the
 * cell's own is dropped first: a workload that rewrote its address must not get replies delivered
 * into another cell through that cell's established flows. DNS from the cell is dropped here too:
 * inside the cell it is redirected or rejected, so only a cell whose ruleset is gone sends any.
 * Traffic of other interfaces passes untouched (policy accept), so concurrent cells and the host's
 * own firewall are not disturbed.
 */
public final class HostFilter {
    static final String FROM_CELL = "from_cell";
    static final String DROP = "drop";

    private HostFilter() {
    }

    /**
     * @param host            the host's addresses and uplink pools (see {@link HostEgress})
     * @param allowHostEgress the runner admits declared destinations on the host
     */
    public static NftTable compile(String tableName, String veth, AllowSets sets, DnsPolicy dns,
                                   Optional<IpPrefix> cellIpv4, Optional<IpPrefix> cellIpv6, HostAddresses host,
                                   boolean allowHostEgress) {
        List<NftChain> chains = new ArrayList<>();
        chains.add(new NftChain("cell_forward", NftChain.Hook.filter("forward", "accept"), List.of(
                NftRule.of("from-cell", Expr.meta("iifname", "==", veth), Expr.counter(), Expr.jump(FROM_CELL)),
                NftRule.of("to-cell", Expr.meta("oifname", "==", veth), Expr.counter(), Expr.jump("to_cell")))));
        chains.add(new NftChain("cell_input", NftChain.Hook.filter("input", "accept"), List.of(
                NftRule.of("from-cell", Expr.meta("iifname", "==", veth), Expr.counter(), Expr.jump("to_host")))));
        List<NftRule> fromCell = new ArrayList<>(antiSpoofing(cellIpv4, "ipv4"));
        fromCell.addAll(antiSpoofing(cellIpv6, "ipv6"));
        fromCell.add(CellRuleset.established());
        fromCell.add(CellRuleset.dnsElsewhere(Expr.drop()));
        if (!allowHostEgress) {
            fromCell.addAll(rangeRules(neverForwarded(host, sets, dns), comment -> List.of(Expr.drop())));
        }
        fromCell.addAll(allowDeclared(dns));
        chains.add(new NftChain(FROM_CELL, null, fromCell));
        List<NftRule> toHost = new ArrayList<>(List.of(CellRuleset.established(), CellRuleset.neighbourDiscovery(),
                CellRuleset.dnsElsewhere(Expr.drop())));
        toHost.addAll(allowHostEgress ? allowDeclared(dns) : List.of(dropRest()));
        chains.add(new NftChain("to_host", null, toHost));
        chains.add(new NftChain("to_cell", null, List.of(CellRuleset.established(), dropRest())));
        List<NftRule> nat = new ArrayList<>();
        cellIpv4.ifPresent(subnet -> nat.add(masquerade("masquerade-ip4", subnet, veth)));
        cellIpv6.ifPresent(subnet -> nat.add(masquerade("masquerade-ip6", subnet, veth)));
        chains.add(new NftChain("cell_nat", NftChain.Hook.sourceNat(), nat));
        return new NftTable(tableName, sets.nftSets(dns), chains);
    }

    /**
     * The ranges of {@link HostEgress#neverForwarded} this cell needs a rule for. After them the chain
     * accepts only the allow sets and drops the rest: a range that no declared destination overlaps
     * is dropped by that last rule anyway (counted as {@value #DROP}), so a rule of its own would only
     * lengthen every cell's load. Answers and audit mode may open any address: they keep every range.
     */
    static List<HostEgress.Finding> neverForwarded(HostAddresses host, AllowSets sets, DnsPolicy dns) {
        List<HostEgress.Finding> ranges = HostEgress.neverForwarded(host);
        if (dns.redirected()) {
            return ranges;
        }
        List<IpPrefix> declared = sets.nftSets().stream().flatMap(set -> set.elements().stream())
                .map(SetElement::destination).toList();
        return ranges.stream().filter(range -> declared.stream().anyMatch(d -> d.overlaps(range.range()))).toList();
    }

    /** The declared and answered destinations, then drop; in audit mode, everything left is accepted instead. */
    private static List<NftRule> allowDeclared(DnsPolicy dns) {
        List<NftRule> rules = new ArrayList<>(AllowSets.acceptRules(dns));
        rules.add(dns == DnsPolicy.FORWARDED ? NftRule.of(CellRuleset.AUDIT_ACCEPT, Expr.counter(), Expr.accept())
                : dropRest());
        return rules;
    }

    /**
     * One rule per range, named after the part of the host rule it comes under ("never-loopback-ip4"),
     * ending in the verdict {@code verdict} gives for that name.
     */
    static List<NftRule> rangeRules(List<HostEgress.Finding> ranges, Function<String, List<Expr>> verdict) {
        List<NftRule> rules = new ArrayList<>();
        Set<String> comments = new HashSet<>();
        for (HostEgress.Finding range : ranges) {
            String comment = "never-" + range.rule() + (range.range().isIpv4() ? "-ip4" : "-ip6");
            for (int n = 2; !comments.add(comment); n++) {
                comment = comment.replaceFirst("(-[0-9]+)?$", "-" + n);
            }
            List<Expr> exprs = new ArrayList<>(List.of(Expr.destination(range.range()), Expr.counter()));
            exprs.addAll(verdict.apply(comment));
            rules.add(new NftRule(comment, exprs));
        }
        return rules;
    }

    /** The family's packets must come from the cell's subnet; without a subnet, none may be forwarded. */
    private static List<NftRule> antiSpoofing(Optional<IpPrefix> subnet, String family) {
        String comment = "spoofed-" + family.replace("v", "");
        return List.of(subnet.map(s -> NftRule.of(comment, Expr.source("!=", s), Expr.counter(), Expr.drop()))
                .orElseGet(() -> NftRule.of(comment, Expr.meta("nfproto", "==", family), Expr.counter(), Expr.drop())));
    }

    private static NftRule dropRest() {
        return NftRule.of(DROP, Expr.counter(), Expr.drop());
    }

    private static NftRule masquerade(String comment, IpPrefix subnet, String veth) {
        return NftRule.of(comment, Expr.source("==", subnet), Expr.meta("oifname", "!=", veth), Expr.counter(),
                Expr.masquerade());
    }
}
