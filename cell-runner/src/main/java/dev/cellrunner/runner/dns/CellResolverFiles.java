package dev.cellrunner.runner.dns;

import dev.cellrunner.nft.DnsPolicy;

/**
 * The /etc/resolv.conf and /etc/hosts a cell with a DNS responder gets in its mount view: its
 * resolvers ask the responder (any other nameserver would be redirected to it anyway), and localhost
 * and the cell's own hostname are answered from the file, never asked of anyone.
 */
public final class CellResolverFiles {
    private CellResolverFiles() {
    }

    public static String resolvConf() {
        return "# the cell's own DNS responder (cell-runner, docs/egress.md)\n"
                + "nameserver " + DnsPolicy.RESPONDER_IPV4 + "\n"
                + "options edns0\n";
    }

    public static String hosts(String hostname) {
        return "127.0.0.1\tlocalhost\n"
                + "::1\tlocalhost ip6-localhost ip6-loopback\n"
                + "127.0.1.1\t" + hostname + "\n";
    }
}
