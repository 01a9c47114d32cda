package dev.cellrunner.nft;

import dev.cellrunner.spec.EgressHost.IpPrefix;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;

/**
 * Addresses a hostname must not silently open: loopback, "this network", link-local and the
 * unspecified address. A DNS answer pointing there is a classic way to reach the runner's own
 * services or cloud metadata, so it is refused unless the document declares that range literally.
 */
final class ReservedRanges {
    private static final List<IpPrefix> RANGES = List.of(
            prefix("127.0.0.0", 8), prefix("0.0.0.0", 8), prefix("169.254.0.0", 16),
            prefix("::1", 128), prefix("::", 128), prefix("fe80::", 10));

    private ReservedRanges() {
    }

    /** The reserved range holding {@code address}, if any (IPv4-mapped IPv6 is judged as IPv4). */
    static Optional<IpPrefix> containing(InetAddress address) {
        InetAddress plain = Addresses.unmapped(address);
        return RANGES.stream().filter(range -> Addresses.covers(range, plain)).findFirst();
    }

    /** Built directly: EgressHost.parse refuses loopback destinations, which is the point of some of these. */
    private static IpPrefix prefix(String literal, int length) {
        try {
            return new IpPrefix(InetAddress.getByName(literal), length); // an IP literal: no DNS lookup
        } catch (UnknownHostException e) {
            throw new IllegalStateException(literal + " is an IP literal", e);
        }
    }
}
