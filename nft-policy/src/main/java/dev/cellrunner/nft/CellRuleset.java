package dev.cellrunner.nft;

import java.util.ArrayList;
import java.util.List;

/**
 * The policy inside the cell's own network namespace: output policy drop; loopback, replies and
 * IPv6 neighbour discovery (without it the uplink's gateway is unreachable over IPv6) accepted;
 * declared destinations accepted through the allow sets; everything else rejected so that clients
 * fail at once. Every rule and every set element counts what it matched.
 */
public final class CellRuleset {
    public static final String CHAIN = "egress";
    /** The comments of the rules whose packets are reported as dropped. */
    public static final List<String> REJECT_RULES = List.of("reject-tcp", "reject");
    static final List<String> NEIGHBOUR_DISCOVERY =
            List.of("nd-router-solicit", "nd-neighbor-solicit", "nd-neighbor-advert");

    private CellRuleset() {
    }

    public static NftTable compile(String tableName, AllowSets sets) {
        List<NftRule> rules = new ArrayList<>();
        rules.add(NftRule.of("loopback", Expr.meta("oifname", "==", "lo"), Expr.counter(), Expr.accept()));
        rules.add(established());
        rules.add(neighbourDiscovery());
        rules.addAll(AllowSets.acceptRules());
        rules.add(NftRule.of(REJECT_RULES.get(0), Expr.meta("l4proto", "==", "tcp"), Expr.counter(),
                Expr.rejectTcpReset()));
        rules.add(NftRule.of(REJECT_RULES.get(1), Expr.counter(), Expr.rejectAdminProhibited()));
        return new NftTable(tableName, sets.nftSets(),
                List.of(new NftChain(CHAIN, NftChain.Hook.filter("output", "drop"), rules)));
    }

    static NftRule established() {
        return NftRule.of("established", Expr.ctState(List.of("established", "related")), Expr.counter(),
                Expr.accept());
    }

    /** Link-local by construction: ND packets carry hop limit 255 and are never forwarded. */
    static NftRule neighbourDiscovery() {
        return NftRule.of("neighbour-discovery", Expr.icmpv6Types(NEIGHBOUR_DISCOVERY),
                Expr.payloadEquals("ip6", "hoplimit", 255), Expr.counter(), Expr.accept());
    }
}
