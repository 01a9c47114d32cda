package dev.cellrunner.runner.egress;

import java.io.IOException;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;

/**
 * Answers one hostname with its addresses: how the runner asks a name service for a declared name.
 * Two implementations: {@link #SYSTEM}, the JVM's resolver (getaddrinfo through nsswitch, which
 * honours {@code -Djdk.net.hosts.file}), and {@link dev.cellrunner.runner.dns.NameLookup}, the DNS
 * servers the runner asks itself ({@code --dns-upstream}, else the nameservers of its resolv.conf),
 * which also answers the cells' DNS responders. Names pinned at start go through the one
 * {@link NameService#pinning} picks. It may block: {@link HostResolver} bounds it with a deadline and
 * never waits longer.
 */
@FunctionalInterface
public interface NameResolver {
    NameResolver SYSTEM = name -> Arrays.asList(InetAddress.getAllByName(name));

    /** The name's addresses (A and AAAA); an empty list or an IOException when it has none. */
    List<InetAddress> addresses(String name) throws IOException;
}
