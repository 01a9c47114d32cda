package dev.cellrunner.runner.records;

import java.time.Instant;

/**
 * Packets the cell's ruleset rejected to one destination, as the kernel reported them through
 * nfnetlink_log; {@code rule} is the rejecting rule ("reject-tcp", "reject", "dns-elsewhere").
 */
public record DeniedConnectionRecord(String destination, int port, String protocol, String rule, long packets,
                                     Instant first, Instant last) {
    public record Key(String destination, int port, String protocol, String rule) {
    }

    public DeniedConnectionRecord again(Instant at) {
        return new DeniedConnectionRecord(destination, port, protocol, rule, packets + 1, first, at);
    }
}
