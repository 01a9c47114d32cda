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
        boolean v4 = element.destination().isIpv4();
        if (protocol == Protocol.TCP) {
            return v4 ? IP4_TCP : IP6_TCP;
        }
        return v4 ? IP4_UDP : IP6_UDP;
    }

    public static AllowSet named(String setName) {
        for (AllowSet set : values()) {
            if (set.setName().equals(setName)) {
                return set;
            }
        }
        throw new IllegalArgumentException("no allow set named " + setName);
    }

    /** "allow_ip4_tcp", "allow_ip6_udp", ... */
    public String setName() {
        return "allow_" + ("ip".equals(ipProtocol) ? "ip4" : "ip6") + "_" + transport;
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
