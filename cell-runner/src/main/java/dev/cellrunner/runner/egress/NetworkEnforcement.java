package dev.cellrunner.runner.egress;

import dev.cellrunner.nft.EgressCounters;
import dev.cellrunner.runner.records.NetworkRecords;
import dev.cellrunner.runner.records.WouldBeDenied;

import java.util.List;

/**
 * What the kernel's counters said after the run, read inside the cell's namespace and on the host.
 *
 * @param counters             null when the read-back after the run failed ({@code failure} says why)
 * @param rulesetUnchanged     the kernel still held exactly the ruleset that was applied
 * @param hostDroppedPackets   packets the host-side filter dropped, or null without an uplink
 * @param records              DNS queries, flows and denied connections; null without an uplink
 * @param wouldBeDenied        in audit mode, what of the records the declared rules would have denied; null in
 *                             enforce mode
 */
public record NetworkEnforcement(EgressCounters counters, String digestAfterRun, boolean rulesetUnchanged,
                                 Long hostDroppedPackets, String failure, NetworkRecords records,
                                 List<WouldBeDenied.Entry> wouldBeDenied) {
    public NetworkEnforcement(EgressCounters counters, String digestAfterRun, boolean rulesetUnchanged,
                              Long hostDroppedPackets, String failure, NetworkRecords records) {
        this(counters, digestAfterRun, rulesetUnchanged, hostDroppedPackets, failure, records, null);
    }
}
