package dev.cellrunner.nft;

import dev.cellrunner.spec.EgressHost.IpPrefix;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The runner's table on the host side of a cell's veth, out of the workload's reach: forwarded
 * traffic from the cell is admitted only to the declared destinations, nothing unsolicited enters
 * the cell, the cell cannot talk to the host itself beyond neighbour discovery and declared
 * destinations, and what leaves is masqueraded. A source address other than the cell's own is
 * dropped first: a workload that rewrote its address must not get replies delivered into another
 * cell through that cell's established flows. DNS from the cell is dropped here too: inside the cell it
 * is redirected or rejected, so only a cell whose ruleset is gone sends any. Traffic of other interfaces passes untouched
 * (policy accept), so concurrent cells and the host's own firewall are not disturbed.
 */
public final class HostFilter {
    static final String FROM_CELL = "from_cell";
    static final String DROP = "drop";

    private HostFilter() {
    }

    public static NftTable compile(String tableName, String veth, AllowSets sets, DnsPolicy dns,
                                   Optional<IpPrefix> cellIpv4, Optional<IpPrefix> cellIpv6) {
        List<NftChain> chains = new ArrayList<>();
        chains.add(new NftChain("cell_forward", NftChain.Hook.filter("forward", "accept"), List.of(
                NftRule.of("from-cell", Expr.meta("iifname", "==", veth), Expr.counter(), Expr.jump(FROM_CELL)),
                NftRule.of("to-cell", Expr.meta("oifname", "==", veth), Expr.counter(), Expr.jump("to_cell")))));
        chains.add(new NftChain("cell_input", NftChain.Hook.filter("input", "accept"), List.of(
                NftRule.of("from-cell", Expr.meta("iifname", "==", veth), Expr.counter(), Expr.jump("to_host")))));
        List<NftRule> fromCell = new ArrayList<>(antiSpoofing(cellIpv4, "ipv4"));
        fromCell.addAll(antiSpoofing(cellIpv6, "ipv6"));
        fromCell.addAll(allowOnly(false, dns));
        chains.add(new NftChain(FROM_CELL, null, fromCell));
        chains.add(new NftChain("to_host", null, allowOnly(true, dns)));
        chains.add(new NftChain("to_cell", null, List.of(CellRuleset.established(), dropRest())));
        List<NftRule> nat = new ArrayList<>();
        cellIpv4.ifPresent(subnet -> nat.add(masquerade("masquerade-ip4", subnet, veth)));
        cellIpv6.ifPresent(subnet -> nat.add(masquerade("masquerade-ip6", subnet, veth)));
        chains.add(new NftChain("cell_nat", NftChain.Hook.sourceNat(), nat));
        return new NftTable(tableName, sets.nftSets(dns), chains);
    }

    /** Established, (to the host) neighbour discovery, no DNS, the declared and answered destinations. */
    private static List<NftRule> allowOnly(boolean withNeighbourDiscovery, DnsPolicy dns) {
        List<NftRule> rules = new ArrayList<>();
        rules.add(CellRuleset.established());
        if (withNeighbourDiscovery) {
            rules.add(CellRuleset.neighbourDiscovery());
        }
        rules.add(CellRuleset.dnsElsewhere(Expr.drop()));
        rules.addAll(AllowSets.acceptRules(dns));
        rules.add(dropRest());
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
