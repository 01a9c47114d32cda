package dev.cellrunner.nft;

import java.util.ArrayList;
import java.util.List;

/**
 * The policy inside the cell's own network namespace: output policy drop; loopback, replies and
 * IPv6 neighbour discovery (without it the uplink's gateway is unreachable over IPv6) accepted;
 * declared destinations accepted through the allow sets; the kernel's own multicast listener reports
 * dropped; everything else rejected so that clients fail at once. Every rule and every set element
 * counts what it matched; the packets of the reject rules are the ones reported as dropped.
 */
public final class CellRuleset {
    public static final String CHAIN = "egress";
    static final List<String> NEIGHBOUR_DISCOVERY =
            List.of("nd-router-solicit", "nd-neighbor-solicit", "nd-neighbor-advert");
    static final List<String> LISTENER_REPORTS = List.of("mld-listener-report", "mld2-listener-report");

    private CellRuleset() {
    }

    public static NftTable compile(String tableName, AllowSets sets) {
        List<NftRule> rules = new ArrayList<>();
        rules.add(NftRule.of("loopback", Expr.meta("oifname", "==", "lo"), Expr.counter(), Expr.accept()));
        rules.add(established());
        rules.add(neighbourDiscovery());
        rules.addAll(AllowSets.acceptRules());
        rules.add(listenerReports());
        rules.add(NftRule.of("reject-tcp", Expr.meta("l4proto", "==", "tcp"), Expr.counter(),
                Expr.rejectTcpReset()));
        rules.add(NftRule.of("reject", Expr.counter(), Expr.rejectAdminProhibited()));
        return new NftTable(tableName, sets.nftSets(),
                List.of(new NftChain(CHAIN, NftChain.Hook.filter("output", "drop"), rules)));
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
