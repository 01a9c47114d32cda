package dev.cellrunner.runner.records;

import java.util.List;

/**
 * Everything recorded about one cell's network use, each list bounded with its totals; rendered into
 * {@code network_enforcement} by EgressEventData. {@code unrecorded} says, in words, what the kernel
 * could not report here (e.g. connects landlock refused before any packet left).
 */
public record NetworkRecords(List<DnsQueryRecord> dnsQueries, Totals dnsTotals, List<FlowRecord> flows,
                             Totals flowTotals, List<DeniedConnectionRecord> deniedConnections, Totals deniedTotals,
                             List<String> unrecorded) {
    public NetworkRecords {
        dnsQueries = List.copyOf(dnsQueries);
        flows = List.copyOf(flows);
        deniedConnections = List.copyOf(deniedConnections);
        unrecorded = List.copyOf(unrecorded);
    }
}
