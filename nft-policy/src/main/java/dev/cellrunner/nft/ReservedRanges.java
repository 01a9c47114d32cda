package dev.cellrunner.nft;

import dev.cellrunner.spec.EgressHost;
import dev.cellrunner.spec.EgressHost.IpPrefix;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * Addresses a hostname must not silently open: loopback, "this network", link-local and the
 * unspecified address. A DNS answer pointing there is a classic way to reach the runner's own
 * services or cloud metadata, so it is refused unless the document declares that range literally.
 */
final class ReservedRanges {
    private static final List<IpPrefix> RANGES = List.of(
            prefix("127.0.0.0/8"), prefix("0.0.0.0/8"), prefix("169.254.0.0/16"),
            prefix("::1"), prefix("::/128"), prefix("fe80::/10"));

    private ReservedRanges() {
    }

    /** The reserved range holding {@code address}, if any (IPv4-mapped IPv6 is judged as IPv4). */
    static Optional<IpPrefix> containing(InetAddress address) {
        InetAddress plain = Addresses.unmapped(address);
        return RANGES.stream().filter(range -> Addresses.covers(range, plain)).findFirst();
    }

    private static IpPrefix prefix(String text) {
        return (IpPrefix) EgressHost.parse(text);
    }
}
