package dev.cellrunner.runner.egress;

import java.util.List;

/**
 * What was put in place for a cell's network and verified by reading it back.
 *
 * @param table                 the nft table's name, in the cell and (with an uplink) on the host
 * @param nftRulesApplied       the cell's ruleset was loaded and the kernel's read-back matched it
 * @param rulesetDigest         SHA-256 of the kernel's listing (see KernelRuleset), null when not applied
 * @param applyMillis           load and JSON listing through libnftables on the launch thread, and the
 *                              comparison and digest of that listing, wall time
 * @param uplinkMillis          slot, host filter (loaded, listed, compared), veth, addresses, routes
 *                              (rtnetlink) and forwarding, wall time (0 without uplink)
 * @param uplink                null for a cell without egress rules (it gets no uplink at all)
 * @param supplementaryFilter   the host-side veth filter was loaded and its read-back matched
 * @param failure               why setting up stopped, or null
 */
public record NetworkSetup(String table, boolean nftRulesApplied, String rulesetDigest, double applyMillis,
                           double uplinkMillis, int ruleElements, Uplink uplink, boolean supplementaryFilter, String failure) {

    /** The cell's link to the host. */
    public record Uplink(String hostInterface, String cellInterface, List<String> cellAddresses,
                         List<String> gateways, List<String> forwardingSwitchedOn) {
        public Uplink {
            cellAddresses = List.copyOf(cellAddresses);
            gateways = List.copyOf(gateways);
            forwardingSwitchedOn = List.copyOf(forwardingSwitchedOn);
        }
    }

    NetworkSetup failed(String reason) {
        return new NetworkSetup(table, nftRulesApplied, rulesetDigest, applyMillis, uplinkMillis, ruleElements, uplink,
                supplementaryFilter, reason);
    }
}
