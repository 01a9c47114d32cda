package dev.cellrunner.nft;

import dev.cellrunner.spec.EgressHost.IpPrefix;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The one rule for destinations that lead back to the host a cell runs on, shared by everything that
 * admits a destination: declared egress rules, the addresses a hostname resolves to, answers of a
 * cell's DNS responder, and the host-side filter. A cell reaches none of them unless the runner runs
 * with {@code --allow-host-egress}:
 * <ul>
 *   <li>the host's own interface addresses and the uplink pools
 *       (the host's end of every cell's link, and the other cells);</li>
 *   <li>loopback, "this network", link-local (cloud metadata services live there), multicast and the
 *       reserved IPv4 block with the limited broadcast: all delivered to the host itself;</li>
 *   <li>any of these embedded in IPv6: IPv4-mapped {@code ::ffff:0:0/96}, IPv4-compatible {@code ::/96},
 *       NAT64 {@code 64:ff9b::/96} and 6to4 {@code 2002::/16}.</li>
 * </ul>
 * Pure: the host's addresses are read by the caller and passed in.
 */
public final class HostEgress {
    /**
     * A destination that leads to the host.
     *
     * @param rule  which part of the rule it falls under, e.g. "loopback", "uplink-pool", "6to4 host-address"
     * @param range the forbidden range, in the destination's own family (embedded ranges as IPv6)
     * @param why   why that range leads to the host
     * @param whole the destination lies entirely inside {@code range}; otherwise it only includes part of it
     */
    public record Finding(String rule, IpPrefix range, String why, boolean whole) {
        /** e.g. "127.0.0.0/8 (loopback: the host's own loopback interface)". */
        public String describe() {
            return range + " (" + rule + ": " + why + ")";
        }
    }

    /** One forbidden IPv4 or IPv6 range and why. */
    private record Range(String rule, IpPrefix prefix, String why) {
    }

    /** An IPv6 block that carries an IPv4 address at {@code offset} bytes. */
    private record Embedding(String rule, IpPrefix prefix, int offset) {
    }

    private static final String HOST = "an address of this host's own interfaces";
    private static final String POOL = "the uplink pool: the host's end of every cell's link, and the other cells";
    private static final List<Range> FIXED = List.of(
            range("unspecified", "0.0.0.0", 8, "\"this network\": packets to it reach the host itself"),
            range("loopback", "127.0.0.0", 8, "the host's own loopback interface"),
            range("link-local", "169.254.0.0", 16,
                    "the uplink's own link, which is the host (and cloud metadata services)"),
            range("multicast", "224.0.0.0", 4, "delivered to the host's own listeners on the uplink"),
            range("reserved", "240.0.0.0", 4, "with the limited broadcast 255.255.255.255, delivered to the host"),
            range("unspecified", "::", 128, "packets to it reach the host itself"),
            range("loopback", "::1", 128, "the host's own loopback interface"),
            range("link-local", "fe80::", 10, "the uplink's own link, which is the host"),
            range("multicast", "ff00::", 8, "delivered to the host's own listeners on the uplink"));
    private static final List<Embedding> EMBEDDINGS = List.of(
            new Embedding("ipv4-mapped", v6(96, new byte[]{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1}), 12),
            new Embedding("ipv4-compatible", v6(96, new byte[0]), 12),
            new Embedding("nat64", v6(96, new byte[]{0, 0x64, (byte) 0xff, (byte) 0x9b}), 12),
            new Embedding("6to4", v6(16, new byte[]{0x20, 0x02}), 2));

    private HostEgress() {
    }

    /**
     * Whether {@code destination} leads to the host: the finding that says how (a destination entirely
     * inside a forbidden range first), or empty when it does not.
     */
    public static Optional<Finding> check(IpPrefix destination, HostAddresses host) {
        List<Finding> findings = new ArrayList<>(direct(destination, host));
        for (Embedding embedding : EMBEDDINGS) {
            if (!destination.isIpv4() && destination.overlaps(embedding.prefix())) {
                findings.addAll(embedded(destination, embedding, host));
            }
        }
        return findings.stream().filter(Finding::whole).findFirst().or(() -> findings.stream().findFirst());
    }

    /** {@link #check} for one address. */
    public static Optional<Finding> check(InetAddress address, HostAddresses host) {
        return check(new IpPrefix(address, address.getAddress().length * 8), host);
    }

    /**
     * What the host-side filter drops on the forwarding path, each with the rule it comes under: the
     * fixed ranges and the uplink pools. The host's own addresses are not forwarded but delivered
     * locally, where the filter admits nothing from a cell but neighbour discovery and replies.
     */
    public static List<Finding> neverForwarded(HostAddresses host) {
        return ranges(host).stream().filter(range -> !range.rule().equals("host-address")).toList();
    }

    /**
     * Every range that leads to the host, the host's own addresses included, each with the rule it comes
     * under: what an audited cell's own ruleset rejects (and logs) while it lets everything else out.
     */
    public static List<Finding> ranges(HostAddresses host) {
        List<Finding> ranges = new ArrayList<>();
        for (Range range : forbidden(host)) {
            ranges.add(new Finding(range.rule(), range.prefix(), range.why(), true));
        }
        return ranges;
    }

    private static List<Range> forbidden(HostAddresses host) {
        List<Range> ranges = new ArrayList<>(FIXED);
        host.interfaces().forEach(address -> ranges.add(new Range("host-address", address, HOST)));
        host.uplinkPools().forEach(pool -> ranges.add(new Range("uplink-pool", pool, POOL)));
        return ranges;
    }

    private static List<Finding> direct(IpPrefix destination, HostAddresses host) {
        List<Finding> findings = new ArrayList<>();
        for (Range range : forbidden(host)) {
            if (range.prefix().isIpv4() == destination.isIpv4() && range.prefix().overlaps(destination)) {
                findings.add(new Finding(range.rule(), range.prefix(), range.why(),
                        destination.prefixLength() >= range.prefix().prefixLength()));
            }
        }
        return findings;
    }

    /**
     * A destination inside an embedding block is judged by the IPv4 prefix it carries; one that holds
     * the whole block holds every embedded address, the host's among them.
     */
    private static List<Finding> embedded(IpPrefix destination, Embedding embedding, HostAddresses host) {
        int start = embedding.prefix().prefixLength();
        if (destination.prefixLength() < start) {
            return List.of(new Finding(embedding.rule(), embedding.prefix(), "includes every " + embedding.rule()
                    + " address, those that embed the host's addresses among them", false));
        }
        byte[] bytes = destination.address().getAddress();
        int v4Length = Math.min(32, destination.prefixLength() - embedding.offset() * 8);
        IpPrefix carried = new IpPrefix(address(Arrays.copyOfRange(bytes, embedding.offset(), embedding.offset() + 4)),
                Math.max(0, v4Length));
        List<Finding> findings = new ArrayList<>();
        for (Finding inner : direct(carried, host)) {
            IpPrefix image = image(embedding, inner.range());
            findings.add(new Finding(embedding.rule() + " " + inner.rule(), image, embedding.rule() + " ("
                    + embedding.prefix() + ") embedding " + inner.range() + ": " + inner.why(), inner.whole()));
        }
        return findings;
    }

    /** An IPv4 range as the IPv6 block that embeds it. */
    private static IpPrefix image(Embedding embedding, IpPrefix v4) {
        byte[] bytes = embedding.prefix().address().getAddress().clone();
        System.arraycopy(v4.address().getAddress(), 0, bytes, embedding.offset(), 4);
        return new IpPrefix(address(bytes), embedding.offset() * 8 + v4.prefixLength());
    }

    private static Range range(String rule, String literal, int length, String why) {
        try {
            // an IP literal: no DNS lookup; built directly because EgressHost.parse refuses loopback
            return new Range(rule, new IpPrefix(InetAddress.getByName(literal), length), why);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(literal + " is an IP literal", e);
        }
    }

    /** Built from bytes: Java would turn {@code ::ffff:0:0} into an IPv4 address. */
    private static IpPrefix v6(int length, byte[] head) {
        byte[] bytes = new byte[16];
        System.arraycopy(head, 0, bytes, 0, head.length);
        return new IpPrefix(address(bytes), length);
    }

    private static InetAddress address(byte[] bytes) {
        try {
            return bytes.length == 16 ? java.net.Inet6Address.getByAddress(null, bytes, -1) : InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes are an address", e);
        }
    }
}
