package dev.cellrunner.nft;

import dev.cellrunner.spec.EgressHost.IpPrefix;

import java.util.List;

/**
 * The host as a cell's egress sees it, read by the runner when it plans a cell: the addresses of the
 * host's interfaces and the uplink pools, whose addresses are the
 * host's end of every cell's link and the other cells.
 *
 * @param interfaces  each a full-length prefix
 * @param uplinkPools the runner's IPv4 and IPv6 pools
 */
public record HostAddresses(List<IpPrefix> interfaces, List<IpPrefix> uplinkPools) {
    /** A host known to have no addresses and no pools: only the fixed ranges of {@link HostEgress} apply. */
    public static final HostAddresses NONE = new HostAddresses(List.of(), List.of());

    public HostAddresses {
        interfaces = List.copyOf(interfaces);
        uplinkPools = List.copyOf(uplinkPools);
    }
}
