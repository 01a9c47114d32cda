package dev.cellrunner.nft;

import java.util.List;

/**
 * What a cell's rulesets do with DNS (udp and tcp port 53). It never leaves the cell as sent, not even
 * to a declared address: query names could carry data out, and answers must pass the runner.
 * <ul>
 *   <li>{@link #NONE}: no egress rules, no uplink; the ruleset keeps its plain shape.</li>
 *   <li>{@link #REJECTED}: egress to addresses only; DNS is rejected (and logged) like any undeclared
 *   destination.</li>
 *   <li>{@link #ANSWERED}: some rule names a host; DNS to any address is redirected to the cell's
 *   responder (127.0.0.53 and ::1, port 53, inside the cell), and the addresses it answers join the
 *   answer sets ({@code dns_ip4_tcp} ...) with a timeout per element.</li>
 *   <li>{@link #FORWARDED}: audit mode; DNS is redirected to the responder as with {@link #ANSWERED},
 *   which forwards every name, and every destination but the host itself is accepted (and recorded),
 *   so the cell needs no answer sets.</li>
 * </ul>
 * Where rejects are logged, they go to nfnetlink_log group {@link #LOG_GROUP} of the cell's own
 * namespace (groups are per namespace), with the rule's comment as prefix.
 */
public enum DnsPolicy {
    NONE, REJECTED, ANSWERED, FORWARDED;

    public static final String RESPONDER_IPV4 = "127.0.0.53";
    public static final String RESPONDER_IPV6 = "::1";
    public static final int PORT = 53;
    public static final int LOG_GROUP = 1;

    public static DnsPolicy forRules(List<PinnedRule> rules) {
        if (rules.isEmpty()) {
            return NONE;
        }
        return rules.stream().anyMatch(rule -> rule.pattern().isPresent()) ? ANSWERED : REJECTED;
    }

    /** Audit mode gives every cell an uplink and a responder, whatever its rules; otherwise {@link #forRules}. */
    public static DnsPolicy of(List<PinnedRule> rules, boolean audit) {
        return audit ? FORWARDED : forRules(rules);
    }

    /** Whether DNS is redirected to the cell's responder (which then needs its sockets and resolv.conf). */
    public boolean redirected() {
        return this == ANSWERED || this == FORWARDED;
    }

    /** Whether the cell's rejects are logged to {@link #LOG_GROUP} (read back as denied connections). */
    public boolean logsRejects() {
        return this != NONE;
    }
}
