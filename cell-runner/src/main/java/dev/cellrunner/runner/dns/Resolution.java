package dev.cellrunner.runner.dns;

import java.util.List;

/**
 * What the upstream resolvers said about one name and type, CNAME chain followed.
 *
 * @param rcode     NOERROR or NXDOMAIN as upstream said; SERVFAIL when no usable answer came
 * @param chain     the CNAME records from the name asked to the last target, in order
 * @param addresses the A or AAAA records of the last target
 * @param ttl       seconds the whole answer stays valid: the smallest TTL in it (negative answers: 30 at most)
 * @param failure   why there is no answer (SERVFAIL), else null
 */
public record Resolution(int rcode, List<DnsMessage.Record> chain, List<DnsMessage.Record> addresses, long ttl,
                         String failure) {
    public Resolution {
        chain = List.copyOf(chain);
        addresses = List.copyOf(addresses);
    }

    static Resolution failed(String why) {
        return new Resolution(DnsMessage.SERVFAIL, List.of(), List.of(), 0, why);
    }
}
