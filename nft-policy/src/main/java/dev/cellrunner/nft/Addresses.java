package dev.cellrunner.nft;

import dev.cellrunner.spec.EgressHost.IpPrefix;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/** IPv4-mapped IPv6 unwrapping and single-address prefixes. */
final class Addresses {
    private static final byte[] MAPPED_PREFIX = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff};

    private Addresses() {
    }

    /** {@code ::ffff:a.b.c.d} becomes {@code a.b.c.d}: the packets it stands for are IPv4. */
    static InetAddress unmapped(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (address instanceof Inet6Address && Arrays.equals(bytes, 0, 12, MAPPED_PREFIX, 0, 12)) {
            try {
                return InetAddress.getByAddress(Arrays.copyOfRange(bytes, 12, 16));
            } catch (UnknownHostException e) {
                throw new IllegalStateException("4 bytes are an address", e);
            }
        }
        return address;
    }

    /** A full-length prefix for one address. */
    static IpPrefix single(InetAddress address) {
        return new IpPrefix(address, address.getAddress().length * 8);
    }
}
