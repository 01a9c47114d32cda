package dev.cellrunner.runner.records;

import java.time.Instant;
import java.util.List;

/**
 * Allowed traffic of the cell to one destination, from the kernel's connection tracking (accounting
 * and timestamps on in the cell's namespace): every connection to it summed.
 *
 * @param rules       the egress rules that admitted it ("egressRules[0]"); empty when none could be told
 * @param name        the name whose DNS answer opened the destination, or null for a declared address
 * @param connections connections (or UDP flows) counted
 */
public record FlowRecord(String destination, int port, String protocol, List<String> rules, String name,
                         long connections, long packetsOut, long bytesOut, long packetsIn, long bytesIn,
                         Instant first, Instant last) {
    public FlowRecord {
        rules = List.copyOf(rules);
    }

    public record Key(String destination, int port, String protocol) {
    }

    public FlowRecord plus(FlowRecord other) {
        return new FlowRecord(destination, port, protocol, rules.isEmpty() ? other.rules : rules,
                name != null ? name : other.name, connections + other.connections, packetsOut + other.packetsOut,
                bytesOut + other.bytesOut, packetsIn + other.packetsIn, bytesIn + other.bytesIn,
                first.isBefore(other.first) ? first : other.first, last.isAfter(other.last) ? last : other.last);
    }
}
