package dev.cellrunner.runner.egress;

import dev.cellrunner.nft.EgressPinning;
import dev.cellrunner.runner.dns.NameLookup;
import dev.cellrunner.runner.dns.TtlPolicy;
import dev.cellrunner.runner.dns.Upstream;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The runner's settings for names and records, from its environment: the upstream resolvers
 * ({@code --dns-upstream}, which sets {@value #UPSTREAM}, else the runner's /etc/resolv.conf), the TTL
 * policy, how many entries each list of records holds ({@value #RECORD_LIMIT}, default
 * {@value #DEFAULT_RECORD_LIMIT}), and which answered addresses a cell must never be given.
 */
public record NameService(NameLookup lookup, TtlPolicy ttl, int recordLimit,
                          Function<InetAddress, Optional<String>> neverAllowed) {
    public static final String UPSTREAM = "CELL_RUNNER_DNS_UPSTREAM";
    public static final String RECORD_LIMIT = "CELL_RUNNER_NETWORK_RECORDS_LIMIT";
    public static final int DEFAULT_RECORD_LIMIT = 1000;
    /** An upstream query, CNAME chain included, gets this long before the cell is answered SERVFAIL. */
    static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(5);

    /** @param neverAllowed why an answer must not open an address ({@link EgressPinning#neverAllowed}) */
    public static NameService fromEnvironment(Map<String, String> env,
                                              Function<InetAddress, Optional<String>> neverAllowed) throws IOException {
        return new NameService(new NameLookup(upstream(env), LOOKUP_TIMEOUT), TtlPolicy.fromEnvironment(env),
                recordLimit(env), neverAllowed);
    }

    /**
     * What names declared for pinning at start are resolved with: the {@value #UPSTREAM} server when set
     * (the one the cells' responders ask), each name's A and AAAA lookups within {@code timeout}; else
     * the system resolver, so /etc/hosts and {@code -Djdk.net.hosts.file} count.
     */
    public static NameResolver pinning(Map<String, String> env, Duration timeout) {
        String configured = env.get(UPSTREAM);
        return configured == null || configured.isBlank() ? NameResolver.SYSTEM
                : new NameLookup(Upstream.parse(configured), timeout);
    }

    /** {@value #UPSTREAM} when set (checked by the option), else the nameservers of /etc/resolv.conf. */
    public static Upstream upstream(Map<String, String> env) throws IOException {
        String configured = env.get(UPSTREAM);
        return configured == null || configured.isBlank() ? Upstream.fromResolvConf(Path.of("/etc/resolv.conf"))
                : Upstream.parse(configured);
    }

    /** How many entries each list of a cell's records holds ({@value #RECORD_LIMIT}). */
    public static int recordLimit(Map<String, String> env) {
        return number(env, RECORD_LIMIT, DEFAULT_RECORD_LIMIT, 0);
    }

    /** The number {@code variable} sets, at least {@code least}; {@code unset} when it is not set. */
    static int number(Map<String, String> env, String variable, int unset, int least) {
        String text = env.get(variable);
        if (text == null || text.isBlank()) {
            return unset;
        }
        try {
            return Math.max(least, Integer.parseInt(text.strip()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(variable + "=" + text + " is not a number");
        }
    }
}
