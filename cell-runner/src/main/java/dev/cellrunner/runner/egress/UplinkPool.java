package dev.cellrunner.runner.egress;

import dev.cellrunner.runner.os.StateDir;
import dev.cellrunner.spec.EgressHost;
import dev.cellrunner.spec.EgressHost.IpPrefix;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Per-cell uplink subnets: slot n of the pool is the n-th IPv4 /30 and the n-th IPv6 /64 (host side
 * .1 / ::1, cell side .2 / ::2). A slot is held through an open-file-description lock on
 * {@code <state>/slots/<n>.lock} for the cell's lifetime (see {@link StateDir}); the kernel drops the
 * lock when the runner dies, so a killed runner never leaks a slot, and two runners, or two cells of
 * one runner, never share one.
 *
 * <p>Defaults: 198.18.0.0/16 (RFC 2544 benchmarking space: not routed on the internet, not a
 * TEST-NET, rarely used on real networks) and fdc3:11f0:5a7e::/48 (a unique local prefix picked for
 * cell-runner). Both are configurable with {@code CELL_RUNNER_UPLINK_IPV4_POOL} and
 * {@code CELL_RUNNER_UPLINK_IPV6_POOL}; pick ranges the host does not route anywhere else.
 */
public final class UplinkPool {
    public static final String DEFAULT_IPV4 = "198.18.0.0/16";
    public static final String DEFAULT_IPV6 = "fdc3:11f0:5a7e::/48";
    private static final int IPV4_SUBNET = 30;
    private static final int IPV6_SUBNET = 64;

    private final IpPrefix ipv4;
    private final IpPrefix ipv6;
    private final Path stateDirectory;

    public UplinkPool(IpPrefix ipv4, IpPrefix ipv6, Path stateDirectory) {
        if (!ipv4.isIpv4() || ipv4.prefixLength() > IPV4_SUBNET || ipv6.isIpv4() || ipv6.prefixLength() > IPV6_SUBNET) {
            throw new IllegalArgumentException("uplink pools must be an IPv4 prefix of /30 or wider and an IPv6 "
                    + "prefix of /64 or wider, got " + ipv4 + " and " + ipv6);
        }
        this.ipv4 = ipv4;
        this.ipv6 = ipv6;
        this.stateDirectory = stateDirectory;
    }

    /** The pool from the runner's environment, or the defaults. */
    public static UplinkPool fromEnvironment(Map<String, String> env) {
        return new UplinkPool(prefix(env.getOrDefault("CELL_RUNNER_UPLINK_IPV4_POOL", DEFAULT_IPV4)),
                prefix(env.getOrDefault("CELL_RUNNER_UPLINK_IPV6_POOL", DEFAULT_IPV6)), StateDirectory.of(env));
    }

    /** The IPv4 and the IPv6 pool. */
    public List<IpPrefix> prefixes() {
        return List.of(ipv4, ipv6);
    }

    private static IpPrefix prefix(String text) {
        if (EgressHost.parse(text) instanceof IpPrefix prefix) {
            return prefix;
        }
        throw new IllegalArgumentException("'" + text + "' is not an IP prefix");
    }

    /** The addresses of one cell's link. */
    public record Slot(int index, IpPrefix ipv4Subnet, InetAddress ipv4Host, InetAddress ipv4Cell,
                       IpPrefix ipv6Subnet, InetAddress ipv6Host, InetAddress ipv6Cell, StateDir.Lock lock,
                       Path lockFile) implements AutoCloseable {
        @Override
        public void close() {
            lock.close();
        }
    }

    /** Takes the first free slot; throws when the pool is exhausted. */
    public Slot take() throws IOException {
        int count = Math.min(1 << Math.min(30, IPV4_SUBNET - ipv4.prefixLength()),
                1 << Math.min(30, IPV6_SUBNET - ipv6.prefixLength()));
        try (StateDir state = StateDir.open(stateDirectory); StateDir slots = state.directory("slots")) {
            for (int n = 0; n < count; n++) {
                StateDir.Lock lock = slots.tryLock(n + ".lock");
                if (lock != null) {
                    return slot(n, lock, slots.path().resolve(n + ".lock"));
                }
            }
        }
        throw new IOException("all " + count + " uplink subnets of " + ipv4 + " / " + ipv6 + " are in use");
    }

    private Slot slot(int n, StateDir.Lock lock, Path file) {
        BigInteger v4 = new BigInteger(1, ipv4.address().getAddress()).add(BigInteger.valueOf((long) n << (32 - IPV4_SUBNET)));
        BigInteger v6 = new BigInteger(1, ipv6.address().getAddress()).add(BigInteger.valueOf(n).shiftLeft(128 - IPV6_SUBNET));
        return new Slot(n, new IpPrefix(address(v4, 4), IPV4_SUBNET), address(v4.add(BigInteger.ONE), 4),
                address(v4.add(BigInteger.TWO), 4), new IpPrefix(address(v6, 16), IPV6_SUBNET),
                address(v6.add(BigInteger.ONE), 16), address(v6.add(BigInteger.TWO), 16), lock, file);
    }

    private static InetAddress address(BigInteger value, int length) {
        byte[] raw = value.toByteArray();
        byte[] bytes = new byte[length];
        int copy = Math.min(raw.length, length);
        System.arraycopy(raw, raw.length - copy, bytes, length - copy, copy);
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes are an address", e);
        }
    }
}
