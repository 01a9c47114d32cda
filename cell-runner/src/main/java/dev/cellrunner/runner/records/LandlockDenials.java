package dev.cellrunner.runner.records;

import java.util.List;

/**
 * A cell's landlock denials as the kernel's audit records told them (bounded), or why there are none
 * to tell: a kernel before landlock ABI 7 (Linux 6.15) writes no such records, and any kernel writes
 * them only while its audit is enabled (auditd, or {@code auditctl -e 1}).
 *
 * @param recorded whether the kernel was able to report them for this cell
 * @param reason   why not, when not recorded; null otherwise
 */
public record LandlockDenials(boolean recorded, String reason, List<LandlockDenialRecord> entries, Totals totals) {
    public LandlockDenials {
        entries = List.copyOf(entries);
    }

    public static LandlockDenials notRecorded(String reason) {
        return new LandlockDenials(false, reason, List.of(), new Totals(0, 0, 0, false, 0));
    }
}
