package dev.cellrunner.nft;

import dev.cellrunner.spec.Protocol;

/**
 * The four allow sets: one per address family and transport, each of type
 * {@code <family>_addr . inet_service} with intervals (prefixes) and a counter on every element.
 * A lookup costs the same for 1 element as for 1000, so the rule count stays fixed.
 */
public enum AllowSet {
    IP4_TCP("ip", "tcp", "ipv4_addr"),
    IP4_UDP("ip", "udp", "ipv4_addr"),
    IP6_TCP("ip6", "tcp", "ipv6_addr"),
    IP6_UDP("ip6", "udp", "ipv6_addr");

    private final String ipProtocol;
    private final String transport;
    private final String addressType;

    AllowSet(String ipProtocol, String transport, String addressType) {
        this.ipProtocol = ipProtocol;
        this.transport = transport;
        this.addressType = addressType;
    }

    public static AllowSet of(SetElement element, Protocol protocol) {
        return of(element.destination().isIpv4(), protocol);
    }

    /** The kind of an allow set or an answer set, by name. */
    public static AllowSet named(String setName) {
        for (AllowSet set : values()) {
            if (set.setName().equals(setName) || set.answerSetName().equals(setName)) {
                return set;
            }
        }
        throw new IllegalArgumentException("no allow set named " + setName);
    }

    /** "allow_ip4_tcp", "allow_ip6_udp", ... */
    public String setName() {
        return "allow_" + suffix();
    }

    /** "dns_ip4_tcp", ...: the addresses DNS answers opened, each element with a timeout. */
    public String answerSetName() {
        return "dns_" + suffix();
    }

    /** The set of this kind for a DNS answer's address and the protocol of the rule that admitted it. */
    public static AllowSet of(boolean ipv4, Protocol protocol) {
        if (protocol == Protocol.TCP) {
            return ipv4 ? IP4_TCP : IP6_TCP;
        }
        return ipv4 ? IP4_UDP : IP6_UDP;
    }

    public boolean ipv4() {
        return "ip".equals(ipProtocol);
    }

    public Protocol protocol() {
        return "tcp".equals(transport) ? Protocol.TCP : Protocol.UDP;
    }

    private String suffix() {
        return ("ip".equals(ipProtocol) ? "ip4" : "ip6") + "_" + transport;
    }

    String ipProtocol() {
        return ipProtocol;
    }

    String transport() {
        return transport;
    }

    String addressType() {
        return addressType;
    }
}
