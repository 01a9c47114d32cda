package dev.cellrunner.nft;

import dev.cellrunner.spec.EgressHost;
import dev.cellrunner.spec.EgressHost.IpPrefix;

/** One element of an allow set: a destination prefix and a port, as nft writes it ("198.51.100.0/24 . 443"). */
public record SetElement(IpPrefix destination, int port) {
    public String text() {
        return destination + " . " + port;
    }

    /** Parses an address or "address/length" as nft prints it; throws on anything else (e.g. a range). */
    static SetElement of(String address, int port) {
        EgressHost host = EgressHost.parse(address);
        if (!(host instanceof IpPrefix prefix)) {
            throw new IllegalArgumentException("'" + address + "' is not an address");
        }
        return new SetElement(prefix, port);
    }
}
