package dev.cellrunner.runner.egress;

import dev.cellrunner.spec.EgressHost.IpPrefix;

import java.net.InetAddress;

/** Address text as reports and ip(8) want it: RFC 5952 for IPv6. */
final class Addresses {
    private Addresses() {
    }

    static String text(InetAddress address) {
        return new IpPrefix(address, address.getAddress().length * 8).toString();
    }
}
