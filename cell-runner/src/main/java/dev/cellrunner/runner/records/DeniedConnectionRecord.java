package dev.cellrunner.runner.records;

import java.time.Instant;

/**
 * Connections to one destination that the cell was refused, per refusing rule and layer:
 * {@value #NFTABLES}, packets the cell's ruleset rejected as the kernel reported them through
 * nfnetlink_log ({@code rule} "reject-tcp", "reject", "dns-elsewhere"); or {@value #LANDLOCK}, TCP
 * connects landlock refused before any packet existed, as landlock's audit records told them
 * ({@code rule} "landlock:net.connect_tcp", {@code packets} 0, {@code attempts} the refused connects).
 */
public record DeniedConnectionRecord(String destination, int port, String protocol, String rule, String layer,
                                     long packets, long attempts, Instant first, Instant last) {
    public static final String NFTABLES = "nftables";
    public static final String LANDLOCK = "landlock";

    public record Key(String destination, int port, String protocol, String rule, String layer) {
    }

    /** One more packet the ruleset rejected. */
    public DeniedConnectionRecord again(Instant at) {
        return new DeniedConnectionRecord(destination, port, protocol, rule, layer, packets + 1, attempts, first, at);
    }

    /** What landlock's audit records told of refused connects to one destination. */
    public static DeniedConnectionRecord landlock(LandlockDenialRecord denial) {
        return new DeniedConnectionRecord(denial.address(), denial.port(), "tcp",
                "landlock:" + String.join(",", denial.blockers()), LANDLOCK, 0, denial.count(), denial.first(), denial.last());
    }
}
