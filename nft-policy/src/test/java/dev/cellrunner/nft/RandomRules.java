package dev.cellrunner.nft;

import dev.cellrunner.spec.EgressHost;
import dev.cellrunner.spec.EgressRule;
import dev.cellrunner.spec.Protocol;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntUnaryOperator;

/**
 * Random valid egress rules from any source of choices ({@code pick.applyAsInt(bound)} in [0, bound)):
 * java.util.Random for the parameterized property test, Jazzer's data provider for the fuzz test.
 */
final class RandomRules {
    private RandomRules() {
    }

    static List<PinnedRule> pinned(IntUnaryOperator pick, int count) {
        List<EgressRule> rules = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            rules.add(new EgressRule(host(pick), 1 + pick.applyAsInt(65535),
                    pick.applyAsInt(2) == 0 ? Protocol.TCP : Protocol.UDP));
        }
        try {
            return EgressPinning.pin(rules, Map.of(), HostAddresses.NONE, true); // any address: the compiler is judged
        } catch (EgressRefusal e) {
            throw new AssertionError("generated an invalid rule: " + e.getMessage(), e);
        }
    }

    /** A host the document would accept: prefixes overlapping loopback or unspecified are drawn again. */
    private static String host(IntUnaryOperator pick) {
        while (true) {
            String host = candidate(pick);
            try {
                EgressHost.parse(host);
                return host;
            } catch (IllegalArgumentException overlapsLocal) {
                // draw again
            }
        }
    }

    /** A literal or prefix of either family, host bits cleared. */
    private static String candidate(IntUnaryOperator pick) {
        boolean v4 = pick.applyAsInt(2) == 0;
        byte[] bytes = new byte[v4 ? 4 : 16];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) pick.applyAsInt(256);
        }
        if (!v4 && (bytes[0] & 0xff) == 0) {
            bytes[0] = 0x20; // keep clear of ::/8, where IPv4-mapped addresses live
        }
        int max = bytes.length * 8;
        int length = pick.applyAsInt(3) == 0 ? 1 + pick.applyAsInt(max) : max;
        for (int bit = length; bit < max; bit++) {
            bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        try {
            String address = InetAddress.getByAddress(bytes).getHostAddress();
            return length == max ? address : address + "/" + length;
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
