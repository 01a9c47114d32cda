package dev.cellrunner.runner.dns;

import dev.cellrunner.runner.egress.NameResolver;

import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves a name through {@link Upstream}, following its CNAME chain: the records the answer holds
 * first, then (when the chain ends at a name the answer has nothing more on) a query for that target,
 * at most {@link #MAX_CHAIN} links in all. As a {@link NameResolver}, the {@code --dns-upstream}
 * resolver that names pinned at start are asked through.
 */
public final class NameLookup implements NameResolver {
    static final int MAX_CHAIN = 8;
    /** How a resolution that ran out of time begins its failure. */
    private static final String NO_ANSWER = "upstream did not answer within ";
    private static final long NEGATIVE_TTL = 30;

    private final Upstream upstream;
    private final Duration timeout;

    public NameLookup(Upstream upstream, Duration timeout) {
        this.upstream = upstream;
        this.timeout = timeout;
    }

    public Upstream upstream() {
        return upstream;
    }

    /** One name and type within the timeout; never throws: a failure is a SERVFAIL resolution that says why. */
    public Resolution resolve(String name, int type) {
        return resolve(name, type, System.nanoTime() + timeout.toNanos());
    }

    private Resolution resolve(String name, int type, long deadline) {
        List<DnsMessage.Record> chain = new ArrayList<>();
        DnsMessage.Name current = DnsMessage.Name.of(name);
        for (int query = 0; query <= MAX_CHAIN; query++) {
            DnsMessage answer;
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return Resolution.failed(NO_ANSWER + timeout.toMillis() + " ms");
                }
                answer = upstream.query(current, type, Duration.ofNanos(left));
            } catch (SocketTimeoutException e) {
                return Resolution.failed(NO_ANSWER + timeout.toMillis() + " ms");
            } catch (IOException e) {
                return Resolution.failed("upstream: " + e.getMessage());
            }
            int rcode = answer.rcode();
            if (rcode != DnsMessage.NOERROR && rcode != DnsMessage.NXDOMAIN) {
                return Resolution.failed("upstream answered rcode " + rcode);
            }
            int linksBefore = chain.size();
            current = follow(answer.answers(), current, chain);
            if (chain.size() > MAX_CHAIN) {
                return Resolution.failed("a CNAME chain longer than " + MAX_CHAIN);
            }
            List<DnsMessage.Record> addresses = new ArrayList<>();
            for (DnsMessage.Record record : answer.answers()) {
                if (record.type() == type && record.rclass() == DnsMessage.CLASS_IN && record.name().sameAs(current)
                        && record.data().length == (type == DnsMessage.TYPE_A ? 4 : 16)) {
                    addresses.add(record);
                }
            }
            // asked again only for a chain this answer extended and then said nothing more about
            if (!addresses.isEmpty() || rcode == DnsMessage.NXDOMAIN || chain.size() == linksBefore
                    || endsHere(answer, current)) {
                return new Resolution(rcode, chain, addresses, ttl(chain, addresses, answer), null);
            }
            // the chain ends at a name this answer says nothing more about: ask for it
        }
        return Resolution.failed("a CNAME chain longer than " + MAX_CHAIN);
    }

    /**
     * All A and AAAA addresses of a name, both asked within the one timeout; an empty list when it has
     * none; a {@link SocketTimeoutException} when upstream did not answer in time.
     */
    @Override
    public List<InetAddress> addresses(String name) throws IOException {
        List<InetAddress> all = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int type : new int[] {DnsMessage.TYPE_A, DnsMessage.TYPE_AAAA}) {
            Resolution resolution = resolve(name, type, deadline);
            if (resolution.failure() != null) {
                throw resolution.failure().startsWith(NO_ANSWER) ? new SocketTimeoutException(resolution.failure())
                        : new IOException(resolution.failure());
            }
            for (DnsMessage.Record record : resolution.addresses()) {
                all.add(address(record.data()));
            }
        }
        return all;
    }

    static InetAddress address(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("an address of " + bytes.length + " bytes");
        }
    }

    /** Appends the CNAMEs from {@code name} on to {@code chain}; returns the last target. */
    private static DnsMessage.Name follow(List<DnsMessage.Record> records, DnsMessage.Name name,
                                          List<DnsMessage.Record> chain) {
        DnsMessage.Name current = name;
        for (int link = 0; link <= MAX_CHAIN; link++) {
            DnsMessage.Name from = current;
            DnsMessage.Record cname = records.stream()
                    .filter(r -> r.type() == DnsMessage.TYPE_CNAME && r.name().sameAs(from)).findFirst().orElse(null);
            if (cname == null) {
                return current;
            }
            chain.add(cname);
            current = cname.target();
        }
        chain.add(null); // longer than allowed: the caller refuses it
        return current;
    }

    /** The answer holds records of other types for the last target (it exists, without this type). */
    private static boolean endsHere(DnsMessage answer, DnsMessage.Name current) {
        return answer.answers().stream().anyMatch(r -> r.name().sameAs(current) && r.type() != DnsMessage.TYPE_CNAME);
    }

    private static long ttl(List<DnsMessage.Record> chain, List<DnsMessage.Record> addresses, DnsMessage answer) {
        long ttl = Long.MAX_VALUE;
        for (DnsMessage.Record record : chain) {
            ttl = Math.min(ttl, record.ttl());
        }
        for (DnsMessage.Record record : addresses) {
            ttl = Math.min(ttl, record.ttl());
        }
        if (addresses.isEmpty()) {
            long negative = answer.authority().stream().filter(r -> r.type() == 6).mapToLong(DnsMessage.Record::ttl)
                    .min().orElse(NEGATIVE_TTL);
            ttl = Math.min(ttl, Math.min(negative, NEGATIVE_TTL));
        }
        return ttl == Long.MAX_VALUE ? 0 : ttl;
    }
}
