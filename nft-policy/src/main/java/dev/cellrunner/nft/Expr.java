package dev.cellrunner.nft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cellrunner.spec.EgressHost.IpPrefix;

import java.util.List;

/**
 * One expression or statement of an nft rule, written twice from one place: as the text {@code nft -f}
 * reads, and as the JSON {@code nft -j list ruleset} prints for it (counters zeroed), so what was meant
 * can be compared with what the kernel holds.
 */
public record Expr(String text, JsonNode json) {
    static final ObjectMapper JSON = new ObjectMapper();

    /** {@code oifname "lo"}, {@code iifname != "x"}, {@code meta l4proto tcp}. */
    static Expr meta(String key, String op, String value) {
        boolean name = key.endsWith("ifname");
        String left = name ? key : "meta " + key;
        String right = name ? "\"" + value + "\"" : value;
        return new Expr(left + ("==".equals(op) ? " " : " " + op + " ") + right,
                match(op, JSON.createObjectNode().set("meta", JSON.createObjectNode().put("key", key)),
                        JSON.getNodeFactory().textNode(value)));
    }

    /** {@code ct state established,related}. */
    static Expr ctState(List<String> states) {
        ArrayNode right = JSON.createArrayNode();
        states.forEach(right::add);
        return new Expr("ct state " + String.join(",", states),
                match("in", JSON.createObjectNode().set("ct", JSON.createObjectNode().put("key", "state")), right));
    }

    /** {@code icmpv6 type { a, b }}. */
    static Expr icmpv6Types(List<String> types) {
        ArrayNode set = JSON.createArrayNode();
        types.forEach(set::add);
        return new Expr("icmpv6 type { " + String.join(", ", types) + " }",
                match("==", payload("icmpv6", "type"), JSON.createObjectNode().set("set", set)));
    }

    /** {@code ip6 hoplimit 255}. */
    static Expr payloadEquals(String protocol, String field, int value) {
        return new Expr(protocol + " " + field + " " + value,
                match("==", payload(protocol, field), JSON.getNodeFactory().numberNode(value)));
    }

    /** {@code ip saddr 198.18.0.0/30}, or with {@code op} "!=" its negation. */
    static Expr source(String op, IpPrefix prefix) {
        String protocol = prefix.isIpv4() ? "ip" : "ip6";
        return new Expr(protocol + " saddr " + ("==".equals(op) ? "" : op + " ") + prefix,
                match(op, payload(protocol, "saddr"), address(prefix)));
    }

    /** {@code ip daddr 169.254.0.0/16}. */
    static Expr destination(IpPrefix prefix) {
        String protocol = prefix.isIpv4() ? "ip" : "ip6";
        return new Expr(protocol + " daddr " + prefix, match("==", payload(protocol, "daddr"), address(prefix)));
    }

    /** {@code ip daddr . tcp dport @set}. */
    static Expr destinationIn(String ipProtocol, String transport, String setName) {
        ArrayNode concat = JSON.createArrayNode();
        concat.add(payload(ipProtocol, "daddr"));
        concat.add(payload(transport, "dport"));
        return new Expr(ipProtocol + " daddr . " + transport + " dport @" + setName,
                match("==", JSON.createObjectNode().set("concat", concat), JSON.getNodeFactory().textNode("@" + setName)));
    }

    /** {@code ip daddr 127.0.0.53}, {@code ip6 daddr != ::1}. */
    static Expr destination(String ipProtocol, String op, String address) {
        return new Expr(ipProtocol + " daddr " + ("==".equals(op) ? "" : op + " ") + address,
                match(op, payload(ipProtocol, "daddr"), JSON.getNodeFactory().textNode(address)));
    }

    /** {@code meta l4proto { tcp, udp }}. */
    static Expr tcpOrUdp() {
        ArrayNode set = JSON.createArrayNode().add("tcp").add("udp");
        return new Expr("meta l4proto { tcp, udp }", match("==", JSON.createObjectNode().set("meta",
                JSON.createObjectNode().put("key", "l4proto")), JSON.createObjectNode().set("set", set)));
    }

    /** {@code th dport 53}: the destination port of tcp or udp alike. */
    static Expr transportPort(int port) {
        return new Expr("th dport " + port, match("==", payload("th", "dport"), JSON.getNodeFactory().numberNode(port)));
    }

    /** {@code dnat ip to 127.0.0.53}. */
    static Expr dnat(String family, String address) {
        return new Expr("dnat " + family + " to " + address, JSON.createObjectNode().set("dnat",
                JSON.createObjectNode().put("family", family).put("addr", address)));
    }

    /** {@code log prefix "reject" group 1}: the packet goes to nfnetlink_log, where the runner reads it. */
    static Expr logToGroup(String prefix, int group) {
        return new Expr("log prefix \"" + prefix + "\" group " + group, JSON.createObjectNode().set("log",
                JSON.createObjectNode().put("prefix", prefix).put("group", group)));
    }

    static Expr counter() {
        ObjectNode zero = JSON.createObjectNode().put("packets", 0).put("bytes", 0);
        return new Expr("counter", JSON.createObjectNode().set("counter", zero));
    }

    static Expr accept() {
        return verdict("accept");
    }

    static Expr drop() {
        return verdict("drop");
    }

    static Expr masquerade() {
        return verdict("masquerade");
    }

    static Expr jump(String chain) {
        return new Expr("jump " + chain, JSON.createObjectNode().set("jump",
                JSON.createObjectNode().put("target", chain)));
    }

    /** Makes a TCP client fail at once ("connection refused") instead of waiting for a timeout. */
    static Expr rejectTcpReset() {
        return new Expr("reject with tcp reset", JSON.createObjectNode().set("reject",
                JSON.createObjectNode().put("type", "tcp reset")));
    }

    /** ICMP type 3 code 13 for IPv4, ICMPv6 type 1 code 1 for IPv6. */
    static Expr rejectAdminProhibited() {
        return new Expr("reject with icmpx admin-prohibited", JSON.createObjectNode().set("reject",
                JSON.createObjectNode().put("type", "icmpx").put("expr", "admin-prohibited")));
    }

    /** nft's JSON for a prefix: a plain address when it is full length, else {"prefix": {addr, len}}. */
    static JsonNode address(IpPrefix prefix) {
        if (prefix.isFullLength()) {
            return JSON.getNodeFactory().textNode(prefix.toString());
        }
        String text = prefix.toString();
        return JSON.createObjectNode().set("prefix", JSON.createObjectNode()
                .put("addr", text.substring(0, text.indexOf('/'))).put("len", prefix.prefixLength()));
    }

    private static Expr verdict(String name) {
        return new Expr(name, JSON.createObjectNode().putNull(name));
    }

    private static ObjectNode payload(String protocol, String field) {
        return JSON.createObjectNode().set("payload", JSON.createObjectNode().put("protocol", protocol).put("field", field));
    }

    private static JsonNode match(String op, JsonNode left, JsonNode right) {
        ObjectNode match = JSON.createObjectNode().put("op", op);
        match.set("left", left);
        match.set("right", right);
        return JSON.createObjectNode().set("match", match);
    }
}
